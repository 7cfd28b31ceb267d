using System.Runtime.CompilerServices;

// The identity tests drive the world-file parser and applier directly.
[assembly: InternalsVisibleTo("Gatehouse.Identity.Tests")]

// The catalogue check walks every module's actions.
[assembly: InternalsVisibleTo("Gatehouse.Server.Tests")]

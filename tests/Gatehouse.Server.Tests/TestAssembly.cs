namespace Gatehouse.Tests.Shared;

/// <summary>This test assembly's name, for the discoverers of shared test attributes (tests/Shared).</summary>
internal static class TestAssembly
{
    public const string Name = "Gatehouse.Server.Tests";
}

using Gatehouse.Server;
using Gatehouse.Server.Cli;

if (args is [var verb, ..] && DiagnosticsCommands.All.Any(c => c.Name == verb))
{
    return await DiagnosticsCommands.InvokeAsync(args);
}

var options = GatehouseOptions.FromArgs(args, Environment.GetEnvironmentVariable);
await using var app = await GatehouseApp.BuildAsync(options, TimeProvider.System, args);
await app.RunAsync();
return 0;

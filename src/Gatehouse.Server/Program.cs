using Gatehouse.Server;

var options = GatehouseOptions.FromArgs(args, Environment.GetEnvironmentVariable);
await using var app = await GatehouseApp.BuildAsync(options, TimeProvider.System, args);
await app.RunAsync();

using Gatehouse.Server.Cli;

return await GatehouseCli.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error);

using Gatehouse.LoadBench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message + "\n\n" + BenchOptions.Usage);
    return 2;
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

if (options.NoopServerPort is { } port)
{
    await NoopServer.RunAsync(port);
    return 0;
}

Report.LoadAtStart = Report.LoadAverage();
try
{
    var markdown = options.Interference is { } big
        ? await InterferenceBench.RunAsync(options, big, args)
        : options.Fill is { } fill
        ? await FillBench.RunAsync(options, fill, args)
        : await SideBySideBench.RunAsync(options, args);
    Console.WriteLine();
    Console.WriteLine(markdown);
    var output = options.OutputPath ?? Path.Combine(Report.RepositoryRoot() ?? ".", "bench",
        options.Interference is not null ? "results-interference-latest.md" : options.Fill is null ? "results-latest.md" : "results-fill-latest.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllTextAsync(output, markdown);
    await Console.Error.WriteLineAsync($"results written to {output}");
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
{
    await Console.Error.WriteLineAsync("benchmark failed: " + e.Message);
    return 1;
}
finally
{
    ChildProcesses.StopAll();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SQS;

namespace Gatehouse.Server.Tests;

/// <summary>The server as a separate process (the built <c>gatehouse.dll</c> beside the tests), for tests that
/// must kill it the hard way.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    public string Endpoint { get; }

    private ServerProcess(Process process, string endpoint, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _output = output;
        _process = process;
        Endpoint = endpoint;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    /// <summary>What the server wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits (bounded) until the server has written <paramref name="text"/>: log lines arrive through a pipe,
    /// and the start-up banner may come after the server already answers requests.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal) && clock.Elapsed < within)
        {
            await Task.Delay(50);
        }

        return Output;
    }

    public static Task<ServerProcess> StartAsync(string dataDirectory, int? port = null, params string[] extraArgs) =>
        StartAsync(dataDirectory, new Dictionary<string, string>(), port, extraArgs);

    /// <summary>As <see cref="StartAsync(string, int?, string[])"/>, with these environment variables set for the
    /// server.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> environment, int? port, params string[] extraArgs)
    {
        var p = port ?? FreePort();
        var psi = StartInfo(["--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDirectory, .. extraArgs]);
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        var process = Process.Start(psi)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = $"http://127.0.0.1:{p}";
        using var http = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync(endpoint + "/_gatehouse/health")).IsSuccessStatusCode)
                {
                    return new ServerProcess(process, endpoint, output);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new InvalidOperationException("The server did not start.");
    }

    /// <summary>The built <c>gatehouse.dll</c> beside the tests, run with these arguments.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gatehouse.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    /// <summary>Runs <c>gatehouse</c> to its end (at most 30 s) and returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gatehouse {string.Join(' ', args)} did not end within 30 s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGTERM, as a service manager or <c>docker stop</c> sends; returns once the process has ended.</summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public AmazonSQSClient Client() =>
        new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }
}

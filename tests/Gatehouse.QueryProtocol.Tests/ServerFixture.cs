using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Gatehouse.QueryProtocol.Tests;

/// <summary>
/// Starts the already-built Gatehouse server (<c>gatehouse.dll</c>, built before this project through its
/// ProjectReference) as a child process on a free loopback port with <c>--in-memory</c>, waits for
/// <c>GET /_gatehouse/health</c>, and kills it when the test class is done.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>Base URL of the running server, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>The HTTPS listener of the same server (SSE-KMS queues refuse plain HTTP).</summary>
    public string HttpsEndpoint { get; private set; } = "";

    /// <summary>Everything the server wrote to stdout and stderr so far.</summary>
    public string ServerLog
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Whether the server process is still running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    public async Task InitializeAsync()
    {
        if (!QueryClient.IsAvailable)
            return; // every test is skipped; do not start a server nobody talks to
        var dll = LocateServer();
        var port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var httpsPort = FreePort();
        HttpsEndpoint = $"https://127.0.0.1:{httpsPort}";
        foreach (var arg in new[] { dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--in-memory",
                     "--https-port", httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartupTimeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"gatehouse exited with code {_process.ExitCode} during start-up:\n{ServerLog}");
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint + "/_gatehouse/health"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // slow first request
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"gatehouse did not answer {Endpoint}/_gatehouse/health within {StartupTimeout}:\n{ServerLog}");
    }

    public Task DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            _process.Dispose();
        }

        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// The server's output for the same configuration as this test assembly, found from the repository root
    /// (the first ancestor of the test output directory holding <c>Gatehouse.slnx</c>).
    /// </summary>
    private static string LocateServer()
    {
        var configuration = typeof(ServerFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ServerConfiguration")?.Value ?? "Debug";
        var root = RepositoryRoot();
        var serverBin = Path.Combine(root, "src", "Gatehouse.Server", "bin");
        var candidates = new[] { configuration, "Debug", "Release" }.Distinct()
            .Select(c => Path.Combine(serverBin, c, "net10.0", "gatehouse.dll"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"gatehouse.dll not found under {serverBin}; build src/Gatehouse.Server first");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gatehouse.slnx")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException("no Gatehouse.slnx above " + AppContext.BaseDirectory);
    }
}

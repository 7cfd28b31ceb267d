using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gatehouse.LoadBench;

/// <summary>A server under load, running as a child process on a free loopback port.</summary>
internal sealed class Target : IDisposable
{
    private const int LogLines = 40;
    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly string? _tempDirectory;

    private Target(string name, int port, Process process, string? tempDirectory)
    {
        Name = name;
        Port = port;
        _process = process;
        _tempDirectory = tempDirectory;
        Endpoint = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Endpoint { get; }

    /// <summary>The HTTPS listener of a Gatehouse target started for HTTPS load, else null.</summary>
    public Uri? HttpsEndpoint { get; private init; }

    /// <summary>Where the load goes: the HTTPS listener when there is one.</summary>
    public Uri ClientEndpoint => HttpsEndpoint ?? Endpoint;

    public int ProcessId => _process.Id;

    /// <summary>The data directory of a Gatehouse target.</summary>
    public string? DataDirectory => _tempDirectory;

    public bool IsNoop => Name == "noop";

    public bool IsGatehouse => Name is "gatehouse" or "baseline" or "gatehouse-pg" or "gatehouse-pg2";

    /// <summary>The other nodes of a multi-node target (<c>gatehouse-pg2</c>); the load is spread over all.</summary>
    public IReadOnlyList<Target> Peers { get; private set; } = [];

    /// <summary>Every endpoint of the target: its own and its peers'.</summary>
    public IReadOnlyList<Uri> ClientEndpoints => [ClientEndpoint, .. Peers.Select(p => p.ClientEndpoint)];

    /// <summary>The database of a PostgreSQL target, dropped when the target is disposed.</summary>
    private BenchDatabase? _database;

    /// <summary>Resident set size of the server process in bytes (Linux <c>/proc/PID/status</c> VmRSS), or null.</summary>
    public long? ResidentBytes() => StatusBytes("VmRSS:");

    /// <summary>Peak resident set size (VmHWM), or null.</summary>
    public long? PeakResidentBytes() => StatusBytes("VmHWM:");

    /// <summary>The anonymous part of the RSS (heaps and stacks; RssAnon), without memory-mapped files, or null.</summary>
    public long? AnonymousResidentBytes() => StatusBytes("RssAnon:");

    private long? StatusBytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>CPU seconds the server process (and its peers) used so far (user + system, <c>/proc/PID/stat</c>), or null.</summary>
    public double? CpuSeconds()
    {
        var own = OwnCpuSeconds();
        return own is null ? null : own + Peers.Sum(p => p.OwnCpuSeconds() ?? 0);
    }

    private double? OwnCpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
            // Fields after the command name (which may contain spaces) start at the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Bytes on disk under the data directory (database, WAL), or null.</summary>
    public long? DiskBytes() =>
        _tempDirectory is null || !Directory.Exists(_tempDirectory)
            ? null
            : new DirectoryInfo(_tempDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>Starts Gatehouse (<paramref name="name"/> "gatehouse") or the baseline build ("baseline").</summary>
    public static Target StartGatehouse(BenchOptions options, string name = "gatehouse") =>
        StartGatehouseProcess(options, name, RequireDll((name == "baseline" ? options.BaselineDll : options.GatehouseDll) ?? FindGatehouseDll()), [], null);

    /// <summary>Starts <paramref name="nodes"/> Gatehouse nodes over one new PostgreSQL database (the targets
    /// <c>gatehouse-pg</c> and <c>gatehouse-pg2</c>), all given the same server key as a cluster needs.</summary>
    public static async Task<Target> StartGatehousePostgresAsync(BenchOptions options, string name, int nodes)
    {
        var dll = RequireDll(options.GatehouseDll ?? FindGatehouseDll());
        var database = await BenchDatabase.CreateAsync(options.Postgres!, options.PostgresCommit);
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var started = new List<Target>();
        for (var i = 0; i < nodes; i++)
        {
            started.Add(StartGatehouseProcess(options, i == 0 ? name : $"{name}-node{i + 1}", dll, ["--server-key", key], database.Url));
        }

        started[0].Peers = started[1..];
        started[0]._database = database;
        return started[0];
    }

    private static string RequireDll(string? dll) => dll ?? throw new InvalidOperationException(
        "gatehouse.dll not found: run `dotnet build src/Gatehouse.Server -c Release` or pass --gatehouse-dll");

    /// <summary>One Gatehouse process on a free loopback port with a data directory of its own (and an HTTPS port
    /// with <c>--https</c>), the extra arguments, and the store <paramref name="store"/> (null: the default).</summary>
    private static Target StartGatehouseProcess(BenchOptions options, string name, string dll, string[] extraArgs, string? store)
    {
        var port = FreePort();
        var dataDir = Directory.CreateTempSubdirectory("gatehouse-bench-").FullName;
        var psi = new ProcessStartInfo("dotnet");
        psi.ArgumentList.Add(dll);
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--data-dir", dataDir }.Concat(extraArgs))
            psi.ArgumentList.Add(a);
        if (store is not null)
            psi.Environment["GATEHOUSE_STORE"] = store;
        foreach (var a in options.GatehouseArgs)
            psi.ArgumentList.Add(a);
        int? httpsPort = options.UseHttps ? FreePort() : null;
        if (httpsPort is { } tls)
        {
            psi.ArgumentList.Add("--https-port");
            psi.ArgumentList.Add(tls.ToString(CultureInfo.InvariantCulture));
        }

        return Start(name, port, psi, dataDir, httpsPort);
    }

    /// <summary>The queue store's database round trips so far, summed over the nodes (<c>storeRoundTrips</c> in
    /// <c>GET /_gatehouse/status</c>), or null for a target without them.</summary>
    public async Task<long?> StoreRoundTripsAsync()
    {
        if (_database is null)
            return null;
        long total = 0;
        foreach (var node in new[] { this }.Concat(Peers))
        {
            var status = await StatusClient.GetStatusAsync(node.Endpoint);
            if (status.TryGetProperty("storeRoundTrips", out var trips))
                total += trips.GetInt64();
        }

        return total;
    }

    public static Target StartMoto(BenchOptions options)
    {
        var port = FreePort();
        var psi = new ProcessStartInfo(options.MotoCommand);
        foreach (var a in new[] { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        return Start("moto", port, psi, null);
    }

    public static Target StartNoop()
    {
        var port = FreePort();
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the bench executable");
        ProcessStartInfo psi;
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            psi = new ProcessStartInfo(self);
            psi.ArgumentList.Add(typeof(NoopServer).Assembly.Location);
        }
        else
        {
            psi = new ProcessStartInfo(self);
        }

        psi.ArgumentList.Add("--noop-server");
        psi.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        // Same GC mode as Gatehouse (a web project: server GC).
        psi.Environment["DOTNET_gcServer"] = "1";
        return Start("noop", port, psi, null);
    }

    private static Target Start(string name, int port, ProcessStartInfo psi, string? tempDirectory, int? httpsPort = null)
    {
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        var process = new Process { StartInfo = psi };
        var target = new Target(name, port, process, tempDirectory)
        {
            HttpsEndpoint = httpsPort is { } tls ? new Uri(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{tls}/")) : null,
        };
        process.OutputDataReceived += (_, e) => target.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => target.Keep(e.Data);
        if (!process.Start())
            throw new InvalidOperationException($"could not start {name}");
        ChildProcesses.Track(target);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return target;
    }

    /// <summary>Waits until the server accepts HTTP requests.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{RecentLog()}");
            try
            {
                var path = IsGatehouse ? "_gatehouse/health" : "";
                using var response = await http.GetAsync(new Uri(Endpoint, path));
                if (!IsGatehouse || response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} did not answer within {timeout.TotalSeconds:0} s:\n{RecentLog()}");
    }

    public string RecentLog()
    {
        lock (_log)
            return string.Join('\n', _log);
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > LogLines)
                _log.Dequeue();
        }
    }

    public void Dispose()
    {
        foreach (var peer in Peers)
            peer.Dispose();
        Peers = [];
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (SystemException)
        {
        }

        _process.Dispose();
        if (Interlocked.Exchange(ref _database, null) is { } database)
            database.DropAsync().GetAwaiter().GetResult();
        if (_tempDirectory is not null)
        {
            try
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindGatehouseDll()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "Gatehouse.Server", "bin", "Release", "net10.0", "gatehouse.dll");
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        return null;
    }
}

/// <summary>Every child process started, so that all of them are stopped on exit, Ctrl+C or failure.</summary>
internal static class ChildProcesses
{
    private static readonly List<Target> Started = [];
    private static int _hooked;

    public static void Track(Target target)
    {
        lock (Started)
            Started.Add(target);
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
            Console.CancelKeyPress += (_, _) => StopAll();
        }
    }

    public static void StopAll()
    {
        Target[] all;
        lock (Started)
        {
            all = [.. Started];
            Started.Clear();
        }

        foreach (var target in all)
            target.Dispose();
    }
}

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

    private ServerProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public static async Task<ServerProcess> StartAsync(string dataDirectory, int? port = null)
    {
        var p = port ?? FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "gatehouse.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDirectory })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
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
                    return new ServerProcess(process, endpoint);
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

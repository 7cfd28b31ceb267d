using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Ec2;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Gatehouse.Server.Ec2;

/// <summary>
/// The entry points of the VPC endpoints: one small Kestrel listener per endpoint, on 127.0.0.1 only, opened and
/// closed while the server runs. Each hands its requests to the one <see cref="RequestPipeline"/> with the
/// <see cref="VpcEndpointArrival"/> feature set, which only this listener can set: that is how a request is known
/// to have come through the endpoint (docs/vpc-endpoints.md). When the server has an HTTPS listener, an endpoint's
/// port answers both: a connection that opens with a TLS handshake is served over TLS (<c>aws:SecureTransport</c>).
/// </summary>
internal sealed class VpcEndpointListeners(RequestPipeline pipeline, GatehouseOptions options, TimeProvider time, ILogger<VpcEndpointListeners> log)
    : IVpcEndpointNetwork, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, WebApplication> _apps = new(StringComparer.Ordinal);
    private readonly Lazy<X509Certificate2?> _certificate = new(() => options.HttpsPort is null ? null : HttpsCertificate.Load(options, time));

    public async Task<int> OpenAsync(VpcEndpointRecord endpoint, int preferredPort, CancellationToken ct = default)
    {
        await CloseAsync(endpoint.VpcEndpointId);
        WebApplication app;
        try
        {
            app = await StartAsync(endpoint, preferredPort, ct);
        }
        catch (IOException) when (preferredPort != 0)
        {
            log.LogWarning("Port {Port} of VPC endpoint {Endpoint} is taken; it gets a new port (and DNS name)", preferredPort, endpoint.VpcEndpointId);
            app = await StartAsync(endpoint, 0, ct);
        }

        _apps[endpoint.VpcEndpointId] = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        log.LogInformation("VPC endpoint {Endpoint} ({Service}) listening on 127.0.0.1:{Port}", endpoint.VpcEndpointId, endpoint.ServiceName, port);
        return port;
    }

    public async Task CloseAsync(string vpcEndpointId)
    {
        if (_apps.TryRemove(vpcEndpointId, out var app))
        {
            await app.StopAsync();
            await app.DisposeAsync();
            log.LogInformation("VPC endpoint {Endpoint} closed", vpcEndpointId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _apps.Keys.ToList())
        {
            await CloseAsync(id);
        }
    }

    private async Task<WebApplication> StartAsync(VpcEndpointRecord endpoint, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var certificate = _certificate.Value;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, l =>
            {
                if (certificate is not null)
                {
                    l.Use(next => connection => TlsWhenAskedAsync(connection, next, certificate));
                }
            });
        });
        var app = builder.Build();
        var arrival = new VpcEndpointArrival(endpoint.VpcEndpointId, endpoint.Service);
        app.Run(http =>
        {
            http.Features.Set(arrival);
            if (http.Features.Get<ITlsConnectionFeature>() is not null)
            {
                http.Request.Scheme = "https";
            }

            return pipeline.HandleAsync(http);
        });
        try
        {
            await app.StartAsync(ct);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new IOException(ex.Message, ex);
        }

        return app;
    }

    /// <summary>Serves the connection over TLS when its first byte opens a TLS handshake (content type 22), else
    /// as plain HTTP.</summary>
    private static async Task TlsWhenAskedAsync(ConnectionContext connection, ConnectionDelegate next, X509Certificate2 certificate)
    {
        var input = connection.Transport.Input;
        var first = await input.ReadAsync(connection.ConnectionClosed);
        if (first.Buffer.IsEmpty)
        {
            input.AdvanceTo(first.Buffer.Start, first.Buffer.End);
            await next(connection);
            return;
        }

        var handshake = first.Buffer.FirstSpan[0] == 0x16;
        input.AdvanceTo(first.Buffer.Start, first.Buffer.Start);
        if (!handshake)
        {
            await next(connection);
            return;
        }

        var transport = connection.Transport;
        await using var ssl = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            return;
        }

        connection.Features.Set<ITlsConnectionFeature>(new TlsFeature());
        var reader = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        connection.Transport = new Duplex(reader, writer);
        try
        {
            await next(connection);
        }
        finally
        {
            await reader.CompleteAsync();
            await writer.CompleteAsync();
            connection.Transport = transport;
        }
    }

    private sealed class TlsFeature : ITlsConnectionFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>The raw connection as a stream, for <see cref="SslStream"/>.</summary>
    private sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
    {
        private readonly Stream _read = pipe.Input.AsStream(leaveOpen: true);
        private readonly Stream _write = pipe.Output.AsStream(leaveOpen: true);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => _write.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _write.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _read.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _read.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _read.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _write.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _write.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _write.WriteAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _read.Dispose();
                _write.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

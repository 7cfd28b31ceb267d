using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Server;

/// <summary>The certificate of the optional HTTPS listener: from configuration, or a self-signed one for
/// localhost created on first start and kept in the data directory.</summary>
internal static class HttpsCertificate
{
    public const string FileName = "https-certificate.pfx";

    public static X509Certificate2 Load(GatehouseOptions options, TimeProvider time)
    {
        if (options.CertificatePath is { } configured)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(configured, options.CertificatePassword);
        }

        var path = options.InMemory ? null : Path.Combine(options.DataDirectory, FileName);
        if (path is not null && File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }

        var pfx = CreateSelfSigned(time);
        if (path is not null)
        {
            Directory.CreateDirectory(options.DataDirectory);
            File.WriteAllBytes(path, pfx);
        }

        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }

    private static byte[] CreateSelfSigned(TimeProvider time)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        return certificate.Export(X509ContentType.Pfx);
    }
}

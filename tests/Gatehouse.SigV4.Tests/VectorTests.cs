using System.Text;
using System.Text.Json;

namespace Gatehouse.SigV4.Tests;

/// <summary>Runs every JSON file in Vectors/: the signer must reproduce it and the verifier must accept it.</summary>
public sealed class VectorTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Vectors"), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Signer_reproduces_canonical_request_string_to_sign_and_signature(string name)
    {
        var vector = Vector.Load(name);
        var (request, _) = vector.BuildRequest(includeDate: false);
        var extra = vector.SignedHeaders.Split(';')
            .Where(h => h is not ("host" or "x-amz-date" or "x-amz-security-token"));

        var signature = SigV4Signer.Sign(request, vector.Credentials, vector.Region, vector.Service, vector.SignedAt, extra);

        Assert.Equal(vector.CanonicalRequest, signature.CanonicalRequest);
        Assert.Equal(vector.StringToSign, signature.StringToSign);
        Assert.Equal(vector.Signature, signature.Signature);
        Assert.Equal(vector.SignedHeaders, signature.SignedHeaders);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Verifier_accepts_the_documented_signature(string name)
    {
        var vector = Vector.Load(name);
        var (request, headers) = vector.BuildRequest(includeDate: true);
        headers.Add("Authorization", vector.Authorization(vector.Signature));
        var verifier = new SigV4Verifier();

        var result = verifier.Verify(request, vector.SignedAt, vector.Lookup, vector.Service);

        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal(vector.Region, result.Identity.Region);
        Assert.Equal(vector.Service, result.Identity.Service);
        Assert.Equal(vector.Credentials.SessionToken, result.Identity.SessionToken);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Verifier_reports_the_canonical_request_when_the_signature_is_wrong(string name)
    {
        var vector = Vector.Load(name);
        var (request, headers) = vector.BuildRequest(includeDate: true);
        headers.Add("Authorization", vector.Authorization(new string('0', 64)));

        var result = new SigV4Verifier().Verify(request, vector.SignedAt, vector.Lookup);

        Assert.True(result.IsFailed);
        Assert.Equal("SignatureDoesNotMatch", result.Error.Code);
        Assert.Equal(vector.CanonicalRequest, result.Error.CanonicalRequest);
        Assert.Equal(vector.StringToSign, result.Error.StringToSign);
    }

    private sealed record Vector(
        string Method, string RawPath, string Query, List<KeyValuePair<string, string>> Headers, string Body,
        SigV4SigningCredentials Credentials, string Region, string Service, DateTimeOffset SignedAt,
        string SignedHeaders, string CanonicalRequest, string StringToSign, string Signature)
    {
        public static Vector Load(string name)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Vectors", name + ".json")));
            var root = json.RootElement;
            var request = root.GetProperty("request");
            var credentials = root.GetProperty("credentials");
            var expected = root.GetProperty("expected");
            return new Vector(
                request.GetProperty("method").GetString()!,
                request.GetProperty("path").GetString()!,
                request.GetProperty("query").GetString()!,
                request.GetProperty("headers").EnumerateArray()
                    .Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!)).ToList(),
                request.GetProperty("body").GetString()!,
                new SigV4SigningCredentials(
                    credentials.GetProperty("accessKeyId").GetString()!,
                    credentials.GetProperty("secretAccessKey").GetString()!,
                    credentials.GetProperty("sessionToken").GetString()),
                root.GetProperty("region").GetString()!,
                root.GetProperty("service").GetString()!,
                TestSupport.ParseAmzDate(root.GetProperty("signedAt").GetString()!),
                root.GetProperty("signedHeaders").GetString()!,
                expected.GetProperty("canonicalRequest").GetString()!,
                expected.GetProperty("stringToSign").GetString()!,
                expected.GetProperty("signature").GetString()!);
        }

        public (SigV4Request, SigV4Headers) BuildRequest(bool includeDate)
        {
            var headers = new SigV4Headers();
            foreach (var header in Headers)
            {
                if (!includeDate && header.Key is "X-Amz-Date" or "X-Amz-Security-Token")
                    continue;
                headers.Add(header.Key, header.Value);
            }
            var request = new SigV4Request
            {
                Method = Method,
                RawPath = RawPath,
                RawQuery = Query,
                Headers = headers,
                Body = Encoding.UTF8.GetBytes(Body),
            };
            return (request, headers);
        }

        public string Authorization(string signature) =>
            $"AWS4-HMAC-SHA256 Credential={Credentials.AccessKeyId}/{SignedAt:yyyyMMdd}/{Region}/{Service}/aws4_request, " +
            $"SignedHeaders={SignedHeaders}, Signature={signature}";

        public SigV4Credential? Lookup(string accessKeyId) =>
            accessKeyId == Credentials.AccessKeyId
                ? new SigV4Credential(Credentials.SecretAccessKey, null, Credentials.SessionToken)
                : null;
    }
}

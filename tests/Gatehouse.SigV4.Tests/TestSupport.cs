using System.Globalization;
using System.Text;

namespace Gatehouse.SigV4.Tests;

/// <summary>Builders shared by the tests.</summary>
internal static class TestSupport
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public static readonly DateTimeOffset SignedAt = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    public static readonly object Principal = new();

    public static SigV4Credential? Lookup(string accessKeyId) =>
        accessKeyId == AccessKey ? new SigV4Credential(Secret, Principal) : null;

    public static DateTimeOffset ParseAmzDate(string text) =>
        DateTimeOffset.ParseExact(text, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>A typical SQS Query-protocol POST, unsigned.</summary>
    public static (SigV4Request Request, SigV4Headers Headers) SqsPost(string body = "Action=ListQueues&Version=2012-11-05")
    {
        var headers = new SigV4Headers()
            .Add("Host", "sqs.us-east-1.amazonaws.com")
            .Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        var request = new SigV4Request
        {
            Method = "POST",
            RawPath = "/",
            Headers = headers,
            Body = Encoding.UTF8.GetBytes(body),
        };
        return (request, headers);
    }

    /// <summary>Signs <paramref name="request"/> in place (adds the headers) and returns it.</summary>
    public static SigV4Request Signed(
        SigV4Request request, SigV4Headers headers, DateTimeOffset at, string? token = null,
        string accessKey = AccessKey, string secret = Secret, string region = "us-east-1", string service = "sqs")
    {
        var signature = SigV4Signer.Sign(request, new SigV4SigningCredentials(accessKey, secret, token), region, service, at);
        foreach (var header in signature.HeadersToAdd)
            headers.Set(header.Key, header.Value);
        return request;
    }

    public static SigV4Request WithAuthorization(SigV4Request request, SigV4Headers headers, string authorization)
    {
        headers.Set("Authorization", authorization);
        return request;
    }
}

using static Gatehouse.SigV4.Tests.TestSupport;

namespace Gatehouse.SigV4.Tests;

/// <summary>Signatures carried in the query string.</summary>
public sealed class PresignTests
{
    private static SigV4Request Get(string query, SigV4Headers? headers = null) => new()
    {
        Method = "GET",
        RawPath = "/000000000000/my-queue",
        RawQuery = query,
        Headers = headers ?? new SigV4Headers().Add("Host", "sqs.us-east-1.amazonaws.com"),
    };

    private static string Presign(string query = "Action=ReceiveMessage&Version=2012-11-05", string? token = null) =>
        SigV4Signer.Presign(Get(query), new SigV4SigningCredentials(AccessKey, Secret, token), "us-east-1", "sqs", SignedAt);

    [Fact]
    public void Presigned_url_verifies_and_is_flagged()
    {
        var query = Presign();
        Assert.Contains("X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsqs%2Faws4_request", query, StringComparison.Ordinal);
        Assert.Contains("&X-Amz-SignedHeaders=host&X-Amz-Signature=", query, StringComparison.Ordinal);

        var result = new SigV4Verifier().Verify(Get(query), SignedAt.AddMinutes(5), Lookup, "sqs");

        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.True(result.Identity.IsPresigned);
    }

    [Fact]
    public void Presigned_url_with_session_token_verifies()
    {
        var query = Presign(token: "session/token+=");
        var result = new SigV4Verifier().Verify(Get(query), SignedAt, id => new SigV4Credential(Secret, null, "session/token+="));
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal("session/token+=", result.Identity.SessionToken);
    }

    [Fact]
    public void Changing_a_parameter_breaks_the_signature()
    {
        var query = Presign().Replace("ReceiveMessage", "DeleteQueue", StringComparison.Ordinal);
        var result = new SigV4Verifier().Verify(Get(query), SignedAt, Lookup);
        Assert.Equal("SignatureDoesNotMatch", result.Error?.Code);
        Assert.DoesNotContain("X-Amz-Signature", result.Error!.CanonicalRequest, StringComparison.Ordinal);
        Assert.Contains("Action=DeleteQueue&Version=2012-11-05&X-Amz-Algorithm=AWS4-HMAC-SHA256", result.Error.CanonicalRequest, StringComparison.Ordinal);
    }

    [Fact]
    public void Presigned_url_gets_the_same_fifteen_minute_window()
    {
        var result = new SigV4Verifier().Verify(Get(Presign()), SignedAt.AddMinutes(16), Lookup);
        Assert.StartsWith("Signature expired: 20150830T123600Z", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shorter_X_Amz_Expires_ends_the_url_sooner()
    {
        var query = SigV4Signer.Presign(Get("Action=ReceiveMessage&Version=2012-11-05"), new SigV4SigningCredentials(AccessKey, Secret), "us-east-1", "sqs", SignedAt, expiresSeconds: 1);
        Assert.True(new SigV4Verifier().Verify(Get(query), SignedAt, Lookup).IsAuthenticated);
        var late = new SigV4Verifier().Verify(Get(query), SignedAt.AddSeconds(30), Lookup);
        Assert.Equal("SignatureDoesNotMatch", late.Error?.Code);
        Assert.StartsWith("Request has expired: signed at 20150830T123600Z for 1 seconds", late.Error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "X-Amz-Expires should be a number")]
    [InlineData("-5", "X-Amz-Expires must be non-negative")]
    [InlineData("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800")]
    public void An_invalid_X_Amz_Expires_is_refused_before_the_signature(string value, string message)
    {
        var query = Presign().Replace("X-Amz-Expires=900", "X-Amz-Expires=" + value, StringComparison.Ordinal);
        var result = new SigV4Verifier().Verify(Get(query), SignedAt, Lookup);
        Assert.Equal("IncompleteSignature", result.Error?.Code);
        Assert.Equal(message, result.Error?.Message);
    }

    [Fact]
    public void Authorization_header_takes_precedence_over_query_parameters()
    {
        var (request, headers) = SqsPost();
        Signed(request, headers, SignedAt);
        var mixed = new SigV4Request
        {
            Method = request.Method,
            RawPath = request.RawPath,
            RawQuery = "X-Amz-Algorithm=bogus",
            Headers = headers,
            Body = request.Body,
        };
        var result = new SigV4Verifier().Verify(mixed, SignedAt, Lookup);
        Assert.Equal("SignatureDoesNotMatch", result.Error?.Code);
        Assert.Contains("\nX-Amz-Algorithm=bogus\n", result.Error!.CanonicalRequest, StringComparison.Ordinal);
    }
}

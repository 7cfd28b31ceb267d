using System.Text;
using static Gatehouse.SigV4.Tests.TestSupport;

namespace Gatehouse.SigV4.Tests;

/// <summary>Every way a request can fail, with AWS's code, status, JSON type and text.</summary>
public sealed class ErrorTests
{
    private const string Scope = "20150830/us-east-1/sqs/aws4_request";
    private readonly SigV4Verifier _verifier = new();

    private SigV4Result Verify(SigV4Request request, string? service = null) =>
        _verifier.Verify(request, SignedAt, Lookup, service);

    private static SigV4Request Raw(string? authorization, string? amzDate = "20150830T123600Z", string? date = null)
    {
        var (request, headers) = SqsPost();
        if (authorization is not null)
            headers.Add("Authorization", authorization);
        if (amzDate is not null)
            headers.Add("X-Amz-Date", amzDate);
        if (date is not null)
            headers.Add("Date", date);
        return request;
    }

    private static void AssertError(SigV4Result result, string code, int status, string jsonType, string message)
    {
        Assert.True(result.IsFailed, result.ToString());
        Assert.Equal(code, result.Error.Code);
        Assert.Equal(status, result.Error.HttpStatus);
        Assert.Equal(jsonType, result.Error.JsonType);
        Assert.Equal(message, result.Error.Message);
        Assert.Equal(code + ";Sender", result.Error.QueryErrorHeader);
    }

    [Fact]
    public void A_request_without_any_signature_is_unsigned()
    {
        var result = Verify(Raw(null));
        Assert.Equal(SigV4Status.Unsigned, result.Status);
        Assert.Null(result.Error);
        Assert.Null(result.Identity);
    }

    [Fact]
    public void A_correctly_signed_request_authenticates_with_scope_and_principal()
    {
        var (request, headers) = SqsPost();
        var result = Verify(Signed(request, headers, SignedAt), "sqs");
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal(AccessKey, result.Identity.AccessKeyId);
        Assert.Equal("us-east-1", result.Identity.Region);
        Assert.Equal("sqs", result.Identity.Service);
        Assert.Same(Principal, result.Identity.Principal);
        Assert.Null(result.Identity.SessionToken);
        Assert.False(result.Identity.IsPresigned);
        Assert.Equal(SignedAt, result.Identity.SignedAt);
    }

    [Fact]
    public void Unknown_access_key_is_InvalidClientTokenId()
    {
        var (request, headers) = SqsPost();
        var result = Verify(Signed(request, headers, SignedAt, accessKey: "AKIAUNKNOWN"));
        AssertError(result, "InvalidClientTokenId", 403, "com.amazon.coral.service#UnrecognizedClientException",
            "The security token included in the request is invalid.");
    }

    [Fact]
    public void Wrong_secret_is_SignatureDoesNotMatch_with_canonical_request_detail()
    {
        var (request, headers) = SqsPost();
        var result = Verify(Signed(request, headers, SignedAt, secret: "not-the-secret"));
        Assert.True(result.IsFailed);
        Assert.Equal("SignatureDoesNotMatch", result.Error.Code);
        Assert.Equal(403, result.Error.HttpStatus);
        Assert.Equal("com.amazon.coral.service#InvalidSignatureException", result.Error.JsonType);
        var canonical = result.Error.CanonicalRequest!;
        var stringToSign = result.Error.StringToSign!;
        Assert.StartsWith("POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:sqs.us-east-1.amazonaws.com\n", canonical, StringComparison.Ordinal);
        Assert.StartsWith("AWS4-HMAC-SHA256\n20150830T123600Z\n" + Scope + "\n", stringToSign, StringComparison.Ordinal);
        Assert.Equal(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." +
            "\n\nThe Canonical String for this request should have been\n'" + canonical +
            "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n",
            result.Error.Message);
    }

    [Fact]
    public void Tampered_body_is_SignatureDoesNotMatch()
    {
        var (request, headers) = SqsPost("Action=ListQueues&Version=2012-11-05");
        Signed(request, headers, SignedAt);
        var tampered = new SigV4Request
        {
            Method = request.Method,
            RawPath = request.RawPath,
            Headers = headers,
            Body = Encoding.UTF8.GetBytes("Action=DeleteQueue&Version=2012-11-05"),
        };
        Assert.Equal("SignatureDoesNotMatch", Verify(tampered).Error?.Code);
    }

    [Fact]
    public void Unsigned_payload_marker_binds_nothing_unless_allowed_as_for_s3()
    {
        var (request, headers) = SqsPost();
        headers.Add("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
        Signed(request, headers, SignedAt);
        var other = new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = "Action=PurgeQueue"u8.ToArray() };

        // Outside S3, AWS hashes the body it received: the marker does not let another body through.
        Assert.Equal("SignatureDoesNotMatch", Verify(other).Error?.Code);
        var s3Style = new SigV4Verifier(new SigV4VerifierOptions { AllowUnsignedPayload = true });
        Assert.True(s3Style.Verify(other, SignedAt, Lookup).IsAuthenticated);
    }

    [Fact]
    public void An_unsigned_target_header_is_refused_so_the_operation_cannot_be_swapped()
    {
        var (request, headers) = SqsPost("{}");
        Signed(request, headers, SignedAt); // signs host and x-amz-date only
        headers.Add("X-Amz-Target", "AmazonSQS.DeleteQueue");
        var replayed = new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = "{}"u8.ToArray() };
        AssertError(Verify(replayed), "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    }

    [Fact]
    public void Missing_signature_and_signed_headers_are_listed_then_the_header()
    {
        // Text as captured from AWS (brendanhay/amazonka#316).
        var result = Verify(Raw("AWS4-HMAC-SHA256 Credential=ABCDEF"));
        AssertError(result, "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF");
    }

    [Fact]
    public void Foreign_scheme_without_date_lists_all_four_requirements()
    {
        var result = Verify(Raw("Basic ZWxhc3RpYzpjaGFuZ2VtZQ==", amzDate: null));
        AssertError(result, "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
            "Authorization=Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
    }

    [Fact]
    public void SigV2_style_header_lists_the_three_missing_parameters()
    {
        var header = "AWS AKIAI2HBJEUM7LRSTWOQ:qaNdqGsI6bq4Hi+9Gzovwyjbh0E=";
        var result = Verify(Raw(header));
        Assert.Equal(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=" + header,
            result.Error?.Message);
    }

    [Fact]
    public void Token_without_equal_sign_is_reported()
    {
        var header = "AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/" + Scope + ", SignedHeaders=host;x-amz-date, Signature=abc";
        var result = Verify(Raw(header));
        AssertError(result, "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "'AKIDEXAMPLE/" + Scope + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + header + "'.");
    }

    [Fact]
    public void Date_not_in_basic_format_is_IncompleteSignature()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + Scope + ", SignedHeaders=host;x-amz-date, Signature=abc";
        var result = Verify(Raw(header, amzDate: "Sun, 23 Nov 2014 04:07:43 GMT"));
        AssertError(result, "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "Date must be in ISO-8601 'basic format'. Got 'Sun, 23 Nov 2014 04:07:43 GMT'. See http://en.wikipedia.org/wiki/ISO_8601");
    }

    [Fact]
    public void Date_header_is_used_when_X_Amz_Date_is_absent()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + Scope + ", SignedHeaders=date;host, Signature=" + new string('0', 64);
        var result = Verify(Raw(header, amzDate: null, date: "20150830T123600Z"));
        Assert.Equal("SignatureDoesNotMatch", result.Error?.Code);
        Assert.Contains("\ndate:20150830T123600Z\n", result.Error!.CanonicalRequest, StringComparison.Ordinal);
        Assert.StartsWith("AWS4-HMAC-SHA256\n20150830T123600Z\n", result.Error.StringToSign, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_with_wrong_number_of_elements_is_IncompleteSignature()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        var result = Verify(Raw(header));
        AssertError(result, "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/aws4_request'");
    }

    [Fact]
    public void Wrong_terminator_is_SignatureDoesNotMatch()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sqs/aws5_request, SignedHeaders=host;x-amz-date, Signature=abc";
        AssertError(Verify(Raw(header)), "SignatureDoesNotMatch", 403, "com.amazon.coral.service#InvalidSignatureException",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ");
    }

    [Fact]
    public void Scope_for_another_service_is_SignatureDoesNotMatch()
    {
        var (request, headers) = SqsPost();
        var result = Verify(Signed(request, headers, SignedAt, service: "iam"), "sqs");
        AssertError(result, "SignatureDoesNotMatch", 403, "com.amazon.coral.service#InvalidSignatureException",
            "Credential should be scoped to correct service: 'sqs'. ");
    }

    [Fact]
    public void Region_refused_by_options_is_SignatureDoesNotMatch()
    {
        var verifier = new SigV4Verifier(new SigV4VerifierOptions { IsValidRegion = r => r == "eu-west-1" });
        var (request, headers) = SqsPost();
        var result = verifier.Verify(Signed(request, headers, SignedAt), SignedAt, Lookup);
        AssertError(result, "SignatureDoesNotMatch", 403, "com.amazon.coral.service#InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'us-east-1'. ");
    }

    [Fact]
    public void Scope_date_differing_from_request_date_is_SignatureDoesNotMatch()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        AssertError(Verify(Raw(header)), "SignatureDoesNotMatch", 403, "com.amazon.coral.service#InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from 'X-Amz-Date' header.");
    }

    [Fact]
    public void Host_must_be_signed()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + Scope + ", SignedHeaders=content-type;x-amz-date, Signature=abc";
        AssertError(Verify(Raw(header)), "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    [Fact]
    public void Other_algorithms_are_refused()
    {
        var header = "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/" + Scope + ", SignedHeaders=host;x-amz-date, Signature=abc";
        AssertError(Verify(Raw(header)), "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.");
    }

    [Fact]
    public void Empty_authorization_header_is_MissingAuthenticationToken()
    {
        AssertError(Verify(Raw("  ")), "MissingAuthenticationToken", 403,
            "com.amazon.coral.service#MissingAuthenticationTokenException",
            "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.");
    }

    [Fact]
    public void Presigned_query_missing_parameters_lists_each()
    {
        var (_, headers) = SqsPost();
        var request = new SigV4Request
        {
            Method = "GET",
            RawPath = "/",
            RawQuery = "Action=ListQueues&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsqs%2Faws4_request",
            Headers = headers,
        };
        AssertError(Verify(request), "IncompleteSignature", 400, "com.amazon.coral.service#IncompleteSignatureException",
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Signature'. " +
            "AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. " +
            "Re-examine the query-string parameters.");
    }

    [Fact]
    public void Error_values_are_catalogue_singletons_where_they_carry_no_detail()
    {
        Assert.Same(SigV4Errors.InvalidClientTokenId, SigV4Errors.InvalidClientTokenId);
        Assert.Equal("ExpiredToken", SigV4Errors.ExpiredToken.Code);
        Assert.Equal("Sender", SigV4Error.Fault);
    }
}

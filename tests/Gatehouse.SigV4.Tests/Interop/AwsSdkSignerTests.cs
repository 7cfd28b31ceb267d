using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace Gatehouse.SigV4.Tests.Interop;

/// <summary>Requests signed by the AWS SDK for .NET's own SigV4 signer (AWSSDK.Core) must verify.</summary>
public sealed class AwsSdkSignerTests
{
    private const string Key = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime Now = new(2026, 3, 14, 15, 9, 26, DateTimeKind.Utc);

    private sealed class SqsConfig : ClientConfig
    {
        public SqsConfig()
            : base(new NoDefaults())
        {
            AuthenticationRegion = "us-east-1";
            AuthenticationServiceName = "sqs";
        }

        public override string RegionEndpointServiceName => "sqs";

        public override string ServiceVersion => "2012-11-05";

        public override string UserAgent => "gatehouse-tests";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(
            Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) =>
            new("https://sqs.us-east-1.amazonaws.com");
    }

    private sealed class NoDefaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(
            Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration();
    }

    private sealed class AnyRequest : AmazonWebServiceRequest;

    private static DefaultRequest SdkRequest(string method, string resourcePath, string? contentType, string? body)
    {
        var request = new DefaultRequest(new AnyRequest(), "SQS")
        {
            HttpMethod = method,
            Endpoint = new Uri("https://sqs.us-east-1.amazonaws.com"),
            ResourcePath = resourcePath,
            AuthenticationRegion = "us-east-1",
        };
        if (contentType is not null)
            request.Headers["Content-Type"] = contentType;
        if (body is not null)
            request.Content = Encoding.UTF8.GetBytes(body);
        return request;
    }

    private static SigV4Result Verify(DefaultRequest sdk, string rawQuery, SigV4Credential credential)
    {
        var headers = new SigV4Headers();
        foreach (var header in sdk.Headers)
            headers.Add(header.Key, header.Value);
        if (headers.GetValues("Host") is null)
            headers.Add("Host", sdk.Endpoint.Host);
        var request = new SigV4Request
        {
            Method = sdk.HttpMethod,
            RawPath = sdk.ResourcePath,
            RawQuery = rawQuery,
            Headers = headers,
            Body = sdk.Content ?? [],
        };
        return new SigV4Verifier().Verify(request, Now.AddMinutes(3), id => id == Key ? credential : null, "sqs");
    }

    /// <summary>AWS4Signer.SignRequest adds host/x-amz-date/x-amz-content-sha256; the pipeline then sets Authorization.</summary>
    private static void Sign(DefaultRequest request)
    {
        var result = new AWS4Signer().SignRequest(request, new SqsConfig(), null, Key, Secret, Now);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;
    }

    [Fact]
    public void Query_protocol_post_signed_by_the_sdk_verifies()
    {
        var sdk = SdkRequest("POST", "/", "application/x-www-form-urlencoded; charset=utf-8",
            "Action=SendMessage&MessageBody=hello%20world&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F000000000000%2Fq1&Version=2012-11-05");
        Sign(sdk);

        var result = Verify(sdk, "", new SigV4Credential(Secret));

        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal("sqs", result.Identity.Service);
    }

    [Fact]
    public void Json_protocol_post_on_a_queue_path_signed_by_the_sdk_verifies()
    {
        var sdk = SdkRequest("POST", "/000000000000/orders.fifo", "application/x-amz-json-1.0",
            """{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/000000000000/orders.fifo","MessageBody":"h\u00e9llo  world"}""");
        sdk.Headers["X-Amz-Target"] = "AmazonSQS.SendMessage";
        sdk.Headers["x-amzn-query-mode"] = "true";
        Sign(sdk);

        Assert.True(Verify(sdk, "", new SigV4Credential(Secret)).IsAuthenticated);
    }

    [Fact]
    public void Get_with_query_parameters_signed_by_the_sdk_verifies()
    {
        var sdk = SdkRequest("GET", "/", null, null);
        sdk.UseQueryString = true;
        sdk.Parameters["Action"] = "ListQueues";
        sdk.Parameters["QueueNamePrefix"] = "a b/c~d*e";
        sdk.Parameters["Version"] = "2012-11-05";
        Sign(sdk);

        var query = string.Join('&', sdk.Parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value.ToString()!)));
        var result = Verify(sdk, query, new SigV4Credential(Secret));

        Assert.True(result.IsAuthenticated, result.ToString());
    }

    [Fact]
    public void Session_token_header_signed_by_the_sdk_verifies()
    {
        var sdk = SdkRequest("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "Action=ListQueues&Version=2012-11-05");
        sdk.Headers["X-Amz-Security-Token"] = "IQoJb3JpZ2luX2VjEXAMPLE/token+value==";
        Sign(sdk);

        var ok = Verify(sdk, "", new SigV4Credential(Secret, null, "IQoJb3JpZ2luX2VjEXAMPLE/token+value=="));
        var wrongSecret = Verify(sdk, "", new SigV4Credential("other", null, "IQoJb3JpZ2luX2VjEXAMPLE/token+value=="));

        Assert.True(ok.IsAuthenticated, ok.ToString());
        Assert.Equal("SignatureDoesNotMatch", wrongSecret.Error?.Code);
    }
}

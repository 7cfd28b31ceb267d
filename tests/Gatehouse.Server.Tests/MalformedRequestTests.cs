using System.Net;
using System.Text;

namespace Gatehouse.Server.Tests;

/// <summary>Bad input gets an AWS error, never a 500 or a hang.</summary>
[Collection("server")]
public sealed class MalformedRequestTests(ServerFixture server)
{
    private static readonly HttpClient Http = new();

    private async Task<HttpResponseMessage> Json(string target, string body, string contentType = "application/x-amz-json-1.0", bool sign = true)
    {
        using var req = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes(body), contentType, sign ? "test" : null, "test", target);
        return await Http.SendAsync(req);
    }

    [Fact]
    public async Task Unsigned_requests_are_anonymous_and_refused_without_a_public_grant()
    {
        var res = await Json("AmazonSQS.ListQueues", "{}", sign: false);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("AccessDenied;Sender", res.Headers.GetValues("x-amzn-query-error").Single());
        Assert.Contains("is not authorized to perform: sqs:listqueues", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch_and_an_unknown_key_InvalidClientTokenId()
    {
        using var wrongSecret = server.Client("test", "not-the-secret");
        var ex = await Assert.ThrowsAsync<Amazon.SQS.AmazonSQSException>(() => wrongSecret.ListQueuesAsync(new Amazon.SQS.Model.ListQueuesRequest()));
        Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        using var unknown = server.Client("AKIAUNKNOWN", "x");
        ex = await Assert.ThrowsAsync<Amazon.SQS.AmazonSQSException>(() => unknown.ListQueuesAsync(new Amazon.SQS.Model.ListQueuesRequest()));
        Assert.Equal("InvalidClientTokenId", ex.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", ex.Message);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"QueueName\": 5}")]
    public async Task Bad_json_is_a_400_with_an_AWS_error(string body)
    {
        var res = await Json("AmazonSQS.CreateQueue", body);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("__type", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(res.Headers.Contains("x-amzn-query-error"));
    }

    [Fact]
    public async Task Missing_parameter_names_it()
    {
        var res = await Json("AmazonSQS.CreateQueue", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal("MissingParameter;Sender", res.Headers.GetValues("x-amzn-query-error").Single());
        Assert.Contains("The request must contain the parameter QueueName.", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_query_action_is_InvalidAction()
    {
        using var req = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes("Action=FooBar&Version=2012-11-05"), "application/x-www-form-urlencoded", "test", "test");
        var res = await Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var xml = await res.Content.ReadAsStringAsync();
        Assert.Contains("<Code>InvalidAction</Code><Message>The action FooBar is not valid for this endpoint.</Message><Detail/>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_content_type_for_json_is_refused()
    {
        var res = await Json("AmazonSQS.ListQueues", "{}", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, res.StatusCode);
    }

    [Fact]
    public async Task Health_reports_only_liveness_and_version_to_anyone()
    {
        var json = await Http.GetStringAsync(server.Endpoint + "/_gatehouse/health");
        Assert.Contains("\"status\":\"ok\"", json, StringComparison.Ordinal);
        Assert.Contains("\"version\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("store", json, StringComparison.Ordinal);
        Assert.DoesNotContain("account", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_reports_the_store_to_the_signed_root_user()
    {
        using var res = await Http.SendAsync(SignedRequests.Get(server.Endpoint, "/_gatehouse/status", "test", "test"));
        var json = await res.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Contains("\"store\":\"sqlite:memory\"", json, StringComparison.Ordinal);
        Assert.Contains("\"enforcement\":\"on\"", json, StringComparison.Ordinal);
    }
}

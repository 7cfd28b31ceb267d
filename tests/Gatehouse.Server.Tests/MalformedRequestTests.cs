using System.Net;
using System.Text;

namespace Gatehouse.Server.Tests;

/// <summary>Bad input gets an AWS error, never a 500 or a hang.</summary>
[Collection("server")]
public sealed class MalformedRequestTests(ServerFixture server)
{
    private static readonly HttpClient Http = new();

    private async Task<HttpResponseMessage> Json(string target, string body, string contentType = "application/x-amz-json-1.0")
    {
        var req = new HttpRequestMessage(HttpMethod.Post, server.Endpoint + "/")
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        req.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        req.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        return await Http.SendAsync(req);
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
        var res = await Http.PostAsync(server.Endpoint + "/", new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "FooBar", ["Version"] = "2012-11-05" }));
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
    public async Task Health_reports_version_and_store()
    {
        var json = await Http.GetStringAsync(server.Endpoint + "/_gatehouse/health");
        Assert.Contains("\"store\":\"sqlite:memory\"", json, StringComparison.Ordinal);
        Assert.Contains("\"version\"", json, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests;

/// <summary>Poison input (hardening): values a client must not be able to store because they would break other
/// clients' responses, refused as AWS refuses them; and Query-protocol XML that stays well-formed whatever a
/// request echoes.</summary>
[Collection("server")]
public sealed class PoisonInputTests(ServerFixture server)
{
    private const string Bell = "\u0007";
    private static readonly HttpClient Http = new();

    private async Task<string> NewQueue(string name)
    {
        using var sqs = server.Client();
        return (await sqs.CreateQueueAsync(name)).QueueUrl;
    }

    [Fact]
    public async Task A_control_character_in_a_message_attribute_type_is_refused()
    {
        var url = await NewQueue("poison-type");
        using var sqs = server.Client();
        var ex = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.SendMessageAsync(new SendMessageRequest(url, "x")
        {
            MessageAttributes = new() { ["a"] = new MessageAttributeValue { DataType = "String." + Bell, StringValue = "v" } },
        }));
        Assert.Equal("InvalidParameterValue", ex.ErrorCode);
        var batch = await sqs.SendMessageBatchAsync(url, [new SendMessageBatchRequestEntry("1", "x")
        {
            MessageAttributes = new() { ["a"] = new MessageAttributeValue { DataType = "Binary.\u0001", BinaryValue = new MemoryStream([1]) } },
        }]);
        Assert.Equal("InvalidParameterValue", Assert.Single(batch.Failed).Code);
        Assert.Empty((await sqs.ReceiveMessageAsync(url)).Messages ?? []);
    }

    [Fact]
    public async Task A_control_character_in_the_trace_header_is_refused()
    {
        var url = await NewQueue("poison-trace");
        using var sqs = server.Client();
        var ex = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.SendMessageAsync(new SendMessageRequest(url, "x")
        {
            MessageSystemAttributes = new() { ["AWSTraceHeader"] = new MessageSystemAttributeValue { DataType = "String", StringValue = "Root=" + Bell } },
        }));
        Assert.Equal("InvalidParameterValue", ex.ErrorCode);
    }

    [Fact]
    public async Task Tags_allow_only_what_SQS_documents()
    {
        var url = await NewQueue("poison-tags");
        using var sqs = server.Client();
        foreach (var (key, value) in new[] { ("k" + Bell, "v"), ("k", "v\u0001"), ("k#", "v"), ("k", "v\uFFFE") })
        {
            var ex = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new() { [key] = value } }));
            Assert.Equal("InvalidParameterValue", ex.ErrorCode);
        }

        var create = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.CreateQueueAsync(new CreateQueueRequest("poison-tags-new") { Tags = new() { ["k\u0002"] = "v" } }));
        Assert.Equal("InvalidParameterValue", create.ErrorCode);

        var allowed = new Dictionary<string, string> { ["Team name_1.x:y/z=+-@"] = "Ünïcode välue 42 日本" };
        await sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = allowed });
        Assert.Equal(allowed, (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags);
    }

    [Fact]
    public async Task A_query_error_that_echoes_control_characters_is_well_formed_xml()
    {
        var url = await NewQueue("poison-echo");
        var form = "Action=SendMessage&Version=2012-11-05&QueueUrl=" + Uri.EscapeDataString(url) + "&MessageBody=x"
            + "&MessageSystemAttribute.1.Name=Bad%07%01%EF%BF%BE&MessageSystemAttribute.1.Value.DataType=String"
            + "&MessageSystemAttribute.1.Value.StringValue=v";
        using var request = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded", "test", "test");
        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var xml = XDocument.Parse(await res.Content.ReadAsStringAsync());
        Assert.Equal("InvalidParameterValue", xml.Descendants().Single(e => e.Name.LocalName == "Code").Value);
        Assert.Contains("Bad\uFFFD\uFFFD\uFFFD", xml.Descendants().Single(e => e.Name.LocalName == "Message").Value, StringComparison.Ordinal);
    }
}

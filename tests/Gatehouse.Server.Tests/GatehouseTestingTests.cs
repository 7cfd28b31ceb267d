using Amazon.SecurityToken.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Gatehouse.Testing;

namespace Gatehouse.Server.Tests;

/// <summary>Gatehouse.Testing as a test project uses it (docs/testing.md): one line to start, a fake clock,
/// clients for root and for an IAM user with a policy.</summary>
public sealed class GatehouseTestingTests : IAsyncLifetime
{
    private GatehouseServer _gatehouse = null!;

    public async Task InitializeAsync() => _gatehouse = await GatehouseServer.StartAsync();

    public async Task DisposeAsync() => await _gatehouse.DisposeAsync();

    [Fact]
    public async Task A_message_comes_back_when_the_fake_clock_passes_its_visibility_timeout()
    {
        using var sqs = _gatehouse.CreateSqsClient();
        var url = (await sqs.CreateQueueAsync("orders")).QueueUrl;
        await sqs.SendMessageAsync(url, "hello");
        var first = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { VisibilityTimeout = 300 });
        Assert.Single(first.Messages);
        Assert.Empty((await sqs.ReceiveMessageAsync(url)).Messages ?? []);

        _gatehouse.AdvanceTime(TimeSpan.FromMinutes(6));

        var again = await sqs.ReceiveMessageAsync(url);
        Assert.Equal("hello", Assert.Single(again.Messages).Body);
    }

    [Fact]
    public async Task A_user_with_a_send_only_policy_can_send_but_not_receive()
    {
        using var root = _gatehouse.CreateSqsClient();
        var url = (await root.CreateQueueAsync("jobs")).QueueUrl;
        var user = await _gatehouse.CreateUserAsync("producer",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}""");

        using var sqs = user.CreateSqsClient();
        await sqs.SendMessageAsync(url, "job");
        var denied = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.ReceiveMessageAsync(url));
        Assert.Equal(403, (int)denied.StatusCode);
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains("is not authorized to perform: sqs:receivemessage", denied.Message, StringComparison.Ordinal);

        using var sts = user.CreateStsClient();
        Assert.Equal(user.Arn, (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);
    }

    [Fact]
    public async Task Reset_empties_the_server_between_tests()
    {
        using var sqs = _gatehouse.CreateSqsClient();
        await sqs.CreateQueueAsync("leftover");
        await _gatehouse.ResetAsync();
        Assert.Empty((await sqs.ListQueuesAsync(new ListQueuesRequest())).QueueUrls ?? []);
        await sqs.CreateQueueAsync("leftover");
    }
}

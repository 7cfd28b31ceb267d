using System.Net;
using Amazon.SQS;
using Amazon.SQS.Model;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Server.Tests;

/// <summary>SQS through the AWS SDK for .NET over the default store.</summary>
[Collection("server")]
public sealed class SdkConformanceTests(ServerFixture server) : SdkConformanceSuite(server);

/// <summary>The same suite, unchanged, against a server whose every store is PostgreSQL (docs/postgres.md).</summary>
[NeedsPostgres]
[Collection("postgres-server")]
public sealed class PostgresSdkConformanceTests(PostgresServerFixture server) : SdkConformanceSuite(server);

/// <summary>SQS through the AWS SDK for .NET (JSON protocol). The SDK checks every MD5 itself.</summary>
public abstract class SdkConformanceSuite(ServerFixture server)
{
    private static readonly HttpClient Http = new();
    private readonly AmazonSQSClient _sqs = server.Client();

    /// <summary>A signed JSON-protocol call, answered with its status and parsed body (the raw wire, not the SDK's view).</summary>
    private async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> Json(string action, object body)
    {
        using var req = SignedRequests.Post(server.Endpoint, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body), "application/x-amz-json-1.0", "test", "test", "AmazonSQS." + action);
        using var res = await Http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, System.Text.Json.JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string[] Members(System.Text.Json.JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private async Task<string> NewQueue(string prefix, Dictionary<string, string>? attributes = null) =>
        (await _sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = prefix + Guid.NewGuid().ToString("N")[..8], Attributes = attributes })).QueueUrl;

    [ContractFact]
    public async Task Queue_lifecycle()
    {
        var name = "life" + Guid.NewGuid().ToString("N")[..8];
        var url = (await _sqs.CreateQueueAsync(name)).QueueUrl;
        Assert.Equal($"{server.Endpoint}/000000000000/{name}", url);
        Assert.Equal(url, (await _sqs.GetQueueUrlAsync(name)).QueueUrl);
        Assert.Contains(url, (await _sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = "life" })).QueueUrls);
        var attrs = await _sqs.GetQueueAttributesAsync(url, ["All"]);
        Assert.Equal("30", attrs.Attributes["VisibilityTimeout"]);
        Assert.Equal("true", attrs.Attributes["SqsManagedSseEnabled"]);
        Assert.Equal($"arn:aws:sqs:us-east-1:000000000000:{name}", attrs.QueueARN);
        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["VisibilityTimeout"] = "45" });
        Assert.Equal("45", (await _sqs.GetQueueAttributesAsync(url, ["VisibilityTimeout"])).Attributes["VisibilityTimeout"]);
        await _sqs.DeleteQueueAsync(url);
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.GetQueueUrlAsync(name));
    }

    [ContractFact]
    public async Task Send_receive_delete_with_attributes()
    {
        var url = await NewQueue("msg");
        var sent = await _sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "héllo \U0001F600",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["str"] = new() { DataType = "String", StringValue = "v" },
                ["num"] = new() { DataType = "Number.int", StringValue = "42" },
                ["bin"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([1, 2, 3]) },
            },
        });
        Assert.NotNull(sent.MD5OfMessageAttributes);
        var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = ["All"],
            WaitTimeSeconds = 1,
        });
        var m = Assert.Single(received.Messages);
        Assert.Equal(sent.MessageId, m.MessageId);
        Assert.Equal("héllo \U0001F600", m.Body);
        Assert.Equal("42", m.MessageAttributes["num"].StringValue);
        Assert.Equal([1, 2, 3], m.MessageAttributes["bin"].BinaryValue.ToArray());
        Assert.Equal("1", m.Attributes["ApproximateReceiveCount"]);
        Assert.Equal("000000000000", m.Attributes["SenderId"]);
        await _sqs.DeleteMessageAsync(url, m.ReceiptHandle);
        var after = await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal(0, after.ApproximateNumberOfMessages);
        Assert.Equal(0, after.ApproximateNumberOfMessagesNotVisible);
    }

    [ContractFact]
    public async Task Batches_send_receive_and_delete()
    {
        var url = await NewQueue("batch");
        var send = await _sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"body {i}"))]);
        Assert.Equal(10, send.Successful.Count);
        var got = new List<Message>();
        for (var i = 0; i < 5 && got.Count < 10; i++)
        {
            got.AddRange((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages ?? []);
        }

        Assert.Equal(10, got.Count);
        var vis = await _sqs.ChangeMessageVisibilityBatchAsync(url, [.. got.Select((m, i) => new ChangeMessageVisibilityBatchRequestEntry($"v{i}", m.ReceiptHandle) { VisibilityTimeout = 60 })]);
        Assert.Equal(10, vis.Successful.Count);
        var del = await _sqs.DeleteMessageBatchAsync(url, [.. got.Select((m, i) => new DeleteMessageBatchRequestEntry($"d{i}", m.ReceiptHandle))]);
        Assert.Equal(10, del.Successful.Count);
        Assert.Empty(del.Failed ?? []);
    }

    [ContractFact]
    public async Task Errors_carry_AWS_code_status_and_message()
    {
        var url = await NewQueue("err");
        var ex = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 11 }));
        Assert.Equal("InvalidParameterValue", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", ex.Message);

        var missing = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.SendMessageAsync(url + "nope", "x"));
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", missing.ErrorCode);
        Assert.Equal("The specified queue does not exist.", missing.Message);

        var handle = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => _sqs.DeleteMessageAsync(url, "garbage"));
        Assert.Equal("The input receipt handle \"garbage\" is not a valid receipt handle.", handle.Message);

        var attr = await Assert.ThrowsAsync<InvalidAttributeNameException>(() => _sqs.GetQueueAttributesAsync(url, ["Foobar"]));
        Assert.Equal("Unknown Attribute Foobar.", attr.Message);

        var big = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(url, new string('x', 1_048_577)));
        Assert.Equal("One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.", big.Message);

        var name = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.CreateQueueAsync("bad name!"));
        Assert.Equal("InvalidParameterValue", name.ErrorCode);

        var range = await Assert.ThrowsAsync<InvalidAttributeValueException>(() =>
            _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["VisibilityTimeout"] = "43201" }));
        Assert.Equal("Invalid value for the parameter VisibilityTimeout.", range.Message);
    }

    [ContractFact]
    public async Task Fifo_through_the_sdk()
    {
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "sdk" + Guid.NewGuid().ToString("N")[..8] + ".fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
        })).QueueUrl;
        var batch = await _sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 5).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"m{i}") { MessageGroupId = "g" })]);
        Assert.Equal(5, batch.Successful.Count);
        Assert.All(batch.Successful, s => Assert.Equal(20, s.SequenceNumber.Length));
        var got = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["All"] });
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], got.Messages.Select(m => m.Body));
        Assert.Equal("g", got.Messages[0].Attributes["MessageGroupId"]);
        var ex = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(url, "no group"));
        Assert.Equal("MissingParameter", ex.ErrorCode);
    }

    [ContractFact]
    public async Task Tags_purge_and_permissions()
    {
        var url = await NewQueue("tags");
        await _sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new() { ["team"] = "a", ["env"] = "dev" } });
        await _sqs.UntagQueueAsync(new UntagQueueRequest { QueueUrl = url, TagKeys = ["env"] });
        Assert.Equal(new Dictionary<string, string> { ["team"] = "a" }, (await _sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags);
        await _sqs.SendMessageAsync(url, "x");
        await _sqs.PurgeQueueAsync(url);
        await Assert.ThrowsAsync<PurgeQueueInProgressException>(() => _sqs.PurgeQueueAsync(url));
        await _sqs.AddPermissionAsync(new AddPermissionRequest { QueueUrl = url, Label = "p1", AWSAccountIds = ["111122223333"], Actions = ["SendMessage", "ReceiveMessage"] });
        var policy = (await _sqs.GetQueueAttributesAsync(url, ["Policy"])).Policy;
        Assert.Contains("\"Action\":[\"SQS:SendMessage\",\"SQS:ReceiveMessage\"]", policy, StringComparison.Ordinal);
        await _sqs.RemovePermissionAsync(url, "p1");
        Assert.Null((await _sqs.GetQueueAttributesAsync(url, ["Policy"])).Policy);
    }

    [ContractFact]
    public async Task Dead_letter_queue_and_move_task()
    {
        var dlqUrl = await NewQueue("dlq");
        var dlqArn = (await _sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).QueueARN;
        var src = await NewQueue("src", new() { ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{dlqArn}\",\"maxReceiveCount\":\"1\"}}" });
        await _sqs.SendMessageAsync(src, "poison");
        Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = src, VisibilityTimeout = 0 })).Messages);
        Assert.Null((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = src })).Messages);
        Assert.Equal(1, (await _sqs.GetQueueAttributesAsync(dlqUrl, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages);
        Assert.Contains(src, (await _sqs.ListDeadLetterSourceQueuesAsync(new ListDeadLetterSourceQueuesRequest { QueueUrl = dlqUrl })).QueueUrls);

        var task = await _sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = dlqArn });
        Assert.False(string.IsNullOrEmpty(task.TaskHandle));
        for (var i = 0; i < 50; i++)
        {
            var list = await _sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = dlqArn });
            if (list.Results[0].Status == "COMPLETED")
            {
                Assert.Equal(1, list.Results[0].ApproximateNumberOfMessagesMoved);
                break;
            }

            await Task.Delay(100);
        }

        var back = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = src, WaitTimeSeconds = 2 })).Messages);
        Assert.Equal("poison", back.Body);
    }

    [ContractFact]
    public async Task Long_poll_returns_when_a_message_arrives()
    {
        var url = await NewQueue("poll");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var pending = _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, WaitTimeSeconds = 10 });
        await Task.Delay(300);
        await _sqs.SendMessageAsync(url, "now");
        var got = await pending;
        Assert.Equal("now", Assert.Single(got.Messages).Body);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(8));
    }

    [ContractFact]
    public async Task Queue_policies_are_validated_and_stored_as_SQS_does()
    {
        var url = await NewQueue("pol");
        var arn = (await _sqs.GetQueueAttributesAsync(url, ["QueueArn"])).QueueARN;
        var noVersion = $$"""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{{arn}}"}]}""";
        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["Policy"] = noVersion });
        Assert.Equal("{\"Version\":\"2008-10-17\"," + noVersion[1..], (await _sqs.GetQueueAttributesAsync(url, ["Policy"])).Policy);

        var bad = await Assert.ThrowsAsync<InvalidAttributeValueException>(() =>
            _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["Policy"] = """{"Version":"2012-10-17","Statement":[{"Effect":"allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}""" }));
        Assert.Equal("Invalid value for the parameter Policy.", bad.Message);

        var statements = string.Join(",", Enumerable.Range(0, 21).Select(i => $$"""{"Sid":"s{{i}}","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{{arn}}"}"""));
        var over = await Assert.ThrowsAsync<OverLimitException>(() =>
            _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["Policy"] = $$"""{"Version":"2012-10-17","Statement":[{{statements}}]}""" }));
        Assert.Equal("OverLimit", over.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, over.StatusCode);
    }

    [ContractFact]
    public async Task Message_attribute_name_prefix_selects_every_name_starting_with_it()
    {
        var url = await NewQueue("prefix");
        await _sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "m",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["Help.Me"] = new() { DataType = "String", StringValue = "Me" },
                ["Hello"] = new() { DataType = "String", StringValue = "There" },
                ["General"] = new() { DataType = "String", StringValue = "Kenobi" },
            },
        });

        // AWS: "Hel.*" returns Hello and Help.Me, with the MD5 of exactly those two (recorded from AWS).
        var m = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MessageAttributeNames = ["Hel.*"],
            VisibilityTimeout = 0,
            WaitTimeSeconds = 1,
        })).Messages);
        Assert.Equal(["Hello", "Help.Me"], m.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("83fee93c1bcd8b9a5a923ffacdc636c7", m.MD5OfMessageAttributes);
    }

    [ContractFact]
    public async Task Fair_queue_MessageGroupId_on_a_standard_queue_is_returned_as_sent()
    {
        var url = await NewQueue("fair");
        await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "single", MessageGroupId = "tenant-A.1" });
        await _sqs.SendMessageBatchAsync(url, [new SendMessageBatchRequestEntry("a", "batched") { MessageGroupId = "tenant/B" }, new SendMessageBatchRequestEntry("b", "none")]);
        foreach (var request in new[]
        {
            new ReceiveMessageRequest { MessageSystemAttributeNames = ["MessageGroupId"] },
            new ReceiveMessageRequest { MessageSystemAttributeNames = ["All"] },
#pragma warning disable CS0618 // the older AttributeNames form is still on the wire and must keep working
            new ReceiveMessageRequest { AttributeNames = ["MessageGroupId"] },
#pragma warning restore CS0618
        })
        {
            request.QueueUrl = url;
            request.MaxNumberOfMessages = 10;
            request.VisibilityTimeout = 0;
            var groups = new Dictionary<string, string?>();
            for (var i = 0; i < 10 && groups.Count < 3; i++)
            {
                foreach (var m in (await _sqs.ReceiveMessageAsync(request)).Messages ?? [])
                {
                    groups[m.Body] = m.Attributes?.GetValueOrDefault("MessageGroupId");
                }
            }

            Assert.Equal("tenant-A.1", groups["single"]);
            Assert.Equal("tenant/B", groups["batched"]);
            Assert.Null(groups["none"]);
        }
    }

    [ContractFact]
    public async Task Json_batch_results_leave_out_empty_lists()
    {
        var url = await NewQueue("jsonbatch");

        // All succeed: only Successful (AWS leaves Failed out).
        var (status, sent) = await Json("SendMessageBatch", new { QueueUrl = url, Entries = new[] { new { Id = "a", MessageBody = "x" }, new { Id = "b", MessageBody = "y" } } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Successful"], Members(sent));
        var sdk = await _sqs.SendMessageBatchAsync(url, [new SendMessageBatchRequestEntry("c", "z")]);
        Assert.Null(sdk.Failed);

        var handles = new List<string>();
        for (var i = 0; i < 10 && handles.Count < 3; i++)
        {
            handles.AddRange(((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages ?? []).Select(m => m.ReceiptHandle));
        }

        var (_, changed) = await Json("ChangeMessageVisibilityBatch", new { QueueUrl = url, Entries = handles.Select((h, i) => new { Id = $"v{i}", ReceiptHandle = h, VisibilityTimeout = 60 }) });
        Assert.Equal(["Successful"], Members(changed));

        // All fail: only Failed.
        var (_, failed) = await Json("DeleteMessageBatch", new { QueueUrl = url, Entries = new[] { new { Id = "x", ReceiptHandle = "fake-receipt-handle-1" } } });
        Assert.Equal(["Failed"], Members(failed));
        var (_, mixed) = await Json("DeleteMessageBatch", new { QueueUrl = url, Entries = new[] { new { Id = "ok", ReceiptHandle = handles[0] }, new { Id = "x", ReceiptHandle = "fake-receipt-handle-1" } } });
        Assert.Equal(["Failed", "Successful"], Members(mixed));
        var (_, deleted) = await Json("DeleteMessageBatch", new { QueueUrl = url, Entries = handles.Skip(1).Select((h, i) => new { Id = $"d{i}", ReceiptHandle = h }) });
        Assert.Equal(["Successful"], Members(deleted));

        // Other responses with nothing to list answer an empty object, as AWS does.
        var (_, none) = await Json("ReceiveMessage", new { QueueUrl = url });
        Assert.Empty(Members(none));
        var (_, tags) = await Json("ListQueueTags", new { QueueUrl = url });
        Assert.Empty(Members(tags));
        var (_, queues) = await Json("ListQueues", new { QueueNamePrefix = "no-such-prefix" });
        Assert.Empty(Members(queues));
    }

    [ContractFact]
    public async Task Batch_entry_with_something_that_is_no_receipt_handle_gets_the_single_call_text()
    {
        var url = await NewQueue("fakehandle");
        var other = await NewQueue("otherq");
        await _sqs.SendMessageAsync(other, "elsewhere");
        var foreign = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = other, WaitTimeSeconds = 1 })).Messages).ReceiptHandle;
        var result = await _sqs.DeleteMessageBatchAsync(url, [new DeleteMessageBatchRequestEntry("fake", "fake-receipt-handle-1"), new DeleteMessageBatchRequestEntry("foreign", foreign)]);
        var failed = result.Failed.ToDictionary(e => e.Id);
        Assert.Equal("ReceiptHandleIsInvalid", failed["fake"].Code);
        Assert.True(failed["fake"].SenderFault);
        Assert.Equal("The input receipt handle \"fake-receipt-handle-1\" is not a valid receipt handle.", failed["fake"].Message);
        Assert.Equal($"The receipt handle \"{foreign}\" is not valid for this queue.", failed["foreign"].Message);
    }

    [ContractFact]
    public async Task Older_receipt_handles_still_work_on_a_standard_queue()
    {
        var url = await NewQueue("older");
        await _sqs.SendMessageAsync(url, "single");
        await _sqs.SendMessageAsync(url, "batched");
        async Task<Dictionary<string, string>> ReceiveBoth()
        {
            var got = new Dictionary<string, string>();
            for (var i = 0; i < 20 && got.Count < 2; i++)
            {
                foreach (var m in (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 1, WaitTimeSeconds = 1 })).Messages ?? [])
                {
                    got[m.Body] = m.ReceiptHandle;
                }
            }

            return got;
        }

        var h1 = await ReceiveBoth();
        await Task.Delay(1200);
        var h2 = await ReceiveBoth();
        Assert.NotEqual(h1["single"], h2["single"]);

        await _sqs.ChangeMessageVisibilityAsync(url, h1["single"], 30);
        var changed = await _sqs.ChangeMessageVisibilityBatchAsync(url, [new ChangeMessageVisibilityBatchRequestEntry("b", h1["batched"]) { VisibilityTimeout = 30 }]);
        Assert.Equal("b", Assert.Single(changed.Successful).Id);
        await Task.Delay(1500);
        Assert.Empty((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages ?? []);

        await _sqs.DeleteMessageAsync(url, h1["single"]);
        var deleted = await _sqs.DeleteMessageBatchAsync(url, [new DeleteMessageBatchRequestEntry("b", h1["batched"])]);
        Assert.Equal("b", Assert.Single(deleted.Successful).Id);
        var counts = await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal(0, counts.ApproximateNumberOfMessages);
        Assert.Equal(0, counts.ApproximateNumberOfMessagesNotVisible);
    }

    [ContractFact]
    public async Task RedrivePolicy_is_stored_normalised()
    {
        var dlqArn = (await _sqs.GetQueueAttributesAsync(await NewQueue("rdlq"), ["QueueArn"])).QueueARN;
        var url = await NewQueue("rsrc", new() { ["RedrivePolicy"] = $$"""{ "maxReceiveCount" : "1",  "deadLetterTargetArn" : "{{dlqArn}}" }""" });
        var stored = (await _sqs.GetQueueAttributesAsync(url, ["RedrivePolicy"])).Attributes["RedrivePolicy"];
        Assert.Equal($$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":1}""", stored);
    }

    [ContractFact]
    public async Task Removing_the_KMS_key_removes_both_KMS_attributes()
    {
        var url = await NewQueue("sse");
        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["KmsMasterKeyId"] = "alias/aws/sqs", ["KmsDataKeyReusePeriodSeconds"] = "600" });
        var on = (await _sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("alias/aws/sqs", on["KmsMasterKeyId"]);
        Assert.Equal("600", on["KmsDataKeyReusePeriodSeconds"]);
        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["KmsMasterKeyId"] = "" });
        var off = (await _sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.DoesNotContain("KmsMasterKeyId", off.Keys);
        Assert.DoesNotContain("KmsDataKeyReusePeriodSeconds", off.Keys);
        Assert.Equal("false", off["SqsManagedSseEnabled"]);
    }

    [ContractFact]
    public async Task Move_task_handle_format_unknown_task_and_prompt_completion()
    {
        var dlqUrl = await NewQueue("mdlq");
        var dlqArn = (await _sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"])).QueueARN;
        await NewQueue("msrc", new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":"1"}""" });
        var dest = await NewQueue("mdest");
        var destArn = (await _sqs.GetQueueAttributesAsync(dest, ["QueueArn"])).QueueARN;
        await _sqs.SendMessageBatchAsync(dlqUrl, [.. Enumerable.Range(0, 4).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"d{i}"))]);

        var handle = (await _sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = dlqArn, DestinationArn = destArn })).TaskHandle;
        using (var doc = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(handle)))
        {
            Assert.Equal(["taskId", "sourceArn"], doc.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(dlqArn, doc.RootElement.GetProperty("sourceArn").GetString());
        }

        // The task is listed COMPLETED once every message has moved (bounded wait: the machine may be loaded).
        var task = (await _sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = dlqArn })).Results[0];
        for (var i = 0; i < 250 && task.Status != "COMPLETED"; i++)
        {
            await Task.Delay(20);
            task = (await _sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = dlqArn })).Results[0];
        }

        Assert.Equal("COMPLETED", task.Status);
        Assert.Equal(4, (await _sqs.GetQueueAttributesAsync(dest, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages);
        Assert.Null(task.TaskHandle);
        Assert.Equal(4, task.ApproximateNumberOfMessagesMoved);

        var unknown = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($$"""{"taskId":"{{Guid.NewGuid()}}","sourceArn":"{{dlqArn}}"}"""));
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _sqs.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest { TaskHandle = unknown }));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("Task does not exist.", ex.Message);
    }

    [ContractFact]
    public async Task AddPermission_names_refused_actions_with_the_SQS_prefix()
    {
        var url = await NewQueue("perm");
        var owner = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.AddPermissionAsync(new AddPermissionRequest
        {
            QueueUrl = url,
            Label = "p",
            AWSAccountIds = ["111122223333"],
            Actions = ["RemovePermission"],
        }));
        Assert.Equal("InvalidParameterValue", owner.ErrorCode);
        Assert.Equal("Value SQS:RemovePermission for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", owner.Message);

        var unknown = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.AddPermissionAsync(new AddPermissionRequest
        {
            QueueUrl = url,
            Label = "p",
            AWSAccountIds = ["111122223333"],
            Actions = ["SendMessageBatch"],
        }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("Value SQS:SendMessageBatch for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.", unknown.Message);
    }

    [ContractFact]
    public async Task Fifo_group_is_released_up_to_its_first_message_in_flight()
    {
        // AWS: foo, bar, baz received with VisibilityTimeout 1, bar extended to 4 s: 2.5 s later only foo comes back.
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "rel" + Guid.NewGuid().ToString("N")[..8] + ".fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true", ["VisibilityTimeout"] = "1" },
        })).QueueUrl;
        foreach (var body in new[] { "foo", "bar", "baz" })
        {
            await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = body, MessageGroupId = "g" });
        }

        var got = (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages;
        Assert.Equal(["foo", "bar", "baz"], got.Select(m => m.Body));
        await _sqs.ChangeMessageVisibilityAsync(url, got[1].ReceiptHandle, 4);
        await Task.Delay(2500);
        var again = (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages;
        Assert.Equal(["foo"], again.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Fifo_deduplication_scope_change_is_not_immediate()
    {
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "scope" + Guid.NewGuid().ToString("N")[..8] + ".fifo",
            Attributes = new() { ["FifoQueue"] = "true" },
        })).QueueUrl;
        var first = await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "a", MessageGroupId = "g1", MessageDeduplicationId = "d" });
        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["DeduplicationScope"] = "messageGroup", ["FifoThroughputLimit"] = "perMessageGroupId" });
        Assert.Equal("messageGroup", (await _sqs.GetQueueAttributesAsync(url, ["DeduplicationScope"])).Attributes["DeduplicationScope"]);
        var second = await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "b", MessageGroupId = "g2", MessageDeduplicationId = "d" });
        Assert.Equal(first.MessageId, second.MessageId);
    }
}

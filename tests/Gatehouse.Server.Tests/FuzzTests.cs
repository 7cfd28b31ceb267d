using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests;

/// <summary>
/// A seeded, bounded fuzz run (hardening): thousands of mutated SQS (JSON and Query), IAM and STS requests against
/// a server of its own on 127.0.0.1. No request may get a 5xx, and the server must serve normal calls afterwards.
/// The seed makes a failure repeatable; the run stops at <see cref="Requests"/> requests or <see cref="Budget"/>.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private const int Seed = 20261205;
    private const int Requests = 10_000;
    private const int Workers = 4;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(5);

    private WebApplication? _app;
    private string _endpoint = "";
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _app = await GatehouseApp.BuildAsync(new GatehouseOptions { BindAddress = "127.0.0.1", Port = 0, InMemory = true }, TimeProvider.System);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _endpoint = new Uri(address).GetLeftPart(UriPartial.Authority);
        Assert.Equal("127.0.0.1", new Uri(_endpoint).Host);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mutated_requests_never_get_a_server_error_and_the_server_stays_up()
    {
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"),
            new AmazonSQSConfig { ServiceURL = _endpoint, AuthenticationRegion = "us-east-1" });
        var queueUrl = (await sqs.CreateQueueAsync("fuzz-target")).QueueUrl;
        var fifoUrl = (await sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest("fuzz-target.fifo")
        {
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
        })).QueueUrl;
        await sqs.SendMessageAsync(queueUrl, "seed");
        var handle = (await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest(queueUrl) { VisibilityTimeout = 0 })).Messages[0].ReceiptHandle;
        var seeds = new Seeds(queueUrl, fifoUrl, handle);

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var sent = 0;
        var timedOut = 0;
        var clock = Stopwatch.StartNew();
        var next = -1;
        async Task Worker()
        {
            while (clock.Elapsed < Budget && failures.Count < 5)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= Requests)
                {
                    return;
                }

                // One generator per request, seeded by its number: request n is the same whatever the scheduling.
                var fuzz = new Fuzzer(new Random(Seed + n), seeds, _endpoint);
                var (request, label) = fuzz.Next();
                using (request)
                using (var cts = new CancellationTokenSource(PerRequest))
                {
                    try
                    {
                        using var res = await _http.SendAsync(request, cts.Token);
                        var body = await res.Content.ReadAsStringAsync(cts.Token);
                        Interlocked.Increment(ref sent);
                        statuses.AddOrUpdate((int)res.StatusCode, 1, (_, c) => c + 1);
                        if ((int)res.StatusCode >= 500)
                        {
                            failures.Enqueue($"#{n} {label}: HTTP {(int)res.StatusCode} {body[..Math.Min(body.Length, 400)]}");
                        }
                        else if (res.Content.Headers.ContentType?.MediaType == "text/xml" && !IsWellFormed(body))
                        {
                            failures.Enqueue($"#{n} {label}: ill-formed XML {body[..Math.Min(body.Length, 400)]}");
                        }
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                        // A long poll a mutation asked for (WaitTimeSeconds) may outlast the per-request limit.
                        Interlocked.Increment(ref timedOut);
                        if (!label.Contains("ReceiveMessage", StringComparison.Ordinal))
                        {
                            failures.Enqueue($"#{n} {label}: no answer within {PerRequest.TotalSeconds} s");
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        failures.Enqueue($"#{n} {label}: connection failed: {ex.Message}");
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)));
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(sent >= 1000, $"only {sent} requests answered in {clock.Elapsed} ({timedOut} long polls cut short)");

        // The mutations reach the handlers, not only the front door: most requests pass authentication and some
        // succeed.
        Assert.True(statuses.GetValueOrDefault(200) > sent / 20, string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));

        // Alive and well: health, and a normal round trip through the SDK.
        using var health = await _http.GetAsync(_endpoint + "/_gatehouse/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var url = (await sqs.CreateQueueAsync("fuzz-after")).QueueUrl;
        await sqs.SendMessageAsync(url, "still here");
        var m = Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages);
        Assert.Equal("still here", m.Body);
        await sqs.DeleteMessageAsync(url, m.ReceiptHandle);
    }

    private static bool IsWellFormed(string xml)
    {
        try
        {
            System.Xml.Linq.XDocument.Parse(xml);
            return true;
        }
        catch (System.Xml.XmlException)
        {
            return false;
        }
    }

    private sealed record Seeds(string QueueUrl, string FifoUrl, string Handle);

    /// <summary>Builds one mutated request from a seed request of one of the four APIs.</summary>
    private sealed class Fuzzer(Random random, Seeds seeds, string endpoint)
    {
        private const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}""";

        private static readonly string[] SqsActions =
        [
            "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch", "CreateQueue", "GetQueueAttributes", "SetQueueAttributes", "TagQueue", "UntagQueue",
            "ListQueueTags", "ListQueues", "GetQueueUrl", "AddPermission", "RemovePermission", "ListDeadLetterSourceQueues",
            "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask", "DeleteQueue", "PurgeQueue",
        ];

        private readonly string[] _nasty =
        [
            "", " ", "\u0000", "\u0007", "\uFFFE", "\U0001F600", "%", "%zz", "&", "=", "<x>", "\"", "\\", "-1", "0", "2147483648",
            "99999999999999999999", "1e309", "NaN", "true", "null", "All", ".*", "..", "AWS.x", "a.fifo", "AQEB", "AQEBAwAAAAAAAAAB",
            seeds.Handle, seeds.QueueUrl, seeds.FifoUrl, "http://127.0.0.1/000000000000/", "arn:aws:sqs:us-east-1:000000000000:fuzz-target",
            "arn:aws:iam::000000000000:role/r", Policy, Policy[..40], "{", "[]", """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:fuzz-target","maxReceiveCount":"1"}""",
            new string('a', 300), new string('\u00e9', 70_000),
        ];

        private readonly string[] _names =
        [
            "QueueUrl", "QueueName", "MessageBody", "ReceiptHandle", "Id", "Entries", "Attributes", "AttributeNames", "MessageAttributes",
            "MessageSystemAttributes", "MessageAttributeNames", "MaxNumberOfMessages", "VisibilityTimeout", "DelaySeconds", "Tags", "TagKeys",
            "MessageGroupId", "MessageDeduplicationId", "Label", "AWSAccountIds", "Actions", "SourceArn", "TaskHandle", "NextToken", "MaxResults",
            "QueueNamePrefix", "MaxNumberOfMessagesPerSecond", "ReceiveRequestAttemptId", "Foo",
        ];

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        public (HttpRequestMessage Request, string Label) Next() => random.Next(10) switch
        {
            < 4 => SqsJson(),
            < 7 => SqsQuery(),
            < 9 => Iam(),
            _ => Sts(),
        };

        private JsonObject SqsJsonSeed(string action)
        {
            var url = random.Next(4) == 0 ? seeds.FifoUrl : seeds.QueueUrl;
            var attrs = new JsonObject { ["a"] = new JsonObject { ["DataType"] = "String", ["StringValue"] = "v" }, ["n"] = new JsonObject { ["DataType"] = "Number", ["StringValue"] = "1.5" } };
            return action switch
            {
                "SendMessage" => new JsonObject
                {
                    ["QueueUrl"] = url,
                    ["MessageBody"] = "hello",
                    ["MessageAttributes"] = attrs,
                    ["MessageGroupId"] = "g",
                    ["MessageSystemAttributes"] = new JsonObject { ["AWSTraceHeader"] = new JsonObject { ["DataType"] = "String", ["StringValue"] = "Root=1-5759e988-bd862e3fe1be46a994272793" } },
                },
                "SendMessageBatch" => new JsonObject
                {
                    ["QueueUrl"] = url,
                    ["Entries"] = new JsonArray(new JsonObject { ["Id"] = "1", ["MessageBody"] = "a", ["MessageGroupId"] = "g" }, new JsonObject { ["Id"] = "2", ["MessageBody"] = "b", ["DelaySeconds"] = 1, ["MessageAttributes"] = attrs }),
                },
                "ReceiveMessage" => new JsonObject
                {
                    ["QueueUrl"] = url,
                    ["MaxNumberOfMessages"] = 10,
                    ["VisibilityTimeout"] = 0,
                    ["WaitTimeSeconds"] = 0,
                    ["AttributeNames"] = new JsonArray("All"),
                    ["MessageAttributeNames"] = new JsonArray("All"),
                    ["MessageSystemAttributeNames"] = new JsonArray("All"),
                },
                "DeleteMessage" => new JsonObject { ["QueueUrl"] = url, ["ReceiptHandle"] = seeds.Handle },
                "ChangeMessageVisibility" => new JsonObject { ["QueueUrl"] = url, ["ReceiptHandle"] = seeds.Handle, ["VisibilityTimeout"] = 0 },
                "DeleteMessageBatch" or "ChangeMessageVisibilityBatch" => new JsonObject
                {
                    ["QueueUrl"] = url,
                    ["Entries"] = new JsonArray(new JsonObject { ["Id"] = "1", ["ReceiptHandle"] = seeds.Handle, ["VisibilityTimeout"] = 0 }, new JsonObject { ["Id"] = "2", ["ReceiptHandle"] = "x" }),
                },
                "CreateQueue" => new JsonObject
                {
                    ["QueueName"] = "fz-" + random.Next(50),
                    ["Attributes"] = new JsonObject { ["VisibilityTimeout"] = "5", ["Policy"] = Policy, ["MessageRetentionPeriod"] = "60" },
                    ["tags"] = new JsonObject { ["team"] = "x" },
                },
                "SetQueueAttributes" => new JsonObject
                {
                    ["QueueUrl"] = url,
                    ["Attributes"] = new JsonObject
                    {
                        ["Policy"] = Policy,
                        ["DelaySeconds"] = "0",
                        ["KmsMasterKeyId"] = "alias/aws/sqs",
                        ["RedrivePolicy"] = """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:fuzz-target","maxReceiveCount":"3"}""",
                    },
                },
                "GetQueueAttributes" => new JsonObject { ["QueueUrl"] = url, ["AttributeNames"] = new JsonArray("All") },
                "TagQueue" => new JsonObject { ["QueueUrl"] = url, ["Tags"] = new JsonObject { ["k"] = "v" } },
                "UntagQueue" => new JsonObject { ["QueueUrl"] = url, ["TagKeys"] = new JsonArray("k") },
                "ListQueues" => new JsonObject { ["QueueNamePrefix"] = "fuzz", ["MaxResults"] = 5 },
                "GetQueueUrl" => new JsonObject { ["QueueName"] = "fuzz-target", ["QueueOwnerAWSAccountId"] = "000000000000" },
                "AddPermission" => new JsonObject { ["QueueUrl"] = url, ["Label"] = "l", ["AWSAccountIds"] = new JsonArray("111111111111"), ["Actions"] = new JsonArray("SendMessage") },
                "RemovePermission" => new JsonObject { ["QueueUrl"] = url, ["Label"] = "l" },
                "StartMessageMoveTask" => new JsonObject { ["SourceArn"] = "arn:aws:sqs:us-east-1:000000000000:fuzz-target", ["MaxNumberOfMessagesPerSecond"] = 1 },
                "ListMessageMoveTasks" => new JsonObject { ["SourceArn"] = "arn:aws:sqs:us-east-1:000000000000:fuzz-target", ["MaxResults"] = 10 },
                "CancelMessageMoveTask" => new JsonObject { ["TaskHandle"] = "eyJ0YXNrSWQiOiJ4In0=" },
                "DeleteQueue" or "PurgeQueue" => new JsonObject { ["QueueUrl"] = random.Next(2) == 0 ? "fz-" + random.Next(50) : "http://127.0.0.1/000000000000/nope" },
                _ => new JsonObject { ["QueueUrl"] = url },
            };
        }

        private JsonNode NastyJson() => random.Next(8) switch
        {
            0 => JsonValue.Create(random.Next(int.MinValue, int.MaxValue)),
            1 => JsonValue.Create(random.NextDouble() * 1e20),
            2 => JsonValue.Create(random.Next(2) == 0),
            3 => new JsonArray(Pick(_nasty), Pick(_nasty)),
            4 => new JsonObject { [Pick(_nasty)] = Pick(_nasty) },
            _ => JsonValue.Create(Pick(_nasty))!,
        };

        private void MutateJson(JsonNode node, int depth)
        {
            if (node is JsonObject obj && obj.Count > 0)
            {
                var keys = obj.Select(kv => kv.Key).ToList();
                var key = Pick(keys);
                switch (random.Next(5))
                {
                    case 0: obj.Remove(key); break;
                    case 1: obj[key] = NastyJson(); break;
                    case 2: obj[Pick(_names)] = NastyJson(); break;
                    default:
                        if (obj[key] is { } child && depth < 4)
                        {
                            MutateJson(child, depth + 1);
                        }
                        else
                        {
                            obj[key] = NastyJson();
                        }

                        break;
                }
            }
            else if (node is JsonArray arr)
            {
                if (arr.Count > 0 && random.Next(2) == 0)
                {
                    MutateJson(arr[random.Next(arr.Count)]!, depth + 1);
                }
                else
                {
                    arr.Add(NastyJson());
                }
            }
        }

        private byte[] MutateBytes(byte[] body)
        {
            var b = body.ToList();
            for (var i = random.Next(1, 4); i > 0 && b.Count > 0; i--)
            {
                var at = random.Next(b.Count);
                switch (random.Next(4))
                {
                    case 0: b[at] = (byte)random.Next(256); break;
                    case 1: b.Insert(at, (byte)random.Next(256)); break;
                    case 2: b.RemoveAt(at); break;
                    default: b.RemoveRange(at, b.Count - at); break;
                }
            }

            return [.. b];
        }

        private (HttpRequestMessage, string) SqsJson()
        {
            var action = Pick(SqsActions);
            var body = SqsJsonSeed(action);
            for (var i = random.Next(0, 3); i > 0; i--)
            {
                MutateJson(body, 0);
            }

            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            if (random.Next(6) == 0)
            {
                bytes = MutateBytes(bytes);
            }

            var target = random.Next(20) == 0 ? "AmazonSQS." + Pick(_nasty.Where(v => v.Length < 100 && v.All(char.IsAsciiLetterOrDigit)).ToList()) : "AmazonSQS." + (random.Next(8) == 0 ? Pick(SqsActions) : action);
            return (Post("/", bytes, "application/x-amz-json-1.0", target, "sqs"), "sqs-json " + action);
        }

        private List<KeyValuePair<string, string>> SqsQuerySeed(string action)
        {
            var url = random.Next(4) == 0 ? seeds.FifoUrl : seeds.QueueUrl;
            List<KeyValuePair<string, string>> p = [new("Action", action), new("Version", "2012-11-05"), new("QueueUrl", url)];
            void Add(string k, string v) => p.Add(new(k, v));
            switch (action)
            {
                case "SendMessage":
                    Add("MessageBody", "hello");
                    Add("MessageGroupId", "g");
                    Add("MessageAttribute.1.Name", "a");
                    Add("MessageAttribute.1.Value.DataType", "String");
                    Add("MessageAttribute.1.Value.StringValue", "v");
                    Add("MessageSystemAttribute.1.Name", "AWSTraceHeader");
                    Add("MessageSystemAttribute.1.Value.DataType", "String");
                    Add("MessageSystemAttribute.1.Value.StringValue", "Root=1-5759e988-bd862e3fe1be46a994272793");
                    break;
                case "SendMessageBatch":
                    Add("SendMessageBatchRequestEntry.1.Id", "1");
                    Add("SendMessageBatchRequestEntry.1.MessageBody", "a");
                    Add("SendMessageBatchRequestEntry.2.Id", "2");
                    Add("SendMessageBatchRequestEntry.2.MessageBody", "b");
                    Add("SendMessageBatchRequestEntry.2.MessageAttribute.1.Name", "n");
                    Add("SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType", "Number");
                    Add("SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue", "3");
                    break;
                case "ReceiveMessage":
                    Add("MaxNumberOfMessages", "10");
                    Add("VisibilityTimeout", "0");
                    Add("WaitTimeSeconds", "0");
                    Add("AttributeName.1", "All");
                    Add("MessageAttributeName.1", "All");
                    break;
                case "DeleteMessage" or "ChangeMessageVisibility":
                    Add("ReceiptHandle", seeds.Handle);
                    Add("VisibilityTimeout", "0");
                    break;
                case "DeleteMessageBatch" or "ChangeMessageVisibilityBatch":
                    var entry = action + "RequestEntry.1.";
                    Add(entry + "Id", "1");
                    Add(entry + "ReceiptHandle", seeds.Handle);
                    Add(entry + "VisibilityTimeout", "0");
                    break;
                case "SetQueueAttributes" or "CreateQueue":
                    Add("QueueName", "fzq-" + random.Next(50));
                    Add("Attribute.1.Name", "Policy");
                    Add("Attribute.1.Value", Policy);
                    Add("Attribute.2.Name", "VisibilityTimeout");
                    Add("Attribute.2.Value", "5");
                    Add("Tag.1.Key", "k");
                    Add("Tag.1.Value", "v");
                    break;
                case "TagQueue":
                    Add("Tag.1.Key", "k");
                    Add("Tag.1.Value", "v");
                    break;
                case "UntagQueue":
                    Add("TagKey.1", "k");
                    break;
                case "AddPermission":
                    Add("Label", "l");
                    Add("AWSAccountId.1", "111111111111");
                    Add("ActionName.1", "SendMessage");
                    break;
                case "GetQueueAttributes":
                    Add("AttributeName.1", "All");
                    break;
                default:
                    Add("QueueName", "fuzz-target");
                    break;
            }

            return p;
        }

        private (HttpRequestMessage, string) SqsQuery()
        {
            var action = Pick(SqsActions);
            var p = SqsQuerySeed(action);
            return (QueryPost(p, "sqs"), "sqs-query " + action);
        }

        private (HttpRequestMessage, string) Iam()
        {
            var user = "fz-user-" + random.Next(20);
            var doc = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""";
            var trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}""";
            var seedsIam = new List<KeyValuePair<string, string>>[]
            {
                [new("Action", "CreateUser"), new("UserName", user), new("Path", "/fz/"), new("Tags.member.1.Key", "k"), new("Tags.member.1.Value", "v")],
                [new("Action", "PutUserPolicy"), new("UserName", user), new("PolicyName", "p"), new("PolicyDocument", doc)],
                [new("Action", "CreateRole"), new("RoleName", "fz-role-" + random.Next(20)), new("AssumeRolePolicyDocument", trust)],
                [new("Action", "CreatePolicy"), new("PolicyName", "fzp-" + random.Next(20)), new("PolicyDocument", doc)],
                [new("Action", "AttachUserPolicy"), new("UserName", user), new("PolicyArn", "arn:aws:iam::000000000000:policy/fzp-1")],
                [new("Action", "ListUsers"), new("MaxItems", "5"), new("PathPrefix", "/")],
                [new("Action", "GetUser"), new("UserName", user)],
                [new("Action", "CreateAccessKey"), new("UserName", user)],
                [new("Action", "ListAttachedUserPolicies"), new("UserName", user), new("Marker", "x")],
                [new("Action", "DeleteUser"), new("UserName", user)],
                [new("Action", "CreateGroup"), new("GroupName", "fzg")],
                [new("Action", "AddUserToGroup"), new("GroupName", "fzg"), new("UserName", user)],
            };
            var p = new List<KeyValuePair<string, string>>(Pick(seedsIam)) { new("Version", "2010-05-08") };
            var label = "iam " + p[0].Value;
            return (QueryPost(p, "iam"), label);
        }

        private (HttpRequestMessage, string) Sts()
        {
            var seedsSts = new List<KeyValuePair<string, string>>[]
            {
                [new("Action", "GetCallerIdentity")],
                [new("Action", "AssumeRole"), new("RoleArn", "arn:aws:iam::000000000000:role/fz-role-1"), new("RoleSessionName", "s"), new("DurationSeconds", "900"),
                    new("Policy", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""), new("Tags.member.1.Key", "k"), new("Tags.member.1.Value", "v")],
                [new("Action", "GetSessionToken"), new("DurationSeconds", "900")],
                [new("Action", "GetAccessKeyInfo"), new("AccessKeyId", "AKIAEXAMPLE")],
            };
            var p = new List<KeyValuePair<string, string>>(Pick(seedsSts)) { new("Version", "2011-06-15") };
            var label = "sts " + p[0].Value;
            return (QueryPost(p, "sts"), label);
        }

        private HttpRequestMessage QueryPost(List<KeyValuePair<string, string>> p, string service)
        {
            for (var i = random.Next(0, 3); i > 0; i--)
            {
                var at = random.Next(p.Count);
                switch (random.Next(6))
                {
                    case 0: p.RemoveAt(at); break;
                    case 1: p.Add(p[at]); break;
                    case 2: p.Add(new(Pick(_names) + (random.Next(2) == 0 ? "." + random.Next(-1, 12) : ""), Pick(_nasty))); break;
                    case 3: p[at] = new(p[at].Key + "." + Pick(["1", "0", "x", "1.Name", "99999999999"]), p[at].Value); break;
                    default: p[at] = new(p[at].Key, Pick(_nasty)); break;
                }

                if (p.Count == 0)
                {
                    break;
                }
            }

            var form = string.Join("&", p.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
            var bytes = Encoding.UTF8.GetBytes(form);
            if (random.Next(6) == 0)
            {
                bytes = MutateBytes(bytes);
            }

            return Post("/", bytes, "application/x-www-form-urlencoded", null, service);
        }

        /// <summary>Signed as the root user (mostly), unsigned, or with a signature that no longer matches.</summary>
        private HttpRequestMessage Post(string path, byte[] body, string contentType, string? target, string service)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint + path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            var headers = new SigV4Headers().Add("Host", new Uri(endpoint).Authority).Add("Content-Type", contentType);
            if (target is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
                headers.Add("X-Amz-Target", target);
            }

            var mode = random.Next(20);
            if (mode > 0)
            {
                var signedBody = mode == 1 ? [.. body, (byte)'x'] : body;
                var signature = SigV4Signer.Sign(new SigV4Request { Method = "POST", RawPath = path, Headers = headers, Body = signedBody },
                    new SigV4SigningCredentials("test", "test"), "us-east-1", mode == 2 ? Pick(["sqs", "iam", "sts", "kms"]) : service, TimeProvider.System.GetUtcNow());
                foreach (var (name, value) in signature.HeadersToAdd)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return request;
        }
    }
}

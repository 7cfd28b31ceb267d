using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>What one SQS call came back with: success (with a few values) or an AWS error.</summary>
public sealed record Outcome(bool Ok, string? Code, int Status, string? Message, IReadOnlyDictionary<string, string> Values)
{
    public static Outcome Success(Dictionary<string, string>? values = null) => new(true, null, 200, null, values ?? []);
}

/// <summary>The SQS calls the enforcement scenarios make, over one protocol as one principal.</summary>
public interface ISqsCaller
{
    Task<Outcome> SendMessage(string queueUrl, string body);

    Task<Outcome> ReceiveMessage(string queueUrl);

    Task<Outcome> GetQueueAttributes(string queueUrl, params string[] names);

    Task<Outcome> SetQueueAttributes(string queueUrl, string name, string value);

    Task<Outcome> ListQueues();

    Task<Outcome> DeleteQueue(string queueUrl);
}

/// <summary>The AWS SDK for .NET (JSON protocol).</summary>
public sealed class SdkCaller(string endpoint, string? accessKey) : ISqsCaller
{
    private readonly AmazonSQSClient _sqs = new(
        accessKey is null ? new AnonymousAWSCredentials() : new BasicAWSCredentials(accessKey, "secret-" + accessKey),
        new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private static async Task<Outcome> Run(Func<Task<Dictionary<string, string>?>> call)
    {
        try
        {
            return Outcome.Success(await call());
        }
        catch (AmazonSQSException ex)
        {
            return new Outcome(false, ex.ErrorCode, (int)ex.StatusCode, ex.Message, new Dictionary<string, string>());
        }
    }

    public Task<Outcome> SendMessage(string queueUrl, string body) =>
        Run(async () => new() { ["MessageId"] = (await _sqs.SendMessageAsync(queueUrl, body)).MessageId });

    public Task<Outcome> ReceiveMessage(string queueUrl) => Run(async () =>
    {
        var r = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MessageSystemAttributeNames = ["SenderId"], MaxNumberOfMessages = 1 });
        return r.Messages is { Count: > 0 } m ? new() { ["Body"] = m[0].Body, ["SenderId"] = m[0].Attributes["SenderId"] } : [];
    });

    public Task<Outcome> GetQueueAttributes(string queueUrl, params string[] names) =>
        Run(async () => (await _sqs.GetQueueAttributesAsync(queueUrl, [.. names])).Attributes ?? []);

    public Task<Outcome> SetQueueAttributes(string queueUrl, string name, string value) =>
        Run(async () =>
        {
            await _sqs.SetQueueAttributesAsync(queueUrl, new Dictionary<string, string> { [name] = value });
            return null;
        });

    public Task<Outcome> ListQueues() =>
        Run(async () => new() { ["Count"] = ((await _sqs.ListQueuesAsync(new ListQueuesRequest())).QueueUrls?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public Task<Outcome> DeleteQueue(string queueUrl) =>
        Run(async () =>
        {
            await _sqs.DeleteQueueAsync(queueUrl);
            return null;
        });
}

/// <summary>A hand-written Query-protocol client: form POST, SigV4 (or unsigned), XML answers.</summary>
public sealed class QueryCaller(string endpoint, string? accessKey) : ISqsCaller
{
    // The HTTPS listener's certificate is self-signed.
    private static readonly HttpClient Http = new(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
    private static readonly XNamespace Ns = "http://queue.amazonaws.com/doc/2012-11-05/";

    private async Task<(XDocument Doc, Outcome? Error)> Call(string action, params (string Key, string Value)[] parameters)
    {
        var form = string.Join("&", new[] { ("Action", action), ("Version", "2012-11-05") }.Concat(parameters)
            .Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        using var req = SignedRequests.Post(endpoint, Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded; charset=utf-8",
            accessKey, "secret-" + accessKey);
        using var res = await Http.SendAsync(req);
        var doc = XDocument.Parse(await res.Content.ReadAsStringAsync());
        if (res.StatusCode != HttpStatusCode.OK)
        {
            var error = doc.Root!.Element(Ns + "Error")!;
            return (doc, new Outcome(false, error.Element(Ns + "Code")!.Value, (int)res.StatusCode, error.Element(Ns + "Message")!.Value, new Dictionary<string, string>()));
        }

        return (doc, null);
    }

    public async Task<Outcome> SendMessage(string queueUrl, string body)
    {
        var (doc, error) = await Call("SendMessage", ("QueueUrl", queueUrl), ("MessageBody", body));
        return error ?? Outcome.Success(new() { ["MessageId"] = doc.Descendants(Ns + "MessageId").Single().Value });
    }

    public async Task<Outcome> ReceiveMessage(string queueUrl)
    {
        var (doc, error) = await Call("ReceiveMessage", ("QueueUrl", queueUrl), ("AttributeName.1", "SenderId"));
        if (error is not null)
        {
            return error;
        }

        var m = doc.Descendants(Ns + "Message").FirstOrDefault();
        return Outcome.Success(m is null ? [] : new()
        {
            ["Body"] = m.Element(Ns + "Body")!.Value,
            ["SenderId"] = m.Elements(Ns + "Attribute").Single(a => a.Element(Ns + "Name")!.Value == "SenderId").Element(Ns + "Value")!.Value,
        });
    }

    public async Task<Outcome> GetQueueAttributes(string queueUrl, params string[] names)
    {
        var (doc, error) = await Call("GetQueueAttributes", [("QueueUrl", queueUrl), .. names.Select((n, i) => ($"AttributeName.{i + 1}", n))]);
        return error ?? Outcome.Success(doc.Descendants(Ns + "Attribute").ToDictionary(a => a.Element(Ns + "Name")!.Value, a => a.Element(Ns + "Value")!.Value));
    }

    public async Task<Outcome> SetQueueAttributes(string queueUrl, string name, string value) =>
        (await Call("SetQueueAttributes", ("QueueUrl", queueUrl), ("Attribute.1.Name", name), ("Attribute.1.Value", value))).Error ?? Outcome.Success();

    public async Task<Outcome> ListQueues()
    {
        var (doc, error) = await Call("ListQueues");
        return error ?? Outcome.Success(new() { ["Count"] = doc.Descendants(Ns + "QueueUrl").Count().ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public async Task<Outcome> DeleteQueue(string queueUrl) => (await Call("DeleteQueue", ("QueueUrl", queueUrl))).Error ?? Outcome.Success();
}

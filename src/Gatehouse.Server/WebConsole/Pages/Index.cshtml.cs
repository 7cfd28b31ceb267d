using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>
/// The queue list, as the SQS console builds it: <c>sqs:ListQueues</c>, then <c>sqs:GetQueueAttributes</c> for each
/// queue's counts (AWS SQS Developer Guide, "Amazon SQS console permissions"). A refused ListQueues shows the
/// not-authorized state instead of the list; a refused GetQueueAttributes shows the queue without counts.
/// </summary>
public sealed class IndexModel : ConsolePage
{
    public sealed record Row(string Url, string Name, IReadOnlyDictionary<string, string>? Attributes, Refusal? Refusal);

    public Refusal? ListRefusal { get; private set; }

    public IReadOnlyList<Row> Queues { get; private set; } = [];

    public Refusal? ActionRefusal { get; private set; }

    public string? Created { get; private set; }

    [BindProperty]
    public string? QueueName { get; set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync()
    {
        var name = (QueueName ?? "").Trim();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (name.EndsWith(".fifo", StringComparison.Ordinal))
        {
            attributes["FifoQueue"] = "true";
        }

        var result = await Api.SqsAsync(Session, "CreateQueue", new { QueueName = name, Attributes = attributes }, Aborted);
        if (result.Ok)
        {
            Created = result.Json.GetProperty("QueueUrl").GetString();
        }
        else
        {
            ActionRefusal = Refused("sqs:CreateQueue", result);
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var list = await Api.SqsAsync(Session, "ListQueues", new { MaxResults = 1000 }, Aborted);
        if (!list.Ok)
        {
            ListRefusal = Refused("sqs:ListQueues", list);
            return;
        }

        var urls = list.Json.TryGetProperty("QueueUrls", out var u) ? u.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
        var rows = new List<Row>();
        foreach (var url in urls)
        {
            var attributes = await Api.SqsAsync(Session, "GetQueueAttributes", new
            {
                QueueUrl = url,
                AttributeNames = new[] { "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed", "QueueArn" },
            }, Aborted);
            rows.Add(attributes.Ok
                ? new Row(url, QueueNameOf(url), Attributes(attributes), null)
                : new Row(url, QueueNameOf(url), null, Refused("sqs:GetQueueAttributes", attributes)));
        }

        Queues = rows;
    }

    internal static string QueueNameOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    internal static Dictionary<string, string> Attributes(ApiResult result) =>
        result.Json.TryGetProperty("Attributes", out var a)
            ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
            : [];
}

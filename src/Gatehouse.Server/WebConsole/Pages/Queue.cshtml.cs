using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>
/// One queue: attributes (redrive, encryption), tags, the access policy editor with the linter's findings, send
/// and poll, purge and delete (each confirmed by typing the queue's name) and DLQ redrive. Every part is a real
/// SQS (or diagnostics) call as the signed-in principal; each refusal is shown with its link to why.
/// </summary>
public sealed class QueueModel : ConsolePage
{
    public sealed record Message(string MessageId, string Body, string ReceiptHandle, string? ReceiveCount);

    [BindProperty(SupportsGet = true)]
    public string QueueUrl { get; set; } = "";

    [BindProperty]
    public string? MessageBody { get; set; }

    [BindProperty]
    public string? Policy { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    [BindProperty]
    public string? Handle { get; set; }

    public string Name => IndexModel.QueueNameOf(QueueUrl);

    public IReadOnlyDictionary<string, string> Details { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> TagList { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<Message> Received { get; private set; } = [];

    public IReadOnlyList<string> DeadLetterSources { get; private set; } = [];

    public IReadOnlyList<JsonElement> MoveTasks { get; private set; } = [];

    public IReadOnlyList<JsonElement> Findings { get; private set; } = [];

    /// <summary>Refusals and errors of the reads that build the page, by what was read.</summary>
    public List<Refusal> ReadRefusals { get; } = [];

    /// <summary>The refusal or error of the action just posted.</summary>
    public Refusal? ActionRefusal { get; private set; }

    public string? Done { get; private set; }

    public bool Polled { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostSendAsync()
    {
        await ActAsync("sqs:SendMessage", "SendMessage", new { QueueUrl = QueueUrl, MessageBody = MessageBody ?? "" },
            r => $"Sent message {r.Json.GetProperty("MessageId").GetString()}.");
        return await PageAsync();
    }

    public async Task<IActionResult> OnPostPollAsync()
    {
        Polled = true;
        var result = await Api.SqsAsync(Session, "ReceiveMessage", new
        {
            QueueUrl = QueueUrl,
            MaxNumberOfMessages = 10,
            WaitTimeSeconds = 1,
            MessageSystemAttributeNames = new[] { "ApproximateReceiveCount" },
        }, Aborted);
        if (result.Ok)
        {
            Received = result.Json.TryGetProperty("Messages", out var m)
                ? [.. m.EnumerateArray().Select(e => new Message(e.GetProperty("MessageId").GetString()!, e.GetProperty("Body").GetString()!,
                    e.GetProperty("ReceiptHandle").GetString()!,
                    e.TryGetProperty("Attributes", out var a) && a.TryGetProperty("ApproximateReceiveCount", out var c) ? c.GetString() : null))]
                : [];
        }
        else
        {
            ActionRefusal = Refused("sqs:ReceiveMessage", result);
        }

        return await PageAsync();
    }

    public async Task<IActionResult> OnPostDeleteMessageAsync()
    {
        await ActAsync("sqs:DeleteMessage", "DeleteMessage", new { QueueUrl = QueueUrl, ReceiptHandle = Handle ?? "" }, _ => "Deleted the message.");
        return await PageAsync();
    }

    public async Task<IActionResult> OnPostPolicyAsync()
    {
        var policy = (Policy ?? "").Trim();
        await ActAsync("sqs:SetQueueAttributes", "SetQueueAttributes", new { QueueUrl = QueueUrl, Attributes = new Dictionary<string, string> { ["Policy"] = policy } },
            _ => policy.Length == 0 ? "Removed the access policy." : "Saved the access policy.");
        return await PageAsync();
    }

    public async Task<IActionResult> OnPostPurgeAsync()
    {
        if (!Confirmed("purge"))
        {
            return await PageAsync();
        }

        await ActAsync("sqs:PurgeQueue", "PurgeQueue", new { QueueUrl = QueueUrl }, _ => "Purging the queue: its messages are being deleted.");
        return await PageAsync();
    }

    public async Task<IActionResult> OnPostDeleteQueueAsync()
    {
        if (!Confirmed(Name))
        {
            return await PageAsync();
        }

        var result = await Api.SqsAsync(Session, "DeleteQueue", new { QueueUrl = QueueUrl }, Aborted);
        if (result.Ok)
        {
            return RedirectToPage("/Index");
        }

        ActionRefusal = Refused("sqs:DeleteQueue", result);
        return await PageAsync();
    }

    public async Task<IActionResult> OnPostRedriveAsync()
    {
        var arn = await QueueArnAsync();
        await ActAsync("sqs:StartMessageMoveTask", "StartMessageMoveTask", new { SourceArn = arn ?? "" },
            r => $"Started a DLQ redrive (move task {r.Json.GetProperty("TaskHandle").GetString()?[..12]}…) back to the source queues.");
        return await PageAsync();
    }

    private bool Confirmed(string expected)
    {
        if (string.Equals(Confirm?.Trim(), expected, StringComparison.Ordinal))
        {
            return true;
        }

        Done = null;
        ConfirmError = $"Type {expected} to confirm.";
        return false;
    }

    public string? ConfirmError { get; private set; }

    private async Task ActAsync(string permission, string action, object request, Func<ApiResult, string> done)
    {
        var result = await Api.SqsAsync(Session, action, request, Aborted);
        if (result.Ok)
        {
            Done = done(result);
        }
        else
        {
            ActionRefusal = Refused(permission, result);
        }
    }

    private async Task<IActionResult> PageAsync()
    {
        await LoadAsync();
        return Page();
    }

    private async Task<string?> QueueArnAsync()
    {
        var result = await Api.SqsAsync(Session, "GetQueueAttributes", new { QueueUrl = QueueUrl, AttributeNames = new[] { "QueueArn" } }, Aborted);
        return result.Ok ? IndexModel.Attributes(result).GetValueOrDefault("QueueArn") : null;
    }

    private async Task LoadAsync()
    {
        var attributes = await Api.SqsAsync(Session, "GetQueueAttributes", new { QueueUrl = QueueUrl, AttributeNames = new[] { "All" } }, Aborted);
        if (attributes.Ok)
        {
            Details = IndexModel.Attributes(attributes);
            if (Policy is null && Details.TryGetValue("Policy", out var policy))
            {
                Policy = Pretty(policy);
            }
        }
        else
        {
            ReadRefusals.Add(Refused("sqs:GetQueueAttributes", attributes));
            // A policy that denies everyone still lets the queue owner's root user read (and replace) the policy
            // alone (docs/architecture.md): ask for just that, so the editor can show it.
            var policyOnly = await Api.SqsAsync(Session, "GetQueueAttributes", new { QueueUrl, AttributeNames = new[] { "Policy" } }, Aborted);
            if (policyOnly.Ok && Policy is null && IndexModel.Attributes(policyOnly).TryGetValue("Policy", out var lockedPolicy))
            {
                Policy = Pretty(lockedPolicy);
            }
        }

        var tags = await Api.SqsAsync(Session, "ListQueueTags", new { QueueUrl = QueueUrl }, Aborted);
        if (tags.Ok)
        {
            TagList = tags.Json.TryGetProperty("Tags", out var t) ? t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal) : [];
        }
        else
        {
            ReadRefusals.Add(Refused("sqs:ListQueueTags", tags));
        }

        var sources = await Api.SqsAsync(Session, "ListDeadLetterSourceQueues", new { QueueUrl = QueueUrl }, Aborted);
        if (sources.Ok && sources.Json.TryGetProperty("queueUrls", out var s))
        {
            DeadLetterSources = [.. s.EnumerateArray().Select(e => e.GetString()!)];
        }

        if (DeadLetterSources.Count > 0 && Details.GetValueOrDefault("QueueArn") is { } arn)
        {
            var tasks = await Api.SqsAsync(Session, "ListMessageMoveTasks", new { SourceArn = arn }, Aborted);
            if (tasks.Ok && tasks.Json.TryGetProperty("Results", out var r))
            {
                MoveTasks = [.. r.EnumerateArray()];
            }
        }

        var lint = await Api.AdminAsync(Session, "lint", [new("queue", QueueUrl)], Aborted);
        if (lint.Ok && lint.Json.TryGetProperty("findings", out var f))
        {
            Findings = [.. f.EnumerateArray()];
        }
        else if (!lint.Ok)
        {
            ReadRefusals.Add(Refused("gatehouse:LintPolicies", lint));
        }
    }

    private static string Pretty(string json)
    {
        try
        {
            return JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, WhyModel.Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}

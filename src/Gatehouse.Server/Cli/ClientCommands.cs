using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.SigV4;

namespace Gatehouse.Server.Cli;

/// <summary>Commands that ask a running server, through its signed and authorized diagnostics API
/// (<c>gatehouse:ListQueueStats</c>, <c>gatehouse:PeekMessages</c>; docs/operations.md).</summary>
internal static class ClientCommands
{
    public static IEnumerable<Command> Create(Func<string, string?> env, TextWriter stdout, TextWriter stderr)
    {
        var queues = new Command("queues", "List every queue of a running server: visible, in-flight and delayed messages, age of the oldest.");
        AddConnection(queues);
        queues.SetAction(async (r, ct) =>
        {
            var (code, doc) = await CallAsync(r, env, stderr, "/_gatehouse/queues", ct);
            if (doc is null)
            {
                return code;
            }

            if (r.GetValue<bool>("--json"))
            {
                await stdout.WriteLineAsync(doc.RootElement.GetRawText());
                return ExitCodes.Ok;
            }

            await stdout.WriteLineAsync($"{"ACCOUNT",-13} {"REGION",-15} {"QUEUE",-40} {"VISIBLE",8} {"IN-FLIGHT",9} {"DELAYED",8} {"OLDEST",8}");
            foreach (var q in doc.RootElement.GetProperty("queues").EnumerateArray())
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{Str(q, "account"),-13} {Str(q, "region"),-15} {Str(q, "name"),-40} {Num(q, "visible"),8} {Num(q, "inFlight"),9} {Num(q, "delayed"),8} {Age(q),8}"));
            }

            return ExitCodes.Ok;
        });

        var peek = new Command("peek", "Show a queue's messages without receiving them (their visibility does not change).");
        var queue = new Argument<string>("queue") { Description = "queue name (in --account and --region) or queue URL" };
        peek.Arguments.Add(queue);
        peek.Options.Add(new Option<int>("--max") { Description = "how many messages, oldest first", DefaultValueFactory = _ => 10 });
        peek.Options.Add(new Option<string>("--account") { Description = "account of the queue [default: the server's management account]" });
        AddConnection(peek);
        peek.SetAction(async (r, ct) =>
        {
            var query = "queue=" + Uri.EscapeDataString(r.GetValue(queue)!) + "&max=" + r.GetValue<int>("--max").ToString(CultureInfo.InvariantCulture)
                + (r.GetValue<string>("--account") is { } account ? "&account=" + Uri.EscapeDataString(account) : "");
            var (code, doc) = await CallAsync(r, env, stderr, "/_gatehouse/peek?" + query, ct);
            if (doc is null)
            {
                return code;
            }

            var root = doc.RootElement;
            if (r.GetValue<bool>("--json"))
            {
                await stdout.WriteLineAsync(root.GetRawText());
                return ExitCodes.Ok;
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{Str(root, "name")} ({Str(root, "account")}, {Str(root, "region")}): {Num(root, "visible")} visible, {Num(root, "inFlight")} in flight, {Num(root, "delayed")} delayed, oldest {Age(root)}"));
            foreach (var m in root.GetProperty("messages").EnumerateArray())
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{Str(m, "messageId")}  {Str(m, "state"),-9} sent {Str(m, "sent")}  received {Num(m, "receiveCount")}x  {Str(m, "body")}"));
                if (m.TryGetProperty("messageGroupId", out var group))
                {
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"    group {group.GetString()}  sequence {Str(m, "sequenceNumber")}  deduplication id {Str(m, "messageDeduplicationId")}"));
                }

                if (m.TryGetProperty("messageAttributes", out var attributes))
                {
                    foreach (var a in attributes.EnumerateObject())
                    {
                        var value = a.Value.TryGetProperty("stringValue", out var text) ? text.GetString()
                            : a.Value.TryGetProperty("binaryValue", out var binary) ? "(base64) " + binary.GetString()
                            : a.Value.TryGetProperty("stringListValues", out var list) ? list.GetRawText() : "";
                        await stdout.WriteLineAsync($"    {a.Name} ({Str(a.Value, "dataType")}): {value}");
                    }
                }
            }

            return ExitCodes.Ok;
        });
        return [queues, peek];
    }

    private static void AddConnection(Command command)
    {
        command.Options.Add(new Option<string>("--endpoint") { Description = "the server [default: http://127.0.0.1:4566] [env: GATEHOUSE_ENDPOINT, AWS_ENDPOINT_URL]" });
        command.Options.Add(new Option<string>("--region") { Description = "region [default: us-east-1] [env: AWS_REGION, AWS_DEFAULT_REGION]" });
        command.Options.Add(new Option<bool>("--json") { Description = "print the server's JSON answer" });
    }

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static long Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static string Age(JsonElement e) =>
        e.TryGetProperty("oldestAgeSeconds", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64().ToString(CultureInfo.InvariantCulture) + "s" : "-";

    /// <summary>A SigV4-signed GET (signing name <c>gatehouse</c>) with the credentials of the AWS environment
    /// variables (default <c>test</c>/<c>test</c>, the default root key).</summary>
    private static async Task<(int Code, JsonDocument? Doc)> CallAsync(ParseResult r, Func<string, string?> env, TextWriter stderr, string pathAndQuery, CancellationToken ct)
    {
        var endpoint = (r.GetValue<string>("--endpoint") ?? env("GATEHOUSE_ENDPOINT") ?? env("AWS_ENDPOINT_URL") ?? "http://127.0.0.1:4566").TrimEnd('/');
        var region = r.GetValue<string>("--region") ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1";
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            await stderr.WriteLineAsync($"gatehouse: --endpoint must be a URL (got '{endpoint}')");
            return (ExitCodes.Usage, null);
        }

        var accessKey = env("AWS_ACCESS_KEY_ID") ?? "test";
        var secret = env("AWS_SECRET_ACCESS_KEY") ?? "test";
        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var headers = new SigV4Headers().Add("Host", uri.Authority);
        var signature = SigV4Signer.Sign(
            new SigV4Request { Method = "GET", RawPath = q < 0 ? pathAndQuery : pathAndQuery[..q], RawQuery = q < 0 ? "" : pathAndQuery[(q + 1)..], Headers = headers },
            new SigV4SigningCredentials(accessKey, secret, env("AWS_SESSION_TOKEN")), region, "gatehouse", TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint + pathAndQuery);
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var doc = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
            if (!response.IsSuccessStatusCode)
            {
                var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString()
                    : doc.RootElement.TryGetProperty("Message", out var m2) ? m2.GetString() : body;
                await stderr.WriteLineAsync($"gatehouse: {endpoint} answered {(int)response.StatusCode}: {message}");
                doc.Dispose();
                return (ExitCodes.Unavailable, null);
            }

            return (ExitCodes.Ok, doc);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await stderr.WriteLineAsync($"gatehouse: cannot reach {endpoint}: {ex.Message} (is the server running? see --endpoint)");
            return (ExitCodes.Unavailable, null);
        }
    }
}

using System.Globalization;
using System.Text.Json;

namespace Gatehouse.Services.Sqs;

/// <summary>The parsed <c>RedrivePolicy</c> attribute: where messages go after too many receives.</summary>
public sealed record RedrivePolicy(string DeadLetterTargetArn, int MaxReceiveCount)
{
    /// <summary>The policy as SQS stores and shows it: <c>{"deadLetterTargetArn":"…","maxReceiveCount":N}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("deadLetterTargetArn", DeadLetterTargetArn);
            w.WriteNumber("maxReceiveCount", MaxReceiveCount);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses a stored (already validated) policy; null when it is not usable.</summary>
    public static RedrivePolicy? TryParse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("deadLetterTargetArn", out var arn) || arn.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("maxReceiveCount", out var max))
            {
                return null;
            }

            var count = max.ValueKind switch
            {
                JsonValueKind.Number when max.TryGetInt32(out var n) => n,
                JsonValueKind.String when int.TryParse(max.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                _ => -1,
            };
            return count < 1 ? null : new RedrivePolicy(arn.GetString()!, count);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

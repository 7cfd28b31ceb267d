using System.Text.Json;
using Gatehouse.Services.Authorization;

namespace Gatehouse.Server.Admin;

/// <summary>
/// <c>gatehouse suggest-policy</c> on the server: the smallest identity policy that allows what a principal did or
/// was denied, from the decision log: one statement per resource with exactly the actions used there, and for
/// resources of other accounts the queue-policy statement their owner must add too (cross-account access needs
/// both sides, IAM user guide "Cross-account policy evaluation logic").
/// </summary>
internal static class PolicySuggester
{
    public static string Suggest(IReadOnlyList<StoredDecision> decisions, string principal)
    {
        var account = principal.Split(':') is { Length: 6 } p ? p[4] : "";
        var used = decisions
            .Where(d => !d.Action.StartsWith("gatehouse:", StringComparison.Ordinal) && !d.Action.StartsWith("sts:GetCallerIdentity", StringComparison.Ordinal))
            .GroupBy(d => d.Resource, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Resource: g.Key, Actions: g.Select(d => d.Action).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList()))
            .ToList();
        var caller = decisions.Select(d => d.PrincipalArn).FirstOrDefault(a => a is not null) ?? principal;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("principal", caller);
            w.WriteNumber("decisions", decisions.Count);
            w.WriteStartObject("identityPolicy");
            w.WriteString("Version", "2012-10-17");
            w.WriteStartArray("Statement");
            foreach (var (resource, actions) in used)
            {
                Statement(w, null, actions, resource);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("resourcePolicyStatements");
            foreach (var (resource, actions) in used.Where(u => u.Resource.Split(':') is { Length: 6 } r && r[4].Length > 0 && r[4] != account))
            {
                w.WriteStartObject();
                w.WriteString("resource", resource);
                w.WritePropertyName("statement");
                Statement(w, caller, actions, resource);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Statement(Utf8JsonWriter w, string? principal, List<string> actions, string resource)
    {
        w.WriteStartObject();
        w.WriteString("Effect", "Allow");
        if (principal is not null)
        {
            w.WriteStartObject("Principal");
            w.WriteString("AWS", principal);
            w.WriteEndObject();
        }

        if (actions.Count == 1)
        {
            w.WriteString("Action", actions[0]);
        }
        else
        {
            w.WriteStartArray("Action");
            foreach (var a in actions)
            {
                w.WriteStringValue(a);
            }

            w.WriteEndArray();
        }

        w.WriteString("Resource", resource);
        w.WriteEndObject();
    }
}

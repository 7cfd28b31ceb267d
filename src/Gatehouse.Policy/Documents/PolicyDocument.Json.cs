using System.Text.Json;

namespace Gatehouse.Policy;

public sealed partial class PolicyDocument
{
    /// <summary>Canonical JSON (elements in AWS's usual order; single values as strings). Parsing the result gives
    /// the same document.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (Version is not null)
                w.WriteString(nameof(Version), Version);
            if (Id is not null)
                w.WriteString(nameof(Id), Id);
            w.WritePropertyName("Statement");
            if (StatementIsArray || Statements.Count != 1)
            {
                w.WriteStartArray();
                foreach (var s in Statements)
                    WriteStatement(w, s);
                w.WriteEndArray();
            }
            else
                WriteStatement(w, Statements[0]);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A copy of this document with its statements replaced (for what-if evaluation of a suggested fix).</summary>
    public PolicyDocument WithStatements(IEnumerable<PolicyStatement> statements)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (Version is not null)
                w.WriteString(nameof(Version), Version);
            w.WritePropertyName("Statement");
            w.WriteStartArray();
            foreach (var s in statements)
                WriteStatement(w, s);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ParseValid(System.Text.Encoding.UTF8.GetString(stream.ToArray()), Kind, Name);
    }

    /// <summary>One statement as policy JSON.</summary>
    public static string StatementJson(PolicyStatement statement)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WriteStatement(w, statement);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteStatement(Utf8JsonWriter w, PolicyStatement s)
    {
        w.WriteStartObject();
        if (s.Sid is not null)
            w.WriteString("Sid", s.Sid);
        w.WriteString("Effect", s.Effect == PolicyEffect.Allow ? "Allow" : "Deny");
        if (s.Principal is { } p)
        {
            w.WritePropertyName(s.IsNotPrincipal ? "NotPrincipal" : "Principal");
            if (p.IsWildcardString)
                w.WriteStringValue("*");
            else
            {
                w.WriteStartObject();
                WriteList(w, "AWS", p.Aws, omitEmpty: true);
                WriteList(w, "Service", p.Service, omitEmpty: true);
                WriteList(w, "Federated", p.Federated, omitEmpty: true);
                WriteList(w, "CanonicalUser", p.CanonicalUser, omitEmpty: true);
                w.WriteEndObject();
            }
        }
        WriteList(w, s.IsNotAction ? "NotAction" : "Action", s.Actions, omitEmpty: false);
        if (s.HasResourceElement)
            WriteList(w, s.IsNotResource ? "NotResource" : "Resource", s.Resources, omitEmpty: false);
        if (s.Conditions.Count > 0)
        {
            w.WriteStartObject("Condition");
            foreach (var group in s.Conditions.GroupBy(c => c.Operator, StringComparer.Ordinal))
            {
                w.WriteStartObject(group.Key);
                foreach (var c in group)
                    WriteList(w, c.Key, c.Values, omitEmpty: false);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> values, bool omitEmpty)
    {
        if (values.Count == 0 && omitEmpty)
            return;
        if (values.Count == 1)
        {
            w.WriteString(name, values[0]);
            return;
        }
        w.WriteStartArray(name);
        foreach (var v in values)
            w.WriteStringValue(v);
        w.WriteEndArray();
    }
}

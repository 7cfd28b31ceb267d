using System.Globalization;
using System.Text.Json;

namespace Gatehouse.Policy;

/// <summary>Reads the JSON into <see cref="PolicyStatement"/>s, collecting every structural problem with its
/// path. Kind-specific rules are in <see cref="PolicyValidator"/>.</summary>
internal sealed class PolicyParser
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 32,
    };

    private readonly List<PolicyProblem> problems;

    internal PolicyParser(List<PolicyProblem> problems) => this.problems = problems;

    internal string? Version { get; private set; }
    internal bool HasVersion { get; private set; }
    internal string? Id { get; private set; }
    internal bool HasId { get; private set; }
    internal List<PolicyStatement> Statements { get; } = [];
    internal bool StatementIsArray { get; private set; }

    internal bool Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException e)
        {
            Add(PolicyProblemCode.InvalidJson, "$", e.Message);
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Add(PolicyProblemCode.NotAnObject, "$", "the policy must be a JSON object");
                return false;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var hasStatement = false;
            foreach (var p in root.EnumerateObject())
            {
                var path = "$." + p.Name;
                if (!seen.Add(p.Name))
                {
                    Add(PolicyProblemCode.DuplicateKey, path, $"key '{p.Name}' appears more than once");
                    continue;
                }
                switch (p.Name)
                {
                    case "Version":
                        HasVersion = true;
                        Version = ReadString(p.Value, path);
                        if (Version is not null && Version is not (PolicyDocument.Version2008 or PolicyDocument.Version2012))
                            Add(PolicyProblemCode.InvalidVersion, path, $"'{Version}' is not 2008-10-17 or 2012-10-17");
                        break;
                    case "Id":
                        HasId = true;
                        Id = ReadString(p.Value, path);
                        break;
                    case "Statement":
                        hasStatement = true;
                        ReadStatements(p.Value, path);
                        break;
                    default:
                        Add(PolicyProblemCode.UnknownElement, path, $"'{p.Name}' is not a policy element");
                        break;
                }
            }
            if (!hasStatement)
                Add(PolicyProblemCode.MissingStatement, "$", "the policy has no Statement");
        }
        return true;
    }

    private void ReadStatements(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            ReadStatement(value, path);
            return;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(PolicyProblemCode.WrongType, path, "Statement must be an object or an array of objects");
            return;
        }
        StatementIsArray = true;
        if (value.GetArrayLength() == 0)
            Add(PolicyProblemCode.EmptyStatement, path, "Statement must not be empty");
        var i = 0;
        foreach (var s in value.EnumerateArray())
        {
            var sp = $"{path}[{i++}]";
            if (s.ValueKind != JsonValueKind.Object)
                Add(PolicyProblemCode.WrongType, sp, "each statement must be an object");
            else
                ReadStatement(s, sp);
        }
    }

    private void ReadStatement(JsonElement s, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? sid = null;
        PolicyEffect? effect = null;
        PrincipalElement? principal = null;
        var notPrincipal = false;
        List<string>? actions = null, resources = null;
        var notAction = false;
        var notResource = false;
        var conditions = new List<PolicyCondition>();
        foreach (var p in s.EnumerateObject())
        {
            var pp = path + "." + p.Name;
            if (!seen.Add(p.Name))
            {
                Add(PolicyProblemCode.DuplicateKey, pp, $"key '{p.Name}' appears more than once");
                continue;
            }
            switch (p.Name)
            {
                case "Sid":
                    sid = ReadString(p.Value, pp);
                    break;
                case "Effect":
                    var e = ReadString(p.Value, pp);
                    // IAM User Guide, "IAM JSON policy elements: Effect": the value is case-sensitive.
                    if (string.Equals(e, "Allow", StringComparison.Ordinal))
                        effect = PolicyEffect.Allow;
                    else if (string.Equals(e, "Deny", StringComparison.Ordinal))
                        effect = PolicyEffect.Deny;
                    else if (e is not null)
                        Add(PolicyProblemCode.InvalidEffect, pp, $"'{e}' is not Allow or Deny (case-sensitive)");
                    break;
                case "Principal" or "NotPrincipal":
                    if (seen.Contains(p.Name == "Principal" ? "NotPrincipal" : "Principal"))
                        Add(PolicyProblemCode.PrincipalAndNotPrincipal, pp, "a statement has either Principal or NotPrincipal");
                    notPrincipal = p.Name == "NotPrincipal";
                    principal = ReadPrincipal(p.Value, pp);
                    break;
                case "Action" or "NotAction":
                    if (seen.Contains(p.Name == "Action" ? "NotAction" : "Action"))
                        Add(PolicyProblemCode.ActionAndNotAction, pp, "a statement has either Action or NotAction");
                    notAction = p.Name == "NotAction";
                    actions = ReadStringList(p.Value, pp, PolicyProblemCode.EmptyAction);
                    break;
                case "Resource" or "NotResource":
                    if (seen.Contains(p.Name == "Resource" ? "NotResource" : "Resource"))
                        Add(PolicyProblemCode.ResourceAndNotResource, pp, "a statement has either Resource or NotResource");
                    notResource = p.Name == "NotResource";
                    resources = ReadStringList(p.Value, pp, PolicyProblemCode.InvalidResource);
                    break;
                case "Condition":
                    ReadConditions(p.Value, pp, conditions);
                    break;
                default:
                    Add(PolicyProblemCode.UnknownElement, pp, $"'{p.Name}' is not a statement element");
                    break;
            }
        }
        if (effect is null && !seen.Contains("Effect"))
            Add(PolicyProblemCode.MissingEffect, path, "the statement has no Effect");
        if (actions is null && !seen.Contains("Action") && !seen.Contains("NotAction"))
            Add(PolicyProblemCode.MissingAction, path, "the statement has no Action or NotAction");
        Statements.Add(new PolicyStatement
        {
            Sid = sid,
            Effect = effect ?? PolicyEffect.Deny,
            Principal = principal,
            IsNotPrincipal = notPrincipal,
            Actions = actions ?? [],
            IsNotAction = notAction,
            Resources = resources ?? [],
            IsNotResource = notResource,
            HasResourceElement = seen.Contains("Resource") || seen.Contains("NotResource"),
            Conditions = conditions,
        });
        StatementPaths.Add(path);
    }

    internal List<string> StatementPaths { get; } = [];

    private PrincipalElement? ReadPrincipal(JsonElement v, string path)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            if (v.GetString() == "*")
                return new PrincipalElement { IsWildcardString = true };
            Add(PolicyProblemCode.InvalidPrincipal, path, "a string Principal must be \"*\"; use {\"AWS\": ...}");
            return null;
        }
        if (v.ValueKind != JsonValueKind.Object)
        {
            Add(PolicyProblemCode.InvalidPrincipal, path, "Principal must be \"*\" or an object");
            return null;
        }
        List<string>? aws = null, service = null, federated = null, canonical = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            var pp = path + "." + p.Name;
            if (!seen.Add(p.Name))
            {
                Add(PolicyProblemCode.DuplicateKey, pp, $"key '{p.Name}' appears more than once");
                continue;
            }
            var list = ReadStringList(p.Value, pp, PolicyProblemCode.InvalidPrincipal);
            switch (p.Name)
            {
                case "AWS": aws = list; break;
                case "Service": service = list; break;
                case "Federated": federated = list; break;
                case "CanonicalUser": canonical = list; break;
                default:
                    Add(PolicyProblemCode.InvalidPrincipal, pp, $"'{p.Name}' is not a principal type (AWS, Service, Federated, CanonicalUser)");
                    break;
            }
        }
        if (seen.Count == 0)
            Add(PolicyProblemCode.InvalidPrincipal, path, "Principal must name at least one principal");
        return new PrincipalElement { Aws = aws ?? [], Service = service ?? [], Federated = federated ?? [], CanonicalUser = canonical ?? [] };
    }

    private void ReadConditions(JsonElement v, string path, List<PolicyCondition> into)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            Add(PolicyProblemCode.WrongType, path, "Condition must be an object");
            return;
        }
        var seenOps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in v.EnumerateObject())
        {
            var op_path = path + "." + op.Name;
            if (!seenOps.Add(op.Name))
            {
                Add(PolicyProblemCode.DuplicateKey, op_path, $"operator '{op.Name}' appears more than once");
                continue;
            }
            if (op.Value.ValueKind != JsonValueKind.Object)
            {
                Add(PolicyProblemCode.WrongType, op_path, "a condition operator maps keys to values");
                continue;
            }
            var seenKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var k in op.Value.EnumerateObject())
            {
                var kp = op_path + "." + k.Name;
                if (!seenKeys.Add(k.Name))
                {
                    Add(PolicyProblemCode.DuplicateKey, kp, $"condition key '{k.Name}' appears more than once under {op.Name}");
                    continue;
                }
                var values = ReadScalarList(k.Value, kp);
                if (values is not null)
                    into.Add(new PolicyCondition(op.Name, k.Name, values));
            }
        }
    }

    private List<string>? ReadScalarList(JsonElement v, string path)
    {
        if (v.ValueKind == JsonValueKind.Array)
        {
            var list = new List<string>(v.GetArrayLength());
            var i = 0;
            foreach (var e in v.EnumerateArray())
            {
                var s = Scalar(e, $"{path}[{i++}]");
                if (s is not null)
                    list.Add(s);
            }
            if (list.Count == 0)
                Add(PolicyProblemCode.EmptyConditionValue, path, "a condition key needs at least one value");
            return list;
        }
        var one = Scalar(v, path);
        return one is null ? null : [one];
    }

    private string? Scalar(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String: return e.GetString();
            case JsonValueKind.Number: return e.GetRawText();
            case JsonValueKind.True: return "true";
            case JsonValueKind.False: return "false";
            default:
                Add(PolicyProblemCode.WrongType, path, "a condition value must be a string, number or boolean");
                return null;
        }
    }

    private List<string>? ReadStringList(JsonElement v, string path, PolicyProblemCode emptyCode)
    {
        if (v.ValueKind == JsonValueKind.String)
            return [v.GetString()!];
        if (v.ValueKind != JsonValueKind.Array)
        {
            Add(PolicyProblemCode.WrongType, path, "must be a string or an array of strings");
            return null;
        }
        var list = new List<string>(v.GetArrayLength());
        var i = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String)
                list.Add(e.GetString()!);
            else
                Add(PolicyProblemCode.WrongType, $"{path}[{i}]", "must be a string");
            i++;
        }
        if (list.Count == 0 && v.GetArrayLength() == 0)
            Add(emptyCode, path, "must not be an empty array");
        return list;
    }

    private string? ReadString(JsonElement v, string path)
    {
        if (v.ValueKind == JsonValueKind.String)
            return v.GetString();
        Add(PolicyProblemCode.WrongType, path, "must be a string");
        return null;
    }

    private void Add(PolicyProblemCode code, string path, string detail) =>
        problems.Add(new PolicyProblem(code, path, detail));

    internal static string Format(string format, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);
}

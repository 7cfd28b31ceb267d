using System.Globalization;
using System.Text.Json;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Server.World;

/// <summary>
/// Reads a world file into <see cref="WorldSpec"/>, collecting every problem with its JSON path
/// (<c>$.accounts[0].users[1].name: …</c>) rather than stopping at the first (design rule 5, docs/architecture.md). Policy documents are
/// checked with the policy engine and names with IAM's rules, so a file that parses also applies.
/// </summary>
internal sealed partial class WorldParser
{
    private readonly List<string> _problems = [];

    public static WorldSpec Parse(string file, string text)
    {
        var parser = new WorldParser();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new WorldFileException(file, [$"$: not valid JSON: {ex.Message}"]);
        }

        using (doc)
        {
            var spec = parser.Root(doc.RootElement);
            return parser._problems.Count > 0 ? throw new WorldFileException(file, parser._problems) : spec;
        }
    }

    private void Problem(string path, string message) => _problems.Add($"{path}: {message}");

    private bool Object(JsonElement e, string path, params string[] allowed)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem(path, "must be an object");
            return false;
        }

        foreach (var p in e.EnumerateObject())
        {
            if (!allowed.Contains(p.Name, StringComparer.Ordinal))
            {
                Problem($"{path}.{p.Name}", $"unknown property (expected one of: {string.Join(", ", allowed)})");
            }
        }

        return true;
    }

    private string? String(JsonElement parent, string name, string path, bool required = false)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Problem($"{path}.{name}", "is required");
            }

            return null;
        }

        if (e.ValueKind != JsonValueKind.String)
        {
            Problem($"{path}.{name}", "must be a string");
            return null;
        }

        return e.GetString();
    }

    private int? Int(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var v))
        {
            Problem($"{path}.{name}", "must be an integer");
            return null;
        }

        return v;
    }

    private IEnumerable<(JsonElement Item, string Path)> Array(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            yield break;
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            Problem($"{path}.{name}", "must be an array");
            yield break;
        }

        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            yield return (item, string.Create(CultureInfo.InvariantCulture, $"{path}.{name}[{i++}]"));
        }
    }

    private List<KeyValuePair<string, string>> StringMap(JsonElement parent, string name, string path)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem($"{path}.{name}", "must be an object of strings");
            return result;
        }

        foreach (var p in e.EnumerateObject())
        {
            var value = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                _ => null,
            };
            if (value is null)
            {
                Problem($"{path}.{name}.{p.Name}", "must be a string, number or boolean");
                continue;
            }

            result.Add(new(p.Name, value));
        }

        return result;
    }

    /// <summary>A policy document: a JSON object, or a string holding one; checked with the policy engine.</summary>
    private WorldDocument? Document(JsonElement parent, string name, string path, PolicyKind kind, bool required)
    {
        var at = $"{path}.{name}";
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Problem(at, "is required");
            }

            return null;
        }

        var json = e.ValueKind switch
        {
            JsonValueKind.Object => e.GetRawText(),
            JsonValueKind.String => e.GetString()!,
            _ => null,
        };
        if (json is null)
        {
            Problem(at, "must be a policy document (an object, or a string holding one)");
            return null;
        }

        var parsed = PolicyDocument.Parse(json, kind);
        if (!parsed.IsValid)
        {
            var first = parsed.Problems[0];
            var error = kind switch
            {
                PolicyKind.QueuePolicy => PolicyErrors.ForSqs(parsed.Problems),
                PolicyKind.ServiceControlPolicy or PolicyKind.ResourceControlPolicy => PolicyErrors.ForOrganizations(parsed.Problems),
                _ => PolicyErrors.ForIam(parsed.Problems, kind),
            };
            Problem(at + first.Path.TrimStart('$'), $"{error?.Code}: {error?.Message} ({first.Code}{(first.Detail is null ? "" : ": " + first.Detail)})");
            return null;
        }

        return new WorldDocument(at, json);
    }

    private string? Name(JsonElement parent, string path, string member, int max)
    {
        var name = String(parent, "name", path, required: true);
        return name is null ? null : Check(() => IamValidation.Name(name, member, max), $"{path}.name") ? name : null;
    }

    private string IamPath(JsonElement parent, string path)
    {
        var value = String(parent, "path", path) ?? "/";
        Check(() => IamValidation.Path(value), $"{path}.path");
        return value;
    }

    private bool Check(Action validate, string path)
    {
        try
        {
            validate();
            return true;
        }
        catch (AwsErrorException ex)
        {
            Problem(path, ex.Error.Message);
            return false;
        }
    }
}

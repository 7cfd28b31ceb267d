using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gatehouse.Policy.Tests;

/// <summary>Loads the JSON case files in Cases/ (evaluation cases and validation cases).</summary>
public static class CaseCorpus
{
    private static readonly Lazy<Dictionary<string, JsonObject>> All = new(Load);

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Cases");

    private static Dictionary<string, JsonObject> Load()
    {
        var cases = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            var array = JsonNode.Parse(File.ReadAllText(file))!.AsArray();
            foreach (var node in array)
            {
                var c = node!.AsObject();
                var id = Path.GetFileNameWithoutExtension(file) + "/" + (string)c["name"]!;
                if (!cases.TryAdd(id, c))
                    throw new InvalidOperationException("duplicate case name " + id);
            }
        }
        return cases;
    }

    public static IEnumerable<object[]> Ids(string kind) =>
        All.Value.Where(kv => kv.Value.ContainsKey("expect") && (kind == "parse") == kv.Value.ContainsKey("kind"))
            .Select(kv => new object[] { kv.Key });

    public static JsonObject Get(string id) => All.Value[id];

    /// <summary>Every case of every file, by id.</summary>
    public static IReadOnlyDictionary<string, JsonObject> Everything => All.Value;

    public static int Count => All.Value.Count;

    public static string Text(JsonNode node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();

    public static PolicyDocument Policy(JsonNode node, PolicyKind kind, string name)
    {
        var r = PolicyDocument.Parse(Text(node), kind, new PolicyParseOptions { Name = name });
        if (r.Document is null)
            throw new InvalidOperationException($"case policy {name} is invalid: {string.Join("; ", r.Problems)}");
        return r.Document;
    }

    public static T Enum<T>(JsonNode? node, T fallback) where T : struct, System.Enum =>
        node is null ? fallback : System.Enum.Parse<T>((string)node!);

    public static bool Flag(JsonObject o, string key) => o[key] is JsonNode n && n.GetValueKind() == JsonValueKind.True;
}

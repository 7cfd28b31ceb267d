using System.Text.Json.Nodes;
using Xunit;

namespace Gatehouse.Policy.Tests;

/// <summary>The one runner for Cases/*.json evaluation cases (design rule 7, docs/architecture.md).</summary>
public class EvaluationCaseTests
{
    private const string DefaultResource = "arn:aws:sqs:us-east-1:111111111111:q";

    public static IEnumerable<object[]> Cases => CaseCorpus.Ids("eval");

    [Fact]
    public void Every_source_id_a_case_cites_is_explained_in_SOURCES_md()
    {
        var listed = System.Text.RegularExpressions.Regex.Matches(
                File.ReadAllText(Path.Combine(CaseCorpus.Directory, "SOURCES.md")), @"^\| ([DMO]-[A-Z0-9]+) \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("D-EVAL", listed);
        var unexplained = CaseCorpus.Everything
            .SelectMany(kv => System.Text.RegularExpressions.Regex.Matches((string?)kv.Value["source"] ?? "", @"\b[DMO]-[A-Z][A-Z0-9]*\b")
                .Select(m => $"{kv.Key}: {m.Value}"))
            .Where(s => !listed.Contains(s[(s.LastIndexOf(' ') + 1)..]))
            .ToList();
        Assert.Empty(unexplained);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string id)
    {
        var c = CaseCorpus.Get(id);
        Assert.False(string.IsNullOrWhiteSpace((string?)c["source"]), "every case names the AWS document it follows");
        var (request, set) = Build(c);
        var result = PolicyEvaluator.Evaluate(request, set);
        var expect = c["expect"]!.AsObject();
        var because = $"{id}: got {result}\n{result.Trace}";
        Assert.True(Enum.Parse<Decision>((string)expect["decision"]!) == result.Decision, because);
        if (expect["type"] is { } type)
            Assert.True(Enum.Parse<PolicyType>((string)type!) == result.DecidingPolicyType, because);
        if (expect["statements"] is JsonArray sids)
        {
            var expected = sids.Select(s => (string)s!).Order(StringComparer.Ordinal).ToArray();
            var actual = result.DecidingStatements.Select(s => s.Sid ?? "").Order(StringComparer.Ordinal).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"{because}\nexpected statements [{string.Join(",", expected)}]");
        }
        if (expect["message"] is { } message)
        {
            var style = CaseCorpus.Enum(expect["style"], AccessDeniedStyle.Sqs);
            Assert.Equal((string)message!, AccessDeniedMessage.Render(request, result, style));
        }
        // The trace must always be buildable and agree with the decision's deciding statements.
        var trace = result.Trace;
        foreach (var s in result.DecidingStatements)
            Assert.Contains(trace.Policies.SelectMany(p => p.Statements), t => t.Matched && t.Statement == s);
    }

    public static (AuthorizationRequest, PolicySet) Build(JsonObject c)
    {
        var principal = BuildPrincipal(c["principal"]!.AsObject());
        var resource = (string?)c["resource"] ?? DefaultResource;
        var resourceAccount = (string?)c["resourceAccount"] ?? resource.Split(':')[4];
        var context = new RequestContext();
        if (c["context"] is JsonObject ctx)
        {
            foreach (var (k, v) in ctx)
            {
                if (v is JsonArray arr)
                    context.SetMany(k, arr.Select(x => CaseCorpus.Text(x!)));
                else
                    context.Set(k, CaseCorpus.Text(v!));
            }
        }
        var request = new AuthorizationRequest(principal, (string)c["action"]!, resource, resourceAccount, context)
        {
            ManagesResourcePolicyOnly = CaseCorpus.Flag(c, "managesResourcePolicyOnly"),
        };
        var resourceKind = CaseCorpus.Enum(c["resourcePolicyKind"], PolicyKind.QueuePolicy);
        var set = new PolicySet
        {
            IdentityPolicies = List(c["identity"], PolicyKind.Identity, "identity"),
            ResourcePolicy = c["resourcePolicy"] is { } rp ? CaseCorpus.Policy(rp, resourceKind, "resource") : null,
            PermissionsBoundary = c["boundary"] is { } pb ? CaseCorpus.Policy(pb, PolicyKind.PermissionsBoundary, "boundary") : null,
            SessionPolicies = List(c["session"], PolicyKind.Session, "session"),
            ServiceControlPolicies = Levels(c["scp"], PolicyKind.ServiceControlPolicy, "scp"),
            ResourceControlPolicies = Levels(c["rcp"], PolicyKind.ResourceControlPolicy, "rcp"),
            VpcEndpointPolicy = c["vpce"] is { } vp ? CaseCorpus.Policy(vp, PolicyKind.VpcEndpointPolicy, "vpce") : null,
            PrincipalAccountIsManagementAccount = CaseCorpus.Flag(c, "principalIsManagement"),
            ResourceAccountIsManagementAccount = CaseCorpus.Flag(c, "resourceIsManagement"),
            ResourceIsAwsManagedKey = CaseCorpus.Flag(c, "awsManagedKey"),
        };
        return (request, set);
    }

    private static List<PolicyDocument> List(JsonNode? node, PolicyKind kind, string name) =>
        node is JsonArray a ? a.Select((p, i) => CaseCorpus.Policy(p!, kind, $"{name}[{i}]")).ToList()
        : node is null ? [] : [CaseCorpus.Policy(node, kind, name)];

    private static List<PolicyLevel> Levels(JsonNode? node, PolicyKind kind, string name) =>
        node is JsonArray levels
            ? levels.Select((l, i) => new PolicyLevel($"{name}-level{i}", List(l, kind, $"{name}[{i}]"))).ToList()
            : [];

    private static RequestPrincipal BuildPrincipal(JsonObject p)
    {
        var type = Enum.Parse<PrincipalType>((string)p["type"]!);
        var principal = type switch
        {
            PrincipalType.Root => RequestPrincipal.Root((string)p["account"]!),
            PrincipalType.User => RequestPrincipal.User((string)p["arn"]!, (string?)p["id"]),
            PrincipalType.AssumedRole => RequestPrincipal.AssumedRole((string)p["roleArn"]!, (string?)p["session"] ?? "s", (string?)p["id"]),
            PrincipalType.FederatedUser => RequestPrincipal.FederatedUser((string)p["account"]!, (string)p["name"]!, (string?)p["creator"]),
            PrincipalType.Anonymous => RequestPrincipal.Anonymous(),
            _ => RequestPrincipal.Service((string)p["service"]!),
        };
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (p["tags"] is JsonObject t)
        {
            foreach (var (k, v) in t)
                tags[k] = (string)v!;
        }
        if (tags.Count > 0)
            principal = principal.WithTags(tags);
        if (CaseCorpus.Flag(p, "serviceLinkedRole"))
            principal = principal.AsServiceLinkedRole();
        if (CaseCorpus.Flag(p, "assumedRoot"))
            principal = principal.AsAssumedRoot();
        return principal;
    }
}

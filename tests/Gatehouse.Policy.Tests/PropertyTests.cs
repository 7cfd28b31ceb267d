using System.Text.Json.Nodes;
using CsCheck;
using Xunit;

namespace Gatehouse.Policy.Tests;

public class PropertyTests
{
    private static Decision Eval(AuthorizationRequest r, Generators.SetSpec s) => PolicyEvaluator.Evaluate(r, s.Build()).Decision;

    [Fact]
    public void Adding_a_deny_never_turns_a_deny_into_an_allow() =>
        Gen.Select(Generators.Set, Generators.Request, Generators.Statement(false, Gen.Const("Added")), Generators.Statement(true, Gen.Const("Added")), Gen.Int[0, 3])
            .Sample((set, request, statement, resourceStatement, where) =>
            {
                var before = Eval(request, set);
                statement["Effect"] = "Deny";
                resourceStatement["Effect"] = "Deny";
                JsonObject target;
                var denyStatement = statement;
                switch (where)
                {
                    case 0 when set.Identity.Count > 0:
                        target = set.Identity[0];
                        break;
                    case 1 when set.Resource is not null:
                        target = set.Resource;
                        denyStatement = resourceStatement;
                        break;
                    case 2 when set.Scp.Count > 0:
                        target = set.Scp[0];
                        break;
                    default:
                        target = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray() };
                        set.Identity.Add(target);
                        break;
                }
                ((JsonArray)target["Statement"]!).Add(denyStatement);
                var after = Eval(request, set);
                return before == Decision.Allow || after != Decision.Allow;
            }, iter: 3000);

    [Fact]
    public void Statement_and_policy_order_do_not_matter() =>
        Gen.Select(Generators.Set, Generators.Request, Gen.Int)
            .Sample((set, request, seed) =>
            {
                var a = PolicyEvaluator.Evaluate(request, set.Build());
                var rng = new Random(seed);
                var shuffled = set with
                {
                    Identity = set.Identity.Select(d => Shuffle(d, rng)).OrderBy(_ => rng.Next()).ToList(),
                    Resource = set.Resource is null ? null : Shuffle(set.Resource, rng),
                    Boundary = set.Boundary is null ? null : Shuffle(set.Boundary, rng),
                    Session = set.Session.Select(d => Shuffle(d, rng)).ToList(),
                    Scp = set.Scp.Select(d => Shuffle(d, rng)).OrderBy(_ => rng.Next()).ToList(),
                };
                var b = PolicyEvaluator.Evaluate(request, shuffled.Build());
                var sa = a.DecidingStatements.Select(s => s.Sid).Order(StringComparer.Ordinal);
                var sb = b.DecidingStatements.Select(s => s.Sid).Order(StringComparer.Ordinal);
                return a.Decision == b.Decision && a.DecidingPolicyType == b.DecidingPolicyType && sa.SequenceEqual(sb);
            }, iter: 2000);

    private static JsonObject Shuffle(JsonObject doc, Random rng)
    {
        var copy = (JsonObject)doc.DeepClone();
        var statements = ((JsonArray)copy["Statement"]!).Select(s => s!.DeepClone()).OrderBy(_ => rng.Next()).ToArray();
        copy["Statement"] = new JsonArray(statements);
        return copy;
    }

    [Fact]
    public void Wildcard_matcher_agrees_with_a_naive_reference() =>
        Gen.Select(Gen.String[Gen.Char["ab*?"], 0, 8], Gen.String[Gen.Char["abAB"], 0, 10], Gen.Bool)
            .Sample((pattern, input, ignoreCase) =>
            {
                var expected = Naive(pattern, 0, input, 0, ignoreCase);
                return Glob.Match(pattern, input, ignoreCase) == expected
                    && new GlobPattern(pattern, ignoreCase).Matches(input) == expected;
            }, iter: 20000);

    /// <summary>Exponential textbook recursion: obviously right, too slow for production.</summary>
    private static bool Naive(string p, int i, string s, int j, bool ignoreCase)
    {
        if (i == p.Length)
            return j == s.Length;
        if (p[i] == '*')
            return Naive(p, i + 1, s, j, ignoreCase) || (j < s.Length && Naive(p, i, s, j + 1, ignoreCase));
        if (j == s.Length)
            return false;
        var same = p[i] == '?' || p[i] == s[j] || (ignoreCase && char.ToUpperInvariant(p[i]) == char.ToUpperInvariant(s[j]));
        return same && Naive(p, i + 1, s, j + 1, ignoreCase);
    }

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"Version\"", "\"2012-10-17\"", "\"Statement\"", "\"Effect\"", "\"Allow\"", "\"Deny\"",
        "\"Action\"", "\"sqs:*\"", "\"Resource\"", "\"*\"", "\"Principal\"", "\"Condition\"", "\"StringEquals\"", "\"aws:UserAgent\"",
        "\"NotAction\"", "\"IpAddress\"", "\"aws:SourceIp\"", "\"10.0.0.0/8\"", "\"${aws:username}\"", "1", "true", "null", "\"AWS\"",
        "\"Null\"", "\"ForAllValues:StringLike\"", "\"arn:aws:sqs:*:*:q\"",
    ];

    [Fact]
    public void Parser_and_evaluator_never_throw_on_generated_documents() =>
        Gen.Select(Gen.Int[0, Fragments.Length - 1].Array[0, 40], Generators.Document(true), Generators.Request, Gen.Enum<PolicyKind>(), Gen.Int[0, 6])
            .Sample((fragments, doc, request, kind, mutation) =>
            {
                // Random token soup, and well-formed documents with one element broken.
                var soup = string.Concat(fragments.Select(f => Fragments[f]));
                _ = PolicyDocument.Parse(soup, kind);
                var statement = (JsonObject)((JsonArray)doc["Statement"]!)[0]!;
                switch (mutation)
                {
                    case 0: statement["Effect"] = "allow"; break;
                    case 1: statement.Remove("Action"); break;
                    case 2: statement["Condition"] = new JsonObject { ["Bogus"] = new JsonObject { ["k"] = "v" } }; break;
                    case 3: statement["Resource"] = new JsonArray(); break;
                    case 4: statement["Principal"] = 5; break;
                }
                foreach (var k in Enum.GetValues<PolicyKind>())
                {
                    var parsed = PolicyDocument.Parse(doc.ToJsonString(), k);
                    _ = PolicyErrors.ForIam(parsed.Problems, k);
                    _ = PolicyErrors.ForSqs(parsed.Problems);
                    _ = PolicyErrors.ForKms(parsed.Problems);
                    _ = PolicyErrors.ForOrganizations(parsed.Problems);
                    if (parsed.Document is null)
                        continue;
                    var set = k == PolicyKind.Identity ? new PolicySet { IdentityPolicies = [parsed.Document] } : new PolicySet { ResourcePolicy = parsed.Document };
                    var result = PolicyEvaluator.Evaluate(request, set);
                    _ = result.Trace;
                    _ = AccessDeniedMessage.Render(request, result, AccessDeniedStyle.Sqs);
                }
            }, iter: 500);

    [Fact]
    public void Parse_serialize_parse_is_the_identity() =>
        Gen.Select(Generators.Document(true), Generators.Request).Sample((doc, request) =>
        {
            var first = PolicyDocument.Parse(doc.ToJsonString(), PolicyKind.QueuePolicy).Document!;
            var json = first.ToJson();
            var second = PolicyDocument.Parse(json, PolicyKind.QueuePolicy).Document!;
            var sameModel = second.Version == first.Version && second.Statements.Count == first.Statements.Count
                && first.Statements.Zip(second.Statements).All(p => Same(p.First, p.Second));
            var sameDecision = PolicyEvaluator.Evaluate(request, new PolicySet { ResourcePolicy = first }).Decision
                == PolicyEvaluator.Evaluate(request, new PolicySet { ResourcePolicy = second }).Decision;
            return sameModel && second.ToJson() == json && sameDecision;
        }, iter: 1000);

    private static bool Same(PolicyStatement a, PolicyStatement b) =>
        a.Sid == b.Sid && a.Effect == b.Effect && a.IsNotAction == b.IsNotAction && a.IsNotResource == b.IsNotResource
        && a.IsNotPrincipal == b.IsNotPrincipal && a.Actions.SequenceEqual(b.Actions) && a.Resources.SequenceEqual(b.Resources)
        && a.Conditions.Count == b.Conditions.Count
        && a.Conditions.Zip(b.Conditions).All(p => p.First.Operator == p.Second.Operator && p.First.Key == p.Second.Key && p.First.Values.SequenceEqual(p.Second.Values))
        && (a.Principal is null) == (b.Principal is null)
        && (a.Principal is null || (a.Principal.IsWildcardString == b.Principal!.IsWildcardString && a.Principal.Aws.SequenceEqual(b.Principal.Aws)
            && a.Principal.Service.SequenceEqual(b.Principal.Service)));
}

using System.Text.Json.Nodes;
using CsCheck;

namespace Gatehouse.Policy.Tests;

/// <summary>CsCheck generators over a small vocabulary, so random documents often match random requests.</summary>
public static class Generators
{
    private const string O = "111111111111", X = "222222222222";
    private const string Q = "arn:aws:sqs:us-east-1:111111111111:q";

    private static readonly string[] Actions = ["sqs:SendMessage", "sqs:*", "sqs:Send*", "*", "sqs:ReceiveMessage", "s3:*", "SQS:sendmessage", "sqs:?eceiveMessage"];
    private static readonly string[] Resources = ["*", Q, $"arn:aws:sqs:us-east-1:{O}:*", "arn:aws:sqs:*:*:other", "arn:aws:sqs:us-east-1:111111111111:${aws:username}"];
    private static readonly JsonNode[] Principals =
    [
        JsonValue.Create("*")!, new JsonObject { ["AWS"] = $"arn:aws:iam::{O}:user/alice" }, new JsonObject { ["AWS"] = O },
        new JsonObject { ["AWS"] = X }, new JsonObject { ["AWS"] = $"arn:aws:iam::{O}:role/R" },
        new JsonObject { ["AWS"] = $"arn:aws:sts::{O}:assumed-role/R/s" }, new JsonObject { ["Service"] = "sns.amazonaws.com" },
    ];
    private static readonly (string Op, string Key, string Value)[] Conditions =
    [
        ("StringEquals", "aws:UserAgent", "cli"), ("StringNotEquals", "aws:UserAgent", "cli"), ("StringLike", "aws:UserAgent", "c*"),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8"), ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"), ("Bool", "aws:SecureTransport", "true"),
        ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"), ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
        ("Null", "aws:TokenIssueTime", "true"), ("ForAnyValue:StringEquals", "aws:TagKeys", "env"), ("ForAllValues:StringLike", "aws:TagKeys", "e*"),
        ("StringEqualsIfExists", "aws:PrincipalTag/team", "blue"), ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111111111111:*"),
        ("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}"),
    ];

    public static Gen<JsonObject> Statement(bool withPrincipal, Gen<string> sid) =>
        Gen.Select(Gen.Bool, Gen.Int[0, Actions.Length - 1].Array[1, 3], Gen.Bool.Select(b => b), Gen.Int[0, Resources.Length - 1].Array[1, 2],
            Gen.Int[0, Principals.Length - 1], Gen.Int[-1, Conditions.Length - 1].Array[0, 2], sid)
        .Select((deny, actions, notAction, resources, principal, conditions, s) =>
        {
            var st = new JsonObject { ["Sid"] = s, ["Effect"] = deny ? "Deny" : "Allow" };
            if (withPrincipal)
                st["Principal"] = Principals[principal].DeepClone();
            st[notAction && deny ? "NotAction" : "Action"] = new JsonArray(actions.Distinct().Select(a => (JsonNode)JsonValue.Create(Actions[a])!).ToArray());
            st["Resource"] = new JsonArray(resources.Distinct().Select(r => (JsonNode)JsonValue.Create(Resources[r])!).ToArray());
            var cond = new JsonObject();
            foreach (var c in conditions.Where(c => c >= 0).Distinct())
            {
                var (op, key, value) = Conditions[c];
                if (cond[op] is not JsonObject block)
                    cond[op] = block = new JsonObject();
                block[key] = value;
            }
            if (cond.Count > 0)
                st["Condition"] = cond;
            return st;
        });

    private static int sidCounter;

    private static Gen<string> Sids => Gen.Const(0).Select(_ => "S" + Interlocked.Increment(ref sidCounter));

    public static Gen<JsonObject> Document(bool withPrincipal) =>
        // At most 4 statements × 2 conditions, so one added statement stays within the SQS 10-condition quota.
        Gen.Select(Statement(withPrincipal, Sids).Array[1, 4], Gen.Bool)
            .Select((statements, v2012) => new JsonObject
            {
                ["Version"] = v2012 ? "2012-10-17" : "2008-10-17",
                ["Statement"] = new JsonArray(statements.Select(s => (JsonNode)s).ToArray()),
            });

    public static readonly RequestPrincipal[] Callers =
    [
        RequestPrincipal.User($"arn:aws:iam::{O}:user/alice"), RequestPrincipal.User($"arn:aws:iam::{X}:user/bob"),
        RequestPrincipal.AssumedRole($"arn:aws:iam::{O}:role/R", "s").WithTags(new Dictionary<string, string> { ["team"] = "blue" }),
        RequestPrincipal.Root(O), RequestPrincipal.Anonymous(), RequestPrincipal.Service("sns.amazonaws.com"),
        RequestPrincipal.FederatedUser(O, "fed", $"arn:aws:iam::{O}:user/alice"),
    ];

    private static readonly string[] RequestActions = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteQueue", "s3:GetObject"];

    public static Gen<AuthorizationRequest> Request =>
        Gen.Select(Gen.Int[0, Callers.Length - 1], Gen.Int[0, RequestActions.Length - 1], Gen.Bool, Gen.Bool, Gen.Bool)
            .Select((caller, action, ip, tls, tags) =>
            {
                var ctx = new RequestContext().Set("aws:UserAgent", "cli").Set("aws:SecureTransport", tls)
                    .SetTime(new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero));
                if (ip)
                    ctx.Set("aws:SourceIp", "10.1.2.3");
                if (tags)
                    ctx.SetMany("aws:TagKeys", ["env", "team"]).Set("aws:ResourceTag/team", "blue");
                return new AuthorizationRequest(Callers[caller], RequestActions[action], Q, O, ctx);
            });

    /// <summary>A policy set as JSON documents (so tests can mutate them) plus the flags.</summary>
    public sealed record SetSpec(List<JsonObject> Identity, JsonObject? Resource, JsonObject? Boundary, List<JsonObject> Session, List<JsonObject> Scp)
    {
        public PolicySet Build() => new()
        {
            IdentityPolicies = Identity.Select((d, i) => Parse(d, PolicyKind.Identity, "identity" + i)).ToList(),
            ResourcePolicy = Resource is null ? null : Parse(Resource, PolicyKind.QueuePolicy, "resource"),
            PermissionsBoundary = Boundary is null ? null : Parse(Boundary, PolicyKind.PermissionsBoundary, "boundary"),
            SessionPolicies = Session.Select((d, i) => Parse(d, PolicyKind.Session, "session" + i)).ToList(),
            ServiceControlPolicies = Scp.Count == 0 ? [] : [new PolicyLevel("root", Scp.Select((d, i) => Parse(d, PolicyKind.ServiceControlPolicy, "scp" + i)).ToList())],
        };

        public override string ToString() => string.Join("\n", Identity.Concat(Session).Concat(Scp).Append(Resource ?? []).Append(Boundary ?? []).Select(d => d.ToJsonString()));
    }

    public static PolicyDocument Parse(JsonObject doc, PolicyKind kind, string name)
    {
        var r = PolicyDocument.Parse(doc.ToJsonString(), kind, new PolicyParseOptions { Name = name });
        return r.Document ?? throw new InvalidOperationException(string.Join("; ", r.Problems) + "\n" + doc.ToJsonString());
    }

    public static Gen<SetSpec> Set =>
        Gen.Select(Document(false).List[0, 2], Document(true).Null(), Document(false).Null(), Document(false).List[0, 1], Document(false).List[0, 1])
            .Select((id, res, pb, sess, scp) => new SetSpec(id, res, pb, sess, scp));
}

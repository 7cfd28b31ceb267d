using System.Collections.Immutable;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>A fixed cast of principals with their policies, standing in for the IAM store.</summary>
public sealed class TestIdentities : ICredentialDirectory, IIdentityPolicySource
{
    public const string A = "000000000000";
    public const string B = "111111111111";

    private const string AllowSqs = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""";

    private readonly Dictionary<string, (AccessKeyCredential Key, PrincipalPolicies Policies)> _byKey = new(StringComparer.Ordinal);

    public TestIdentities()
    {
        Add("root-a", Principal.RootOf(A), PrincipalPolicies.None);
        Add("root-b", Principal.RootOf(B), PrincipalPolicies.None);
        Add("alice", User(A, "alice"), PrincipalPolicies.None);
        Add("bob", User(A, "bob"), Policies(AllowSqs));
        Add("carol", User(A, "carol"), Policies(AllowSqs,
            """{"Version":"2012-10-17","Statement":[{"Sid":"NoSend","Effect":"Deny","Action":"sqs:SendMessage","Resource":"*"}]}"""));
        Add("dave", User(A, "dave"), new PrincipalPolicies([new("dave-sqs", AllowSqs)],
            new("boundary", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:GetQueueAttributes"],"Resource":"*"}]}"""), []));
        Add("erin", User(B, "erin"), Policies(AllowSqs));
        Add("frank", User(B, "frank"), PrincipalPolicies.None);
        Add("admin", User(A, "admin"), Policies("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""));
        Add("heidi", User(A, "heidi"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"""));
        Add("ivan", User(A, "ivan"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}"""),
            ImmutableSortedDictionary<string, string>.Empty.Add("team", "orders"));
        Add("judy", User(A, "judy"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["sqs:DeleteQueue","sqs:SendMessage"],"Resource":"*"}]}"""));
        Add("ken", User(A, "ken"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"arn:aws:sqs:us-east-1:000000000000:*"}]}"""));
        Add("leo", User(A, "leo"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"arn:aws:sqs:us-east-1:000000000000:some-queue"}]}"""));
        Add("mallory", User(A, "mallory"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"""));
        Add("nina", User(A, "nina"), Policies(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["team"]}}}]}"""));
        Add("olga", User(A, "olga"), Policies(AllowSqs,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"*","Condition":{"ForAnyValue:StringNotEqualsIfExists":{"aws:SourceVpce":["vpce-1a2b3c4d"]}}}]}"""));
        Add("session", Session(A, "app-role", "AROAAPPROLEEXAMPLE01", "s1"), new PrincipalPolicies([new("role-sqs", AllowSqs)], null, []));
        Add("narrow-session", Session(A, "app-role", "AROAAPPROLEEXAMPLE01", "narrow"), new PrincipalPolicies([new("role-sqs", AllowSqs)], null,
            [new("session-policy", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"*"}]}""")]));
        Add("plain-role-session", Session(A, "plain-role", "AROAPLAINROLEEXAMPL1", "p1"), PrincipalPolicies.None);
    }

    private static PrincipalPolicies Policies(params string[] docs) =>
        new([.. docs.Select((d, i) => new NamedPolicy($"policy-{i}", d))], null, []);

    public static Principal User(string account, string name) => new()
    {
        Kind = PrincipalKind.User,
        AccountId = account,
        Arn = $"arn:aws:iam::{account}:user/{name}",
        PrincipalArn = $"arn:aws:iam::{account}:user/{name}",
        UserId = "AIDA" + name.ToUpperInvariant().PadRight(17, 'X'),
        Name = name,
    };

    public static Principal Session(string account, string role, string roleId, string session) => new()
    {
        Kind = PrincipalKind.AssumedRole,
        AccountId = account,
        Arn = $"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        PrincipalArn = $"arn:aws:iam::{account}:role/{role}",
        UserId = $"{roleId}:{session}",
        Name = session,
    };

    private void Add(string key, Principal principal, PrincipalPolicies policies, ImmutableSortedDictionary<string, string>? tags = null)
    {
        var p = tags is null ? principal : principal with { Tags = tags };
        _byKey[key] = (new AccessKeyCredential(key, "secret-" + key, p), policies);
    }

    public Principal PrincipalOf(string key) => _byKey[key].Key.Principal;

    public ValueTask<AccessKeyCredential?> FindAccessKeyAsync(string accessKeyId, CancellationToken ct = default) =>
        ValueTask.FromResult(_byKey.TryGetValue(accessKeyId, out var e) ? e.Key : null);

    public ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default) =>
        ValueTask.FromResult(_byKey.Values.FirstOrDefault(e => e.Key.Principal.Arn == principal.Arn).Policies ?? PrincipalPolicies.None);
}

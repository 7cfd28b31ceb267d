using Gatehouse.Protocol;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Sts;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Identity.Tests;

/// <summary>Trust-policy evaluation through the one authorizer (as the request pipeline runs it: STS's
/// authorization queries, then the session) and session expiry, with a fake clock.</summary>
public sealed class TrustPolicyTests
{
    private const string Account = "111111111111";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly IdentityRegistry _registry;
    private readonly StsService _sts;
    private readonly Authorizer _authorizer;

    public TrustPolicyTests()
    {
        _registry = new IdentityRegistry(new InMemoryIdentityStore(), new SecretProtector(SecretProtector.NewKey()), _time,
            new IdentityOptions(Account, "root-key", "root-secret"));
        _sts = new StsService(_registry);
        _authorizer = new Authorizer(_registry, new AuthorizerOptions(), _time);
    }

    /// <summary>AssumeRole as the pipeline runs it: every query through the authorizer, then the session.</summary>
    private async Task<AssumeRoleOutput> AssumeAsync(Principal caller, AssumeRoleInput input)
    {
        foreach (var query in _sts.AssumeRoleAuthorization(caller, input))
        {
            if ((await _authorizer.AuthorizeAsync(query)).Refused)
            {
                throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, query.Action, query.ResourceArn));
            }
        }

        return _sts.AssumeRole(caller, input);
    }

    private async Task<Principal> UserAsync(string name)
    {
        _registry.CreateUser(Account, name, "/");
        var key = _registry.CreateAccessKey(Account, name);
        return (await _registry.FindAccessKeyAsync(key.AccessKeyId))!.Principal;
    }

    private static AssumeRoleInput Input(string roleArn, string? externalId = null, int? duration = null) =>
        new(roleArn, "session-1", duration, externalId, null, [], [], [], null);

    [Fact]
    public async Task ExternalId_condition_is_evaluated_by_the_policy_engine()
    {
        var user = await UserAsync("partner");
        var role = _registry.CreateRole(Account, "vendor", "/", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"USER"},"Action":"sts:AssumeRole",
              "Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}
            """.Replace("USER", user.Arn, StringComparison.Ordinal));
        var denied = await Assert.ThrowsAsync<AwsErrorException>(() => AssumeAsync(user, Input(role.Arn)));
        Assert.Equal("AccessDenied", denied.Error.QueryCode);
        Assert.Equal($"User: {user.Arn} is not authorized to perform: sts:AssumeRole on resource: {role.Arn}", denied.Error.Message);
        await Assert.ThrowsAsync<AwsErrorException>(() => AssumeAsync(user, Input(role.Arn, "wrong-id")));
        var ok = await AssumeAsync(user, Input(role.Arn, "ext-123"));
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/vendor/session-1", ok.AssumedRoleArn);
    }

    [Fact]
    public async Task Trust_naming_the_account_needs_an_identity_policy_too()
    {
        var user = await UserAsync("dev");
        var role = _registry.CreateRole(Account, "deploy", "/", $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:root"},"Action":"sts:AssumeRole"}]}
            """);
        await Assert.ThrowsAsync<AwsErrorException>(() => AssumeAsync(user, Input(role.Arn)));
        _registry.PutInlinePolicy(IamEntityKind.User, Account, "dev", "assume", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}
            """);
        Assert.NotNull(await AssumeAsync(user, Input(role.Arn)));
    }

    [Fact]
    public async Task Role_chaining_is_limited_to_one_hour()
    {
        var user = await UserAsync("chain");
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:root"},"Action":"sts:AssumeRole"}]}""";
        _registry.PutInlinePolicy(IamEntityKind.User, Account, "chain", "assume", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""");
        var first = _registry.CreateRole(Account, "first", "/", trust, maxSessionDuration: 43200);
        var second = _registry.CreateRole(Account, "second", "/", trust, maxSessionDuration: 43200);
        _registry.PutInlinePolicy(IamEntityKind.Role, Account, "first", "assume", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""");
        var session = await AssumeAsync(user, Input(first.Arn, duration: 7200));
        var asRole = (await _registry.FindAccessKeyAsync(session.Credentials.AccessKeyId))!.Principal;
        var ex = await Assert.ThrowsAsync<AwsErrorException>(() => AssumeAsync(asRole, Input(second.Arn, duration: 7200)));
        Assert.Equal("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", ex.Error.Message);
        Assert.NotNull(await AssumeAsync(asRole, Input(second.Arn, duration: 3600)));
    }

    [Fact]
    public async Task Temporary_credentials_expire_with_ExpiredToken()
    {
        var user = await UserAsync("temp");
        var issued = _sts.GetSessionToken(user, 900);
        Assert.Equal(_time.GetUtcNow().AddSeconds(900), issued.Expiration);

        var verifier = new Gatehouse.SigV4.SigV4Verifier();
        async Task<Gatehouse.SigV4.SigV4Result> VerifyAsync()
        {
            var body = "Action=GetCallerIdentity&Version=2011-06-15"u8.ToArray();
            var headers = new Dictionary<string, string> { ["host"] = "localhost", ["content-type"] = "application/x-www-form-urlencoded" };
            var unsigned = new Gatehouse.SigV4.SigV4Request { Method = "POST", RawPath = "/", RawQuery = "", Headers = new Headers(headers), Body = body };
            var signature = Gatehouse.SigV4.SigV4Signer.Sign(unsigned, new(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken), "us-east-1", "sts", _time.GetUtcNow());
            foreach (var (k, v) in signature.HeadersToAdd)
            {
                headers[k] = v;
            }

            var signed = new Gatehouse.SigV4.SigV4Request { Method = "POST", RawPath = "/", RawQuery = "", Headers = new Headers(headers), Body = body };
            return await verifier.VerifyAsync(signed, _time.GetUtcNow(), async (id, ct) => await _registry.FindAccessKeyAsync(id, ct) is { } c
                ? new Gatehouse.SigV4.SigV4Credential(c.SecretAccessKey, c.Principal, c.SessionToken, c.Expiration)
                : null, "sts");
        }

        Assert.Equal(Gatehouse.SigV4.SigV4Status.Authenticated, (await VerifyAsync()).Status);
        _time.Advance(TimeSpan.FromSeconds(901));
        var expired = await VerifyAsync();
        Assert.Equal("ExpiredToken", expired.Error!.Code);
        Assert.Equal(403, expired.Error.HttpStatus);
    }

    private sealed class Headers(Dictionary<string, string> values) : Gatehouse.SigV4.ISigV4Headers
    {
        public IReadOnlyList<string?>? GetValues(string name) =>
            values.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv ? [kv.Value] : null;
    }
}

using Gatehouse.Policy;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Tests;

/// <summary>The one authorizer: decision values, and stored policies that no longer parse (fail closed).</summary>
public sealed class AuthorizerTests
{
    private const string Account = "000000000000";
    private const string QueueArn = "arn:aws:sqs:us-east-1:000000000000:orders";
    private const string AllowSqs = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""";

    /// <summary>A policy that parsed when it was stored but not any more (here: cut short).</summary>
    private const string Broken = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:SendMessage","Resource":""";

    private static readonly Principal Alice = new()
    {
        Kind = PrincipalKind.User,
        AccountId = Account,
        Arn = $"arn:aws:iam::{Account}:user/alice",
        UserId = "AIDAALICEEXAMPLE0001",
        Name = "alice",
        PrincipalArn = $"arn:aws:iam::{Account}:user/alice",
    };

    private sealed class Policies(params NamedPolicy[] identity) : IIdentityPolicySource
    {
        public ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default) =>
            ValueTask.FromResult(new PrincipalPolicies(identity, null, []));
    }

    private static Authorizer Authorizer(params NamedPolicy[] identity) => new(new Policies(identity), new AuthorizerOptions(), TimeProvider.System);

    [Fact]
    public async Task A_denial_is_a_value_with_the_aws_message_not_an_exception()
    {
        var decision = await Authorizer().AuthorizeAsync(new AuthorizationQuery("sqs", Alice, "sqs:SendMessage", QueueArn, Account));
        Assert.False(decision.IsAllowed);
        Assert.True(decision.Refused);
        Assert.Equal(Decision.ImplicitDeny, decision.Result.Decision);
        Assert.Equal($"User: {Alice.Arn} is not authorized to perform: sqs:sendmessage on resource: {QueueArn} because no identity-based policy allows the sqs:sendmessage action",
            decision.Message);
    }

    [Fact]
    public async Task An_identity_policy_that_no_longer_parses_denies_and_says_why()
    {
        var authorizer = Authorizer(new NamedPolicy("allow-sqs", AllowSqs), new NamedPolicy("user/alice/inline/broken", Broken));
        var decision = await authorizer.AuthorizeAsync(new AuthorizationQuery("sqs", Alice, "sqs:ReceiveMessage", QueueArn, Account));
        Assert.False(decision.IsAllowed);
        Assert.Equal(Decision.ExplicitDeny, decision.Result.Decision);
        Assert.Contains("with an explicit deny in an identity-based policy", decision.Message, StringComparison.Ordinal);
        var note = Assert.Single(decision.Notes);
        Assert.Contains("user/alice/inline/broken", note, StringComparison.Ordinal);
        Assert.Contains("does not parse", note, StringComparison.Ordinal);
        Assert.Contains(authorizer.Log.Recent(1)[0].Explanation, e => e.Contains("user/alice/inline/broken", StringComparison.Ordinal));

        // Without the broken policy the same request is allowed: the broken one decided.
        Assert.True((await Authorizer(new NamedPolicy("allow-sqs", AllowSqs)).AuthorizeAsync(
            new AuthorizationQuery("sqs", Alice, "sqs:ReceiveMessage", QueueArn, Account))).IsAllowed);
    }

    [Fact]
    public async Task A_queue_policy_that_no_longer_parses_locks_out_all_but_the_root_user_managing_it()
    {
        var authorizer = Authorizer(new NamedPolicy("allow-sqs", AllowSqs));
        var send = await authorizer.AuthorizeAsync(new AuthorizationQuery("sqs", Alice, "sqs:SendMessage", QueueArn, Account, ResourcePolicy: Broken));
        Assert.Equal(Decision.ExplicitDeny, send.Result.Decision);
        Assert.Contains("with an explicit deny in a resource-based policy", send.Message, StringComparison.Ordinal);

        // As with a deny-all queue policy, the account's root user can still read and remove the policy.
        var root = Principal.RootOf(Account);
        var remove = await authorizer.AuthorizeAsync(new AuthorizationQuery("sqs", root, "sqs:SetQueueAttributes", QueueArn, Account,
            ResourcePolicy: Broken, ManagesResourcePolicyOnly: true));
        Assert.True(remove.IsAllowed);
    }

    [Fact]
    public async Task Soft_enforcement_denies_without_refusing()
    {
        var soft = new Authorizer(new Policies(), new AuthorizerOptions { Mode = EnforcementMode.Soft }, TimeProvider.System);
        var decision = await soft.AuthorizeAsync(new AuthorizationQuery("sqs", Alice, "sqs:SendMessage", QueueArn, Account));
        Assert.False(decision.IsAllowed);
        Assert.False(decision.Refused);
        Assert.NotNull(decision.Message);
    }
}

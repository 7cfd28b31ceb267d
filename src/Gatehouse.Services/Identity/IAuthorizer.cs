namespace Gatehouse.Services.Identity;

/// <summary>
/// The one door (design rule 3, docs/architecture.md): every action of every service asks it before doing anything. It gathers
/// the caller's policies and the resource's policy, evaluates them with the policy engine, records the decision,
/// and answers with a <see cref="AuthorizationDecision"/> value; it never throws for a denial. The request
/// pipeline turns a refused decision into the service's AccessDenied error.
/// </summary>
public interface IAuthorizer
{
    Task<AuthorizationDecision> AuthorizeAsync(AuthorizationQuery query, CancellationToken ct = default);
}

/// <summary>The answer to one <see cref="AuthorizationQuery"/>.</summary>
/// <param name="Result">The policy engine's result: decision, deciding policy type and statements, trace.</param>
/// <param name="Refused">The request must be refused: denied while enforcement is on.</param>
/// <param name="Message">AWS's access-denied text for a denial (also when not refused); null when allowed.</param>
/// <param name="Notes">What else the decision rests on, such as a stored policy that no longer parses.</param>
public sealed record AuthorizationDecision(Gatehouse.Policy.AuthorizationResult Result, bool Refused, string? Message, IReadOnlyList<string> Notes)
{
    public bool IsAllowed => Result.IsAllowed;
}

/// <param name="Service">Which service's conventions shape the denial: <c>sqs</c>, <c>iam</c>, <c>sts</c>, <c>kms</c>.</param>
/// <param name="Action">The IAM action, e.g. <c>sqs:SendMessage</c>, <c>iam:CreateUser</c>.</param>
/// <param name="ResourcePolicy">The resource's own policy (queue policy, trust policy, key policy), if any.</param>
/// <param name="ManagesResourcePolicyOnly">The request only reads or removes the resource's policy: the owning
/// account's root user passes a deny-all queue policy for it (SQS Developer Guide: a deny-all queue policy is removed by the account's root user).</param>
/// <param name="Context">Request-specific condition keys (<c>aws:RequestTag/x</c>, <c>aws:TagKeys</c>, …).</param>
/// <param name="ImpliedIdentityPolicy">A grant the service makes itself, evaluated as one more identity policy of the
/// caller (IAM's "allow users to change their own password" setting): boundaries, SCPs and explicit denies still apply,
/// and the decision is recorded like any other.</param>
public sealed record AuthorizationQuery(
    string Service,
    Principal Caller,
    string Action,
    string ResourceArn,
    string ResourceAccount,
    string? ResourcePolicy = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Context = null,
    IReadOnlyDictionary<string, string>? ResourceTags = null,
    RequestFacts? Request = null,
    bool ManagesResourcePolicyOnly = false,
    NamedPolicy? ImpliedIdentityPolicy = null);

/// <summary>Facts about the HTTP request that global condition keys are made of.</summary>
/// <param name="SourceIp"><c>aws:SourceIp</c>: the client address (after trusted proxies).</param>
/// <param name="SecureTransport"><c>aws:SecureTransport</c>: true only over HTTPS.</param>
/// <param name="Region"><c>aws:RequestedRegion</c>: the region of the credential scope.</param>
/// <param name="UserAgent"><c>aws:UserAgent</c>.</param>
/// <param name="RequestId">The request id returned to the client (<c>x-amzn-RequestId</c>), so a decision can be
/// found from an SDK exception.</param>
/// <param name="SourceVpce"><c>aws:SourceVpce</c>: the VPC endpoint the request arrived through, if any (then
/// <see cref="SourceIp"/> is null: AWS sets no <c>aws:SourceIp</c> for requests through an endpoint).</param>
/// <param name="VpcSourceIp"><c>aws:VpcSourceIp</c>: the client's address inside the VPC, for requests through an endpoint.</param>
public sealed record RequestFacts(string? SourceIp, bool SecureTransport, string Region, string? UserAgent = null, string? RequestId = null, string? SourceVpce = null, string? VpcSourceIp = null);

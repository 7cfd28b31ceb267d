using System.Collections.Concurrent;
using Gatehouse.Policy;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Services.Authorization;

/// <summary>
/// The one door: gathers the caller's identity policies, permissions boundary and session policies and the
/// resource's policy, evaluates them with the policy engine, records the decision, and refuses with the service's
/// AccessDenied when enforcement is on. Policy documents are compiled once and cached by their text. When the caller's
/// or the resource's account is in an organization, its SCPs (caller) and RCPs (resource) take part level by level,
/// and the organization condition keys are set (<see cref="IOrganizationPolicySource"/>).
/// </summary>
/// <param name="vpcEndpoints">The endpoints whose policies gate the requests that arrive through them (docs/vpc-endpoints.md).</param>
public sealed class Authorizer(IIdentityPolicySource policies, AuthorizerOptions options, TimeProvider time, IOrganizationPolicySource? organizations = null, IVpcEndpointPolicySource? vpcEndpoints = null) : IAuthorizer
{
    /// <summary>Services whose resources RCPs govern (Organizations user guide, "Resource control policies": the
    /// supported services include Amazon SQS, AWS STS and AWS KMS; IAM and Organizations are not among them).</summary>
    private static readonly HashSet<string> RcpServices = new(StringComparer.Ordinal) { "sqs", "sts", "kms" };

    private const int MaxCachedDocuments = 10_000;

    private static readonly HashSet<string> MultivaluedKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "aws:TagKeys", "sts:TransitiveTagKeys", "aws:PrincipalOrgPaths", "aws:ResourceOrgPaths",
        "kms:EncryptionContextKeys", "kms:GrantOperations", "kms:ResourceAliases",
    };
    private readonly ConcurrentDictionary<(PolicyKind Kind, string Name, string Json), CompiledPolicy> _documents = new();

    public DecisionLog Log { get; } = new(options.DecisionLogSize, options.DecisionStore ?? new InMemoryDecisionStore(), options.DecisionRetention, options.PersistEveryAllowedDecision);

    public EnforcementMode Mode => options.Mode;

    /// <summary>Raised for every denial, enforced or not (soft mode logs these).</summary>
    public event Action<DecisionRecord>? Denied;

    public async Task<AuthorizationDecision> AuthorizeAsync(AuthorizationQuery query, CancellationToken ct = default)
    {
        var (request, set, notes) = await BuildAsync(query, ct);
        var result = PolicyEvaluator.Evaluate(request, set);
        var refused = !result.IsAllowed && options.Mode == EnforcementMode.On;
        string? message = null;
        if (!result.IsAllowed)
        {
            message = options.LegacySqsMessage && query.Service == "sqs"
                ? $"Access to the resource https://sqs.{query.Request?.Region ?? "us-east-1"}.amazonaws.com/ is denied."
                : AccessDeniedMessage.Render(request, result, query.Service switch
                {
                    "sqs" => AccessDeniedStyle.Sqs,
                    "kms" => options.LegacyKmsMessage ? AccessDeniedStyle.KmsLegacy : AccessDeniedStyle.Kms,
                    _ => AccessDeniedStyle.Generic,
                });
        }

        var record = new DecisionRecord(
            time.GetUtcNow(),
            request.Principal.Arn,
            query.Action,
            query.ResourceArn,
            result.Decision,
            result.DecidingPolicyType,
            [.. result.DecidingStatements.Select(s => s.ToString())],
            message,
            refused,
            result.IsAllowed ? notes : [.. notes, .. result.Trace.Steps])
        {
            RequestId = query.Request?.RequestId,
            Result = result,
            Notes = notes,
        };
        Log.Add(record);
        if (!result.IsAllowed)
        {
            Denied?.Invoke(record);
        }

        return new AuthorizationDecision(result, refused, message, notes);
    }

    /// <summary>Evaluates without recording or refusing: for callers that branch on the answer.</summary>
    public async Task<AuthorizationResult> EvaluateAsync(AuthorizationQuery query, CancellationToken ct = default)
    {
        var (request, set, _) = await BuildAsync(query, ct);
        return PolicyEvaluator.Evaluate(request, set);
    }

    private async Task<(AuthorizationRequest Request, PolicySet Set, IReadOnlyList<string> Notes)> BuildAsync(AuthorizationQuery query, CancellationToken ct)
    {
        var principal = ToRequestPrincipal(query.Caller);
        var context = new RequestContext().SetTime(time.GetUtcNow());
        if (query.Request is { } facts)
        {
            if (facts.SourceIp is not null)
            {
                context.Set("aws:SourceIp", facts.SourceIp);
            }

            context.Set("aws:SecureTransport", facts.SecureTransport);
            context.Set("aws:RequestedRegion", facts.Region);
            if (facts.UserAgent is not null)
            {
                context.Set("aws:UserAgent", facts.UserAgent);
            }

            if (facts.SourceVpce is not null)
            {
                context.Set("aws:SourceVpce", facts.SourceVpce);
            }

            if (facts.VpcSourceIp is not null)
            {
                context.Set("aws:VpcSourceIp", facts.VpcSourceIp);
            }
        }

        if (query.Caller.TokenIssueTime is { } issued)
        {
            context.Set("aws:TokenIssueTime", issued.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in query.ResourceTags ?? new Dictionary<string, string>())
        {
            context.Set("aws:ResourceTag/" + key, value);
        }

        foreach (var (key, values) in query.Context ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            // Only the tag-key lists are multivalued; a single-valued key set as a list would never match a plain
            // StringEquals (sts:ExternalId, aws:RequestTag/x).
            if (MultivaluedKeys.Contains(key))
            {
                context.SetMany(key, values);
            }
            else if (values.Count > 0)
            {
                context.Set(key, values[0]);
            }
        }

        // The organizations of the caller's and of the resource's account (global condition keys reference:
        // aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:ResourceOrgID, aws:ResourceOrgPaths).
        var principalOrg = query.Caller.Kind == PrincipalKind.Anonymous ? null : organizations?.ForAccount(query.Caller.AccountId);
        var resourceOrg = organizations?.ForAccount(query.ResourceAccount);
        if (principalOrg is not null)
        {
            context.Set("aws:PrincipalOrgID", principalOrg.OrganizationId);
            context.SetMany("aws:PrincipalOrgPaths", [principalOrg.Path]);
        }

        if (resourceOrg is not null)
        {
            context.Set("aws:ResourceOrgID", resourceOrg.OrganizationId);
            context.SetMany("aws:ResourceOrgPaths", [resourceOrg.Path]);
        }

        if (query.Caller.IsAssumedRoot)
        {
            context.Set("aws:AssumedRoot", true);
        }

        var request = new AuthorizationRequest(principal, query.Action, query.ResourceArn, query.ResourceAccount, context)
        {
            ManagesResourcePolicyOnly = query.ManagesResourcePolicyOnly,
        };
        var gathered = query.Caller.Kind is PrincipalKind.Anonymous || (query.Caller.Kind == PrincipalKind.Root && !query.Caller.IsAssumedRoot)
            ? PrincipalPolicies.None
            : await policies.GetPoliciesAsync(query.Caller, ct);
        var resourceKind = query.Service switch
        {
            "kms" => PolicyKind.KmsKeyPolicy,
            "sts" => PolicyKind.RoleTrustPolicy,
            _ => PolicyKind.QueuePolicy,
        };
        var notes = new List<string>();
        var set = new PolicySet
        {
            IdentityPolicies = [.. gathered.IdentityPolicies.Concat(query.ImpliedIdentityPolicy is { } implied ? [implied] : [])
                .Select(p => Compile(PolicyKind.Identity, p, notes))],
            PermissionsBoundary = gathered.PermissionsBoundary is { } b ? Compile(PolicyKind.PermissionsBoundary, b, notes) : null,
            SessionPolicies = [.. gathered.SessionPolicies.Select(p => Compile(PolicyKind.Session, p, notes))],
            ResourcePolicy = query.ResourcePolicy is { Length: > 0 } rp ? Compile(resourceKind, new NamedPolicy(query.ResourceArn, rp), notes) : null,
            ServiceControlPolicies = principalOrg is null ? [] : Levels(PolicyKind.ServiceControlPolicy, principalOrg.ServiceControlPolicies, notes),
            PrincipalAccountIsManagementAccount = principalOrg?.IsManagementAccount ?? false,
            ResourceControlPolicies = resourceOrg is null || !RcpServices.Contains(query.Service)
                ? []
                : Levels(PolicyKind.ResourceControlPolicy, resourceOrg.ResourceControlPolicies, notes),
            ResourceAccountIsManagementAccount = resourceOrg?.IsManagementAccount ?? false,
        };
        if (query.Request?.SourceVpce is { } vpce)
        {
            set = set with { VpcEndpointPolicy = EndpointPolicy(vpce, context, notes) };
        }

        return (request, set, notes);
    }

    /// <summary>
    /// The policy of the VPC endpoint the request arrived through: a gate that must allow and never grants (AWS
    /// PrivateLink guide, "Control access to VPC endpoints using endpoint policies"); the endpoint's VPC becomes
    /// <c>aws:SourceVpc</c>. An endpoint deleted while its request was in flight lets nothing through (fail closed).
    /// </summary>
    private PolicyDocument EndpointPolicy(string vpceId, RequestContext context, List<string> notes)
    {
        if (vpcEndpoints?.Find(vpceId) is not { } endpoint)
        {
            notes.Add($"The VPC endpoint {vpceId} the request arrived through no longer exists; it is evaluated as denying every action (fail closed).");
            return DenyEverything(PolicyKind.VpcEndpointPolicy, vpceId);
        }

        context.Set("aws:SourceVpc", endpoint.VpcId);
        return Compile(PolicyKind.VpcEndpointPolicy, new NamedPolicy(vpceId, endpoint.PolicyDocument), notes);
    }

    /// <summary>
    /// A stored policy compiled once and cached by its text. A stored policy that no longer parses (written by an
    /// older version, or edited in the database) is never dropped: dropping it could make an explicit Deny vanish.
    /// It takes part as a policy that denies everything (fail closed, docs/architecture.md), and the decision notes
    /// which policy it was and why it does not parse; fixing or removing the policy restores normal evaluation.
    /// </summary>
    private PolicyDocument Compile(PolicyKind kind, NamedPolicy policy, List<string> notes)
    {
        if (_documents.Count > MaxCachedDocuments)
        {
            _documents.Clear();
        }

        var compiled = _documents.GetOrAdd((kind, policy.Name, policy.Document), k =>
        {
            var parsed = PolicyDocument.Parse(k.Json, k.Kind, new PolicyParseOptions { Name = k.Name });
            return parsed.IsValid
                ? new CompiledPolicy(parsed.Document!, null)
                : new CompiledPolicy(DenyEverything(k.Kind, k.Name), string.Join("; ", parsed.Problems));
        });
        if (compiled.Problems is { } problems)
        {
            notes.Add($"The stored {kind} policy {policy.Name} does not parse ({problems}); it is evaluated as denying every action (fail closed). Fix or remove it.");
        }

        return compiled.Document;
    }

    private List<PolicyLevel> Levels(PolicyKind kind, IReadOnlyList<OrganizationPolicyLevel> levels, List<string> notes) =>
        [.. levels.Select(l => new PolicyLevel(l.Name, [.. l.Policies.Select(p => Compile(kind, p, notes))]))];

    /// <summary>The policy that stands in for an unparseable one: one statement denying everything.</summary>
    private static PolicyDocument DenyEverything(PolicyKind kind, string name)
    {
        var principal = kind is PolicyKind.Identity or PolicyKind.PermissionsBoundary or PolicyKind.Session or PolicyKind.ServiceControlPolicy ? "" : "\"Principal\":\"*\",";
        var json = $$"""{"Version":"2012-10-17","Statement":[{"Sid":"{{UnparseablePolicySid}}","Effect":"Deny",{{principal}}"Action":"*","Resource":"*"}]}""";
        return PolicyDocument.ParseValid(json, kind, name);
    }

    /// <summary>The statement id of the deny-everything statement that replaces a policy that does not parse.</summary>
    public const string UnparseablePolicySid = "GatehouseUnparseablePolicyDeniesEverything";

    private sealed record CompiledPolicy(PolicyDocument Document, string? Problems);

    private static RequestPrincipal ToRequestPrincipal(Principal p)
    {
        var principal = p.Kind switch
        {
            PrincipalKind.Root => RequestPrincipal.Root(p.AccountId),
            PrincipalKind.User => RequestPrincipal.User(p.Arn, p.UserId),
            PrincipalKind.AssumedRole => RequestPrincipal.AssumedRole(p.PrincipalArn ?? p.Arn, p.Name ?? "", p.UserId.Split(':')[0]),
            PrincipalKind.FederatedUser => RequestPrincipal.FederatedUser(p.AccountId, p.Name ?? ""),
            _ => RequestPrincipal.Anonymous(),
        };
        if (p.Kind == PrincipalKind.AssumedRole && p.PrincipalArn?.Contains(":role/aws-service-role/", StringComparison.Ordinal) == true)
        {
            // Service-linked roles live under /aws-service-role/ and are exempt from SCPs and RCPs (Organizations
            // user guide, "SCP effects on permissions").
            principal = principal.AsServiceLinkedRole();
        }

        if (p.IsAssumedRoot)
        {
            principal = principal.AsAssumedRoot();
        }

        return p.Tags.Count > 0 ? principal.WithTags(p.Tags) : principal;
    }
}

namespace Gatehouse.Policy;

public enum Decision
{
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// <summary>The policy type AWS names in an access-denied reason (IAM User Guide, "Troubleshoot access denied error messages").</summary>
public enum PolicyType
{
    None,
    Identity,
    Resource,
    PermissionsBoundary,
    Session,
    ServiceControl,
    ResourceControl,
    VpcEndpoint,
    /// <summary>A role trust policy (the resource policy of sts:AssumeRole).</summary>
    RoleTrust,
}

/// <summary>What granted an allowed request.</summary>
public enum GrantBasis
{
    None,
    /// <summary>The account root user acting in its own account.</summary>
    RootUser,
    IdentityPolicy,
    ResourcePolicy,
    /// <summary>Cross-account: both the identity side and the resource policy allowed.</summary>
    IdentityAndResourcePolicy,
}

/// <summary>
/// The answer: a value, never an exception (design rule 4, docs/architecture.md). <see cref="Trace"/> and <see cref="Diagnostics"/> are
/// computed on first use by re-walking every policy with full explanations, so the fast path allocates only this object.
/// </summary>
public sealed class AuthorizationResult
{
    private readonly AuthorizationRequest request;
    private readonly PolicySet policies;
    private EvaluationTrace? trace;

    internal AuthorizationResult(AuthorizationRequest request, PolicySet policies, Decision decision, PolicyType type,
        IReadOnlyList<StatementReference> statements, GrantBasis grant, bool rootBypassApplied)
    {
        this.request = request;
        this.policies = policies;
        Decision = decision;
        DecidingPolicyType = type;
        DecidingStatements = statements;
        Grant = grant;
        RootPolicyManagementBypassApplied = rootBypassApplied;
    }

    public Decision Decision { get; }

    public bool IsAllowed => Decision == Decision.Allow;

    /// <summary>For denials: the policy type AWS names in the message. For allows: the type that granted
    /// (Identity or Resource), or None for the root user.</summary>
    public PolicyType DecidingPolicyType { get; }

    /// <summary>Explicit deny: every matching Deny statement of <see cref="DecidingPolicyType"/>. Allow: the granting
    /// Allow statements. Implicit deny: empty (nothing matched).</summary>
    public IReadOnlyList<StatementReference> DecidingStatements { get; }

    public GrantBasis Grant { get; }

    /// <summary>True when the owning account's root user ignored the resource policy's explicit deny (IAM User Guide, "Tasks that require root user credentials").</summary>
    public bool RootPolicyManagementBypassApplied { get; }

    /// <summary>Every policy and statement considered, with why each did or did not apply.</summary>
    public EvaluationTrace Trace => trace ??= TraceBuilder.Build(request, policies, this);

    /// <summary>Hints for a person: unresolved variables, missing condition keys, malformed entries, skipped gates.</summary>
    public IReadOnlyList<string> Diagnostics => Trace.Diagnostics;

    /// <summary>The request that was decided.</summary>
    public AuthorizationRequest Request => request;

    /// <summary>The policies that took part.</summary>
    public PolicySet Policies => policies;

    public override string ToString() => $"{Decision} ({DecidingPolicyType}) [{string.Join(", ", DecidingStatements)}]";
}

namespace Gatehouse.Services.Authorization;

/// <summary>What a denial does. Every decision is recorded whatever the mode.</summary>
public enum EnforcementMode
{
    /// <summary>Denied requests get AWS's AccessDenied (the default).</summary>
    On,

    /// <summary>Decide, record and log, but let the request through (for teams migrating).</summary>
    Soft,

    /// <summary>Decide and record only; never refuse.</summary>
    Off,
}

/// <summary>How the authorizer answers.</summary>
public sealed record AuthorizerOptions
{
    public EnforcementMode Mode { get; init; } = EnforcementMode.On;

    /// <summary>Use SQS's pre-2023 message <c>Access to the resource https://sqs.REGION.amazonaws.com/ is denied.</c>
    /// instead of the IAM-style "User: … is not authorized to perform: …" text.</summary>
    public bool LegacySqsMessage { get; init; }

    /// <summary>KMS's older explicit-deny wording, a bare <c>with an explicit deny</c> without the policy type
    /// (the form the SQS troubleshooting page quotes), instead of naming the policy type.</summary>
    public bool LegacyKmsMessage { get; init; }

    /// <summary>How many recent decisions to keep for <c>/_gatehouse/decisions</c>.</summary>
    public int DecisionLogSize { get; init; } = 1000;

    /// <summary>Where every decision is persisted (in memory when null).</summary>
    public IDecisionStore? DecisionStore { get; init; }

    /// <summary>How many decisions the store keeps; older ones are pruned.</summary>
    public int DecisionRetention { get; init; } = 100_000;

    /// <summary>Persist every allowed decision, not only each (principal, action, resource) once a minute
    /// (<see cref="DecisionLog"/>); costs throughput.</summary>
    public bool PersistEveryAllowedDecision { get; init; }
}

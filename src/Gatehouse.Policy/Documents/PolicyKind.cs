namespace Gatehouse.Policy;

/// <summary>The kind of document being parsed: it selects the validation rules, the size limit and,
/// for resource policies, the evaluation mode (queue, KMS key or role trust).</summary>
public enum PolicyKind
{
    /// <summary>IAM identity policy (user/role/group, inline or managed).</summary>
    Identity,
    /// <summary>IAM permissions boundary (same grammar as an identity policy).</summary>
    PermissionsBoundary,
    /// <summary>STS session policy (AssumeRole / GetFederationToken <c>Policy</c>).</summary>
    Session,
    /// <summary>SQS queue policy (the queue's <c>Policy</c> attribute).</summary>
    QueuePolicy,
    /// <summary>KMS key policy: mandatory gate, IAM grants count only through account delegation.</summary>
    KmsKeyPolicy,
    /// <summary>IAM role trust policy (sts:AssumeRole): the trust policy must allow even same-account callers.</summary>
    RoleTrustPolicy,
    /// <summary>AWS Organizations service control policy.</summary>
    ServiceControlPolicy,
    /// <summary>AWS Organizations resource control policy.</summary>
    ResourceControlPolicy,
    /// <summary>VPC interface endpoint policy.</summary>
    VpcEndpointPolicy,
}

/// <summary>Effect of a statement. AWS accepts only the exact strings <c>Allow</c> and <c>Deny</c>.</summary>
public enum PolicyEffect
{
    Allow,
    Deny,
}

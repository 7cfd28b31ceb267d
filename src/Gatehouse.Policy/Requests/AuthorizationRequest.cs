namespace Gatehouse.Policy;

/// <summary>
/// One request to authorize: who (<see cref="Principal"/>), what (<see cref="Action"/>, e.g. <c>sqs:SendMessage</c>),
/// on what (<see cref="Resource"/> ARN, owned by <see cref="ResourceAccount"/>) and the condition keys. The
/// principal-derived global keys (<c>aws:PrincipalArn</c>, <c>aws:PrincipalAccount</c>, <c>aws:PrincipalType</c>,
/// <c>aws:userid</c>, <c>aws:username</c>, <c>aws:PrincipalTag/*</c>, <c>aws:PrincipalIsAWSService</c>,
/// <c>aws:PrincipalServiceName</c>) and <c>aws:ResourceAccount</c> are filled in unless the context sets them.
/// Build once per request; evaluation never mutates it except for cached parses.
/// </summary>
public sealed class AuthorizationRequest
{
    public AuthorizationRequest(RequestPrincipal principal, string action, string resource, string resourceAccount, RequestContext? context = null)
    {
        Principal = principal;
        Action = action;
        Resource = resource;
        ResourceAccount = resourceAccount;
        Context = context ?? new RequestContext();
        LowerAction = action.ToLowerInvariant();
        ResourceIsArn = ParsedArn.TryParse(resource, out var arn);
        ResourceArn = arn;
        Evaluation = new EvaluationContext(this);
    }

    public RequestPrincipal Principal { get; }

    /// <summary>The IAM action as the service names it (<c>sqs:SendMessage</c>; batch APIs use the single action).</summary>
    public string Action { get; }

    /// <summary>The resource ARN (ListQueues: <c>arn:aws:sqs:region:account:</c> with an empty name).</summary>
    public string Resource { get; }

    public string ResourceAccount { get; }

    public RequestContext Context { get; }

    /// <summary>Set when the request only reads or replaces the resource policy itself (SetQueueAttributes with only
    /// <c>Policy</c>, GetQueueAttributes of <c>Policy</c>, RemovePermission): the owning account's root user then
    /// ignores the queue policy's explicit denies (IAM User Guide, "Tasks that require root user credentials").</summary>
    public bool ManagesResourcePolicyOnly { get; init; }

    internal string LowerAction { get; }

    internal bool ResourceIsArn { get; }

    internal ParsedArn ResourceArn { get; }

    internal EvaluationContext Evaluation { get; }

    internal bool IsSameAccount => Principal.Type is not (PrincipalType.Anonymous or PrincipalType.Service)
        && string.Equals(Principal.AccountId, ResourceAccount, StringComparison.Ordinal);
}

/// <summary>Key lookup for conditions and policy variables: the caller's context first, then principal-derived keys.</summary>
internal sealed class EvaluationContext
{
    private readonly Dictionary<string, ContextValue> values;

    internal EvaluationContext(AuthorizationRequest request)
    {
        var p = request.Principal;
        values = new Dictionary<string, ContextValue>(StringComparer.OrdinalIgnoreCase);
        void Add(string key, string? value)
        {
            if (value is not null)
                values[key] = new ContextValue([value], false);
        }
        Add("aws:PrincipalArn", p.PrincipalArn);
        Add("aws:PrincipalAccount", p.Type == PrincipalType.Service ? null : p.AccountId);
        Add("aws:PrincipalType", p.Type switch
        {
            PrincipalType.Root => "Account",
            PrincipalType.User => "User",
            PrincipalType.AssumedRole => "AssumedRole",
            PrincipalType.FederatedUser => "FederatedUser",
            PrincipalType.Anonymous => "Anonymous",
            _ => null,
        });
        Add("aws:userid", p.UniqueId);
        Add("aws:username", p.UserName);
        if (p.Type != PrincipalType.Anonymous)
            Add("aws:PrincipalIsAWSService", p.Type == PrincipalType.Service ? "true" : "false");
        Add("aws:PrincipalServiceName", p.ServiceName);
        foreach (var (k, v) in p.Tags)
            Add("aws:PrincipalTag/" + k, v);
        Add("aws:ResourceAccount", request.ResourceAccount);
        foreach (var (k, v) in request.Context.Values)
            values[k] = v;
    }

    internal ContextValue? Get(string key) => values.GetValueOrDefault(key);

    /// <summary>A single-valued key's value for policy variables (multivalued keys cannot be used, IAM User Guide, "IAM policy elements: Variables and tags").</summary>
    internal string? GetSingleValue(string key) =>
        values.TryGetValue(key, out var v) && !v.IsMultivalued && v.Values.Length == 1 ? v.Values[0] : null;
}

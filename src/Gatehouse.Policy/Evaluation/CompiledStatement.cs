namespace Gatehouse.Policy;

/// <summary>Which element of a statement decided that it does not apply.</summary>
public enum StatementElement
{
    None,
    Action,
    Resource,
    Principal,
    Condition,
}

/// <summary>Identifies a statement: the policy's name, the statement's index and Sid.</summary>
public sealed record StatementReference(string? PolicyName, int Index, string? Sid, PolicyEffect Effect)
{
    public override string ToString() => $"{PolicyName ?? "policy"}#{Sid ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>A statement compiled to matchers. Elements are tested cheapest-first: action, resource, principal,
/// conditions.</summary>
internal sealed class CompiledStatement
{
    private readonly ActionPattern[] actions;
    private readonly bool notAction;
    private readonly ArnPattern[]? resources;
    private readonly bool notResource;
    private readonly PrincipalPattern? principal;
    private readonly bool notPrincipal;
    private readonly CompiledCondition[] conditions;

    internal CompiledStatement(PolicyDocument owner, PolicyStatement s, int index, bool variables)
    {
        Source = s;
        Effect = s.Effect;
        Reference = new StatementReference(owner.Name, index, s.Sid, s.Effect);
        Self = [Reference];
        actions = s.Actions.Select(a => new ActionPattern(a)).ToArray();
        notAction = s.IsNotAction;
        resources = s.HasResourceElement ? s.Resources.Select(r => new ArnPattern(r, variables, isResourceElement: true)).ToArray() : null;
        notResource = s.IsNotResource;
        principal = s.Principal is null ? null : new PrincipalPattern(s.Principal);
        notPrincipal = s.IsNotPrincipal;
        conditions = s.Conditions.Select(c => ConditionCompiler.Compile(c, variables)).ToArray();
    }

    internal PolicyStatement Source { get; }

    internal PolicyEffect Effect { get; }

    internal StatementReference Reference { get; }

    /// <summary>A one-element list of <see cref="Reference"/>, so a single deciding statement costs no allocation.</summary>
    internal StatementReference[] Self { get; }

    internal CompiledCondition[] Conditions => conditions;

    internal bool HasPrincipal => principal is not null;

    internal bool MatchesAction(string lowerAction)
    {
        var any = false;
        foreach (var a in actions)
        {
            if (a.Matches(lowerAction))
            {
                any = true;
                break;
            }
        }
        return any != notAction;
    }

    internal bool MatchesResource(AuthorizationRequest request)
    {
        if (resources is null)
            return true;
        var any = false;
        var ctx = request.Evaluation;
        foreach (var r in resources)
        {
            var hit = request.ResourceIsArn ? r.Matches(request.ResourceArn, ctx) : r.Source == "*";
            if (hit)
            {
                any = true;
                break;
            }
        }
        return any != notResource;
    }

    /// <summary>How the statement's Principal/NotPrincipal applies to the caller; <see cref="PrincipalMatchKind.None"/>
    /// when it does not. Statements without a principal element (identity-type policies) always apply.</summary>
    internal PrincipalMatchKind MatchPrincipal(RequestPrincipal caller, bool callerHasBoundary)
    {
        if (principal is null)
            return PrincipalMatchKind.Wildcard;
        var kind = principal.Match(caller);
        if (!notPrincipal)
            return kind;
        // IAM User Guide, "Permissions boundaries for IAM entities": NotPrincipal with Deny always denies a principal that has a permissions boundary.
        if (Effect == PolicyEffect.Deny && callerHasBoundary)
            return PrincipalMatchKind.Wildcard;
        return kind == PrincipalMatchKind.None ? PrincipalMatchKind.Wildcard : PrincipalMatchKind.None;
    }

    internal bool MatchesConditions(EvaluationContext context)
    {
        foreach (var c in conditions)
        {
            if (!c.Evaluate(context))
                return false;
        }
        return true;
    }

    /// <summary>The full test, fastest path first. Returns the principal match kind (None when not applicable).</summary>
    internal PrincipalMatchKind Applies(AuthorizationRequest request, bool callerHasBoundary)
    {
        if (!MatchesAction(request.LowerAction) || !MatchesResource(request))
            return PrincipalMatchKind.None;
        var kind = MatchPrincipal(request.Principal, callerHasBoundary);
        if (kind == PrincipalMatchKind.None)
            return kind;
        return MatchesConditions(request.Evaluation) ? kind : PrincipalMatchKind.None;
    }
}

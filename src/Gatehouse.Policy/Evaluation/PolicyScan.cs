namespace Gatehouse.Policy;

/// <summary>A small list of statement references that allocates nothing for zero or one entry.</summary>
internal struct RefList
{
    private StatementReference[]? single;
    private List<StatementReference>? many;

    internal readonly bool Any => single is not null;

    internal void Add(CompiledStatement s)
    {
        if (single is null)
        {
            single = s.Self;
            return;
        }
        many ??= [single[0]];
        many.Add(s.Reference);
    }

    internal readonly IReadOnlyList<StatementReference> ToList() => many ?? (IReadOnlyList<StatementReference>?)single ?? [];
}

/// <summary>The matching Allow and Deny statements of one or more policies of one type.</summary>
internal struct PolicyScan
{
    internal RefList Denies;
    internal RefList Allows;
    internal PrincipalMatchKind BestAllow;

    internal readonly bool Denied => Denies.Any;

    internal readonly bool Allowed => Allows.Any;

    internal void Scan(PolicyDocument doc, AuthorizationRequest request, bool callerHasBoundary, bool ignoreDenies = false)
    {
        foreach (var s in doc.Compiled)
        {
            if (ignoreDenies && s.Effect == PolicyEffect.Deny)
                continue;
            var kind = s.Applies(request, callerHasBoundary);
            if (kind == PrincipalMatchKind.None)
                continue;
            if (s.Effect == PolicyEffect.Deny)
                Denies.Add(s);
            else
            {
                Allows.Add(s);
                if (BestAllow == PrincipalMatchKind.None || kind < BestAllow)
                    BestAllow = kind;
            }
        }
    }
}

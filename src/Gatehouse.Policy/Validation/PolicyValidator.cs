namespace Gatehouse.Policy;

/// <summary>The rules that depend on the kind of document (IAM User Guide, "IAM JSON policy element reference", "Grammar of the IAM JSON policy language" and the quota pages). Runs after the structural
/// parse; adds to the same problem list.</summary>
internal static class PolicyValidator
{
    internal static bool RequiresPrincipal(PolicyKind kind) => kind is PolicyKind.QueuePolicy or PolicyKind.KmsKeyPolicy
        or PolicyKind.RoleTrustPolicy or PolicyKind.ResourceControlPolicy or PolicyKind.VpcEndpointPolicy;

    internal static void Validate(PolicyKind kind, PolicyParser doc, PolicyParseOptions options, List<PolicyProblem> problems)
    {
        var identityLike = kind is PolicyKind.Identity or PolicyKind.PermissionsBoundary or PolicyKind.Session;
        if (doc.HasId && identityLike && !AwsBehavior.IdAllowedInIdentityPolicies)
            problems.Add(new(PolicyProblemCode.IdNotAllowed, "$.Id", "Id is not allowed in identity policies"));

        var sids = new HashSet<string>(StringComparer.Ordinal);
        var principalCount = 0;
        var conditionCount = 0;
        for (var i = 0; i < doc.Statements.Count; i++)
        {
            var s = doc.Statements[i];
            var path = doc.StatementPaths[i];
            ValidateSid(kind, s, path, sids, problems);
            ValidatePrincipal(kind, s, path, problems);
            ValidateActions(kind, s, path, problems, options);
            ValidateResources(kind, s, path, problems);
            ValidateConditions(s, path, problems);
            if (kind == PolicyKind.ResourceControlPolicy && s.Effect == PolicyEffect.Allow && !IsFullAccess(s))
                problems.Add(new(PolicyProblemCode.AllowNotPermitted, path + ".Effect",
                    "resource control policies may only deny (Allow exists only in RCPFullAWSAccess)"));
            principalCount += s.Principal?.Count ?? 0;
            conditionCount += s.Conditions.Count;
        }

        if (kind == PolicyKind.QueuePolicy)
        {
            if (doc.Statements.Count > AwsBehavior.SqsMaxStatements)
                problems.Add(new(PolicyProblemCode.TooManyStatements, "$.Statement", "too many statements", doc.Statements.Count));
            if (principalCount > AwsBehavior.SqsMaxPrincipals)
                problems.Add(new(PolicyProblemCode.TooManyPrincipals, "$.Statement", "too many principals", principalCount));
            if (conditionCount > AwsBehavior.SqsMaxConditions)
                problems.Add(new(PolicyProblemCode.TooManyConditions, "$.Statement", "too many conditions", conditionCount));
        }
    }

    private static bool IsFullAccess(PolicyStatement s) =>
        s.Conditions.Count == 0 && !s.IsNotAction && !s.IsNotResource && s.Actions is ["*"] && s.Resources is ["*"];

    private static void ValidateSid(PolicyKind kind, PolicyStatement s, string path, HashSet<string> sids, List<PolicyProblem> problems)
    {
        if (s.Sid is null)
            return;
        if (AwsBehavior.SidMustBeAlphanumeric(kind) && !s.Sid.All(char.IsAsciiLetterOrDigit))
            problems.Add(new(PolicyProblemCode.InvalidSid, path + ".Sid", "Sid may contain only A-Z, a-z and 0-9"));
        if (AwsBehavior.SidMustBeUnique(kind) && s.Sid.Length > 0 && !sids.Add(s.Sid))
            problems.Add(new(PolicyProblemCode.DuplicateSid, path + ".Sid", $"Sid '{s.Sid}' is used by another statement"));
    }

    private static void ValidatePrincipal(PolicyKind kind, PolicyStatement s, string path, List<PolicyProblem> problems)
    {
        if (s.Principal is null)
        {
            if (RequiresPrincipal(kind))
                problems.Add(new(PolicyProblemCode.MissingPrincipal, path, "this kind of policy needs Principal or NotPrincipal in every statement"));
            return;
        }
        var element = s.IsNotPrincipal ? ".NotPrincipal" : ".Principal";
        if (!RequiresPrincipal(kind))
        {
            problems.Add(new(PolicyProblemCode.PrincipalNotAllowed, path + element, "this kind of policy must not specify a principal"));
            return;
        }
        var p = s.Principal;
        if (kind == PolicyKind.ResourceControlPolicy && !(p.IsWildcardString || p is { Aws: ["*"], Service.Count: 0, Federated.Count: 0, CanonicalUser.Count: 0 }))
            problems.Add(new(PolicyProblemCode.PrincipalMustBeWildcard, path + element, "resource control policies require Principal \"*\""));
        for (var i = 0; i < p.Aws.Count; i++)
        {
            if (!PrincipalPattern.IsValidAwsPrincipal(p.Aws[i]))
                problems.Add(new(PolicyProblemCode.InvalidPrincipal, $"{path}{element}.AWS[{i}]", $"'{p.Aws[i]}' is not an account id, '*' or an IAM/STS principal ARN"));
        }
        for (var i = 0; i < p.Service.Count; i++)
        {
            if (p.Service[i].Length == 0 || p.Service[i].Contains('*', StringComparison.Ordinal) && p.Service[i] != "*")
                problems.Add(new(PolicyProblemCode.InvalidPrincipal, $"{path}{element}.Service[{i}]", $"'{p.Service[i]}' is not a service principal"));
        }
        if (p.Federated.Count > 0 && kind != PolicyKind.RoleTrustPolicy)
            problems.Add(new(PolicyProblemCode.InvalidPrincipal, path + element + ".Federated", "Federated principals are meaningful only in role trust policies"));
        if (p.CanonicalUser.Count > 0)
            problems.Add(new(PolicyProblemCode.InvalidPrincipal, path + element + ".CanonicalUser", "CanonicalUser principals are supported by Amazon S3 only"));
    }

    private static void ValidateActions(PolicyKind kind, PolicyStatement s, string path, List<PolicyProblem> problems, PolicyParseOptions options)
    {
        var element = path + (s.IsNotAction ? ".NotAction" : ".Action");
        if (kind == PolicyKind.QueuePolicy && s.Actions.Count > AwsBehavior.SqsMaxActionsPerStatement)
            problems.Add(new(PolicyProblemCode.TooManyActions, element, "too many actions in one statement", s.Actions.Count));
        for (var i = 0; i < s.Actions.Count; i++)
        {
            var a = s.Actions[i];
            var ap = $"{element}[{i}]";
            if (a == "*")
                continue;
            var colon = a.IndexOf(':', StringComparison.Ordinal);
            if (a.Length == 0 || colon < 0)
                problems.Add(new(PolicyProblemCode.ActionMissingVendor, ap, $"'{a}' is not vendor:Action"));
            else if (a.IndexOf(':', colon + 1) >= 0)
                problems.Add(new(PolicyProblemCode.ActionTooManyColons, ap, $"'{a}' has more than one colon"));
            else if (colon == 0 || !a.AsSpan(0, colon).ContainsOnlyVendorChars())
                problems.Add(new(PolicyProblemCode.InvalidVendor, ap, a[..colon]));
        }
        if (kind == PolicyKind.QueuePolicy && options.ResourceAccountId is { } owner && !s.IsNotAction && s.Effect == PolicyEffect.Allow
            && s.Principal is { } p && !s.IsNotPrincipal && p.Aws.Any(x => PrincipalPattern.AccountOf(x) is { } acct && acct != owner))
        {
            foreach (var a in s.Actions)
            {
                if (AwsBehavior.SqsRejectedCrossAccountActions.Contains(a.ToLowerInvariant()))
                    problems.Add(new(PolicyProblemCode.CrossAccountNonShareableAction, element, $"{a} cannot be granted to another account"));
            }
        }
    }

    private static bool ContainsOnlyVendorChars(this ReadOnlySpan<char> vendor)
    {
        foreach (var c in vendor)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                return false;
        }
        return true;
    }

    private static void ValidateResources(PolicyKind kind, PolicyStatement s, string path, List<PolicyProblem> problems)
    {
        if (kind == PolicyKind.RoleTrustPolicy)
        {
            if (s.HasResourceElement)
                problems.Add(new(PolicyProblemCode.ProhibitedResource, path + (s.IsNotResource ? ".NotResource" : ".Resource"), "role trust policies must not have Resource"));
            return;
        }
        if (!s.HasResourceElement)
        {
            problems.Add(new(PolicyProblemCode.MissingResource, path, "the statement has no Resource or NotResource"));
            return;
        }
        var element = path + (s.IsNotResource ? ".NotResource" : ".Resource");
        for (var i = 0; i < s.Resources.Count; i++)
        {
            var r = s.Resources[i];
            if (r == "*")
                continue;
            if (!ArnPattern.LooksLikeArn(r))
                problems.Add(new(PolicyProblemCode.InvalidResource, $"{element}[{i}]", r));
        }
    }

    private static void ValidateConditions(PolicyStatement s, string path, List<PolicyProblem> problems)
    {
        foreach (var c in s.Conditions)
        {
            var cp = $"{path}.Condition.{c.Operator}.{c.Key}";
            var error = ConditionCompiler.Check(c);
            if (error is { } e)
                problems.Add(new(e.Code, cp, e.Detail));
        }
    }
}

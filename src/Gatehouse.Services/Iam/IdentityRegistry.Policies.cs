using Gatehouse.Policy;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

public sealed partial class IdentityRegistry
{
    /// <summary>Parses a policy with the policy engine; a problem becomes IAM's MalformedPolicyDocument/LimitExceeded.</summary>
    public static void ValidatePolicy(string document, PolicyKind kind)
    {
        var parsed = PolicyDocument.Parse(document, kind);
        if (!parsed.IsValid && PolicyErrors.ForIam(parsed.Problems, kind) is { } error)
        {
            throw Error(IamErrors.FromPolicy(error));
        }
    }

    // ---- Inline policies ----

    public void PutInlinePolicy(IamEntityKind kind, string account, string entityName, string policyName, string? document)
    {
        IamValidation.Name(policyName, "policyName", 128);
        if (document is null)
        {
            throw Error(IamErrors.MissingParameter("policyDocument"));
        }

        ValidatePolicy(document, PolicyKind.Identity);
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            var i = entity.InlinePolicies.FindIndex(p => p.Name == policyName);
            if (i >= 0)
            {
                entity.InlinePolicies[i] = new NamedDocument(policyName, document);
            }
            else
            {
                entity.InlinePolicies.Add(new NamedDocument(policyName, document));
            }

            Save(entity);
        }
    }

    public string GetInlinePolicy(IamEntityKind kind, string account, string entityName, string policyName)
    {
        lock (_gate)
        {
            var entity = Entity(kind, account, entityName);
            return entity.InlinePolicies.FirstOrDefault(p => p.Name == policyName)?.Document
                ?? throw Error(IamErrors.NoSuchEntity($"The {Noun(kind)} policy with name {policyName} cannot be found."));
        }
    }

    public IReadOnlyList<string> ListInlinePolicies(IamEntityKind kind, string account, string entityName)
    {
        lock (_gate)
        {
            return [.. Entity(kind, account, entityName).InlinePolicies.Select(p => p.Name).Order(StringComparer.Ordinal)];
        }
    }

    public void DeleteInlinePolicy(IamEntityKind kind, string account, string entityName, string policyName)
    {
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            if (entity.InlinePolicies.RemoveAll(p => p.Name == policyName) == 0)
            {
                throw Error(IamErrors.NoSuchEntity($"The {Noun(kind)} policy with name {policyName} cannot be found."));
            }

            Save(entity);
        }
    }

    // ---- Managed policies ----

    private IamManagedPolicy? FindPolicy(string arn)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].StartsWith("policy/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = parts[5][(parts[5].LastIndexOf('/') + 1)..];
        return _policies.TryGetValue(PolicyKey(parts[4], name), out var p) && string.Equals(p.Arn, arn, StringComparison.Ordinal) ? p : null;
    }

    private IamManagedPolicy Policy(string arn) =>
        FindPolicy(arn) ?? throw Error(IamErrors.NoSuchEntity($"Policy {arn} was not found."));

    /// <summary>A policy that may be attached by the given account: its own or an AWS managed one.</summary>
    private IamManagedPolicy AttachablePolicy(string account, string arn) =>
        FindPolicy(arn) is { } p && (p.IsAwsManaged || p.Account == account)
            ? p
            : throw Error(IamErrors.NoSuchEntity($"Policy {arn} does not exist or is not attachable."));

    private PolicyInfo Info(IamManagedPolicy p)
    {
        var attachments = 0;
        var boundaries = 0;
        foreach (var e in AllEntities())
        {
            if (e.AttachedPolicyArns.Contains(p.Arn))
            {
                attachments++;
            }

            if (e is IamUser { PermissionsBoundaryArn: { } ub } && ub == p.Arn || e is IamRole { PermissionsBoundaryArn: { } rb } && rb == p.Arn)
            {
                boundaries++;
            }
        }

        return new(p.Name, p.Id, p.Arn, p.Path, p.DefaultVersionId, attachments, boundaries, true, p.Description, p.CreateDate, p.UpdateDate);
    }

    private IEnumerable<IamEntity> AllEntities() => _users.Values.Cast<IamEntity>().Concat(_groups.Values).Concat(_roles.Values);

    public PolicyInfo CreatePolicy(string account, string name, string? path, string? document, string? description = null)
    {
        IamValidation.Name(name, "policyName", 128);
        path = IamValidation.Path(path);
        if (document is null)
        {
            throw Error(IamErrors.MissingParameter("policyDocument"));
        }

        ValidatePolicy(document, PolicyKind.Identity);
        using (Writing())
        {
            if (_policies.ContainsKey(PolicyKey(account, name)))
            {
                throw Error(IamErrors.EntityAlreadyExists($"A policy called {name} already exists. Duplicate names are not allowed."));
            }

            var now = Now();
            var policy = new IamManagedPolicy
            {
                Account = account,
                Name = name,
                Path = path,
                Id = IdentityIds.UniqueId(IdentityIds.PolicyPrefix),
                Description = description,
                CreateDate = now,
                UpdateDate = now,
                Versions = [new IamPolicyVersion { VersionId = "v1", Document = document, CreateDate = now }],
            };
            _policies[PolicyKey(account, name)] = policy;
            Save(policy);
            return Info(policy);
        }
    }

    public PolicyInfo GetPolicy(string arn)
    {
        lock (_gate)
        {
            return Info(Policy(arn));
        }
    }

    /// <summary>ListPolicies: <paramref name="scope"/> is <c>All</c>, <c>AWS</c> or <c>Local</c>.</summary>
    public IReadOnlyList<PolicyInfo> ListPolicies(string account, string scope, bool onlyAttached, string? pathPrefix)
    {
        lock (_gate)
        {
            var policies = _policies.Values.Where(p => scope switch
            {
                "AWS" => p.IsAwsManaged,
                "Local" => p.Account == account,
                _ => p.IsAwsManaged || p.Account == account,
            });
            return [.. UnderPath(policies, p => p.Path, pathPrefix)
                .Select(Info)
                .Where(p => !onlyAttached || p.AttachmentCount > 0)
                .OrderBy(p => p.PolicyName, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public void DeletePolicy(string account, string arn)
    {
        using (Writing())
        {
            var policy = OwnPolicy(account, arn);
            if (AllEntities().Any(e => e.AttachedPolicyArns.Contains(policy.Arn)))
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete a policy attached to entities."));
            }

            if (policy.Versions.Count > 1)
            {
                throw Error(IamErrors.DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."));
            }

            _policies.Remove(PolicyKey(policy.Account, policy.Name));
            Delete("policy", PolicyKey(policy.Account, policy.Name));
        }
    }

    /// <summary>A customer managed policy of the caller's account (AWS managed ones cannot be changed).</summary>
    private IamManagedPolicy OwnPolicy(string account, string arn)
    {
        var policy = Policy(arn);
        if (policy.Account != account)
        {
            throw Error(IamErrors.NoSuchEntity($"Policy {arn} was not found."));
        }

        return policy;
    }

    public PolicyVersionInfo CreatePolicyVersion(string account, string arn, string? document, bool setAsDefault)
    {
        if (document is null)
        {
            throw Error(IamErrors.MissingParameter("policyDocument"));
        }

        ValidatePolicy(document, PolicyKind.Identity);
        using (Writing())
        {
            var policy = OwnPolicy(account, arn);
            if (policy.Versions.Count >= 5)
            {
                throw Error(IamErrors.LimitExceeded(
                    "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."));
            }

            var version = new IamPolicyVersion
            {
                VersionId = "v" + policy.NextVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Document = document,
                CreateDate = Now(),
            };
            policy.NextVersion++;
            policy.Versions.Add(version);
            if (setAsDefault)
            {
                policy.DefaultVersionId = version.VersionId;
            }

            policy.UpdateDate = version.CreateDate;
            Save(policy);
            return new(version.VersionId, version.Document, setAsDefault, version.CreateDate);
        }
    }

    public PolicyVersionInfo GetPolicyVersion(string arn, string versionId)
    {
        lock (_gate)
        {
            var policy = Policy(arn);
            var v = policy.Versions.FirstOrDefault(x => x.VersionId == versionId)
                ?? throw Error(IamErrors.NoSuchEntity($"Policy {arn} version {versionId} does not exist or is not attachable."));
            return new(v.VersionId, v.Document, v.VersionId == policy.DefaultVersionId, v.CreateDate);
        }
    }

    public IReadOnlyList<PolicyVersionInfo> ListPolicyVersions(string arn)
    {
        lock (_gate)
        {
            var policy = Policy(arn);
            return [.. policy.Versions.OrderByDescending(v => v.CreateDate).ThenByDescending(v => v.VersionId.Length).ThenByDescending(v => v.VersionId, StringComparer.Ordinal)
                .Select(v => new PolicyVersionInfo(v.VersionId, v.Document, v.VersionId == policy.DefaultVersionId, v.CreateDate))];
        }
    }

    public void SetDefaultPolicyVersion(string account, string arn, string versionId)
    {
        using (Writing())
        {
            var policy = OwnPolicy(account, arn);
            if (policy.Versions.All(v => v.VersionId != versionId))
            {
                throw Error(IamErrors.NoSuchEntity($"Policy {arn} version {versionId} does not exist or is not attachable."));
            }

            policy.DefaultVersionId = versionId;
            Save(policy);
        }
    }

    public void DeletePolicyVersion(string account, string arn, string versionId)
    {
        using (Writing())
        {
            var policy = OwnPolicy(account, arn);
            if (policy.Versions.All(v => v.VersionId != versionId))
            {
                throw Error(IamErrors.NoSuchEntity($"Policy {arn} version {versionId} does not exist or is not attachable."));
            }

            if (policy.DefaultVersionId == versionId)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete the default version of a policy."));
            }

            policy.Versions.RemoveAll(v => v.VersionId == versionId);
            Save(policy);
        }
    }

    // ---- Attachments ----

    public void AttachPolicy(IamEntityKind kind, string account, string entityName, string arn)
    {
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            var policy = AttachablePolicy(account, arn);
            if (entity.AttachedPolicyArns.Contains(policy.Arn))
            {
                return;
            }

            if (entity.AttachedPolicyArns.Count >= 10)
            {
                throw Error(IamErrors.LimitExceeded($"Cannot exceed quota for PoliciesPer{kind}: 10"));
            }

            entity.AttachedPolicyArns.Add(policy.Arn);
            Save(entity);
        }
    }

    public void DetachPolicy(IamEntityKind kind, string account, string entityName, string arn)
    {
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            if (!entity.AttachedPolicyArns.Remove(arn))
            {
                throw Error(IamErrors.NoSuchEntity($"Policy {arn} was not found."));
            }

            Save(entity);
        }
    }

    public IReadOnlyList<AttachedPolicyInfo> ListAttachedPolicies(IamEntityKind kind, string account, string entityName)
    {
        lock (_gate)
        {
            return [.. Entity(kind, account, entityName).AttachedPolicyArns
                .Select(arn => new AttachedPolicyInfo(arn[(arn.LastIndexOf('/') + 1)..], arn))];
        }
    }

    /// <summary>ListEntitiesForPolicy: the (kind, name, id) of every entity the policy is attached to.</summary>
    public IReadOnlyList<(IamEntityKind Kind, string Name, string Id)> ListEntitiesForPolicy(string arn)
    {
        lock (_gate)
        {
            var policy = Policy(arn);
            return [.. AllEntities().Where(e => e.AttachedPolicyArns.Contains(policy.Arn)).Select(e => (e.Kind, e.Name, e.Id))];
        }
    }

    // ---- Permissions boundaries ----

    public void PutPermissionsBoundary(IamEntityKind kind, string account, string entityName, string arn)
    {
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            var policy = AttachablePolicy(account, arn);
            switch (entity)
            {
                case IamUser u:
                    u.PermissionsBoundaryArn = policy.Arn;
                    break;
                case IamRole r:
                    r.PermissionsBoundaryArn = policy.Arn;
                    break;
                default:
                    break;
            }

            Save(entity);
        }
    }

    public void DeletePermissionsBoundary(IamEntityKind kind, string account, string entityName)
    {
        using (Writing())
        {
            var entity = Entity(kind, account, entityName);
            switch (entity)
            {
                case IamUser u:
                    u.PermissionsBoundaryArn = null;
                    break;
                case IamRole r:
                    r.PermissionsBoundaryArn = null;
                    break;
                default:
                    break;
            }

            Save(entity);
        }
    }

    /// <summary>The default document of a managed policy the account may use (session <c>PolicyArns</c>), or null.</summary>
    public string? FindPolicyDocument(string account, string arn)
    {
        lock (_gate)
        {
            return FindPolicy(arn) is { } p && (p.IsAwsManaged || p.Account == account) ? p.DefaultDocument : null;
        }
    }

    // ---- The authorizer's view (IIdentityPolicySource) ----

    public ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(GetPolicies(principal));
        }
    }

    private PrincipalPolicies GetPolicies(Principal principal)
    {
        IamEntity? entity = principal.Kind switch
        {
            PrincipalKind.User => _users.GetValueOrDefault(Key(principal.AccountId, principal.Name ?? "")) is { } u && u.Id == principal.EntityId ? u : null,
            PrincipalKind.AssumedRole => _roles.Values.FirstOrDefault(r => r.Id == principal.EntityId),
            _ => null,
        };
        var session = (principal.Kind == PrincipalKind.AssumedRole || principal.IsAssumedRoot) && principal.AccessKeyId is { } keyId
            ? _sessions.GetValueOrDefault(keyId)
            : null;
        var sessionPolicies = session?.SessionPolicies.Select(p => new NamedPolicy(p.Name, p.Document)).ToList() ?? [];
        if (entity is null)
        {
            return sessionPolicies.Count == 0 ? PrincipalPolicies.None : new([], null, sessionPolicies);
        }

        var identity = new List<NamedPolicy>();
        void Add(IamEntity e)
        {
            var prefix = $"{Noun(e.Kind)}/{e.Name}/inline/";
            identity.AddRange(e.InlinePolicies.Select(p => new NamedPolicy(prefix + p.Name, p.Document)));
            identity.AddRange(e.AttachedPolicyArns.Select(FindPolicy).OfType<IamManagedPolicy>().Select(p => new NamedPolicy(p.Arn, p.DefaultDocument)));
        }

        Add(entity);
        if (entity is IamUser user)
        {
            foreach (var g in user.Groups)
            {
                if (_groups.GetValueOrDefault(Key(user.Account, g)) is { } group)
                {
                    Add(group);
                }
            }
        }

        var boundaryArn = entity switch
        {
            IamUser u => u.PermissionsBoundaryArn,
            IamRole r => r.PermissionsBoundaryArn,
            _ => null,
        };
        var boundary = boundaryArn is not null && FindPolicy(boundaryArn) is { } b ? new NamedPolicy(b.Arn, b.DefaultDocument) : null;
        return new PrincipalPolicies(identity, boundary, sessionPolicies);
    }

    /// <summary>A role's trust policy, by role ARN, for the authorizer (<c>sts:AssumeRole</c>'s resource policy).</summary>
    public string? GetTrustPolicy(string roleArn) => FindRoleByArn(roleArn)?.AssumeRolePolicyDocument;
}

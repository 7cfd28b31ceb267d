using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Organizations;

public sealed partial class OrganizationService
{
    /// <summary>The AWS managed SCP attached to every root, OU and account when SCPs are enabled (Organizations user
    /// guide, "Service control policies").</summary>
    private static readonly OrgPolicy FullAwsAccess = new()
    {
        Id = "p-FullAWSAccess",
        Name = "FullAWSAccess",
        Description = "Allows access to every operation",
        Type = OrgPolicyTypes.ServiceControlPolicy,
        AwsManaged = true,
        Content = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""",
    };

    /// <summary>The AWS managed RCP attached everywhere when RCPs are enabled; it cannot be detached (Organizations
    /// user guide, "Resource control policies").</summary>
    private static readonly OrgPolicy RcpFullAwsAccess = new()
    {
        Id = "p-RCPFullAWSAccess",
        Name = "RCPFullAWSAccess",
        Description = "Allows access to every operation",
        Type = OrgPolicyTypes.ResourceControlPolicy,
        AwsManaged = true,
        Content = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}""",
    };

    private static IEnumerable<OrgPolicy> AllPolicies(Organization org) => [FullAwsAccess, RcpFullAwsAccess, .. org.Policies];

    private static OrgPolicy Policy(Organization org, string? policyId) =>
        AllPolicies(org).FirstOrDefault(p => p.Id == policyId) ?? throw new AwsErrorException(OrganizationErrors.PolicyNotFound());

    private static OrgPolicy DefaultPolicy(string type) => type == OrgPolicyTypes.ServiceControlPolicy ? FullAwsAccess : RcpFullAwsAccess;

    /// <summary>A new OU or account gets the AWS managed policy of each enabled type.</summary>
    private static void AttachDefaults(Organization org, string targetId)
    {
        foreach (var type in org.EnabledPolicyTypes)
        {
            org.Attachments.Add(new OrgAttachment(DefaultPolicy(type).Id, targetId));
        }
    }

    private static PolicyView View(Organization org, OrgPolicy p) => new(p.Id, org.PolicyArn(p), p.Name, p.Description, p.Type, p.AwsManaged, p.Content);

    private static void ValidateType(string? type)
    {
        if (!OrgPolicyTypes.IsKnown(type))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type string."));
        }
    }

    // ---- Policy types ----

    public RootView EnablePolicyType(string callerAccount, string? rootId, string? type)
    {
        ValidateType(type);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (rootId != org.RootId)
            {
                throw new AwsErrorException(OrganizationErrors.RootNotFound());
            }

            if (org.FeatureSet != "ALL")
            {
                throw new AwsErrorException(new AwsError("PolicyTypeNotAvailableForOrganizationException", "PolicyTypeNotAvailableForOrganizationException", 400,
                    "You can't use the specified policy type with the feature set currently enabled for this organization."));
            }

            if (org.EnabledPolicyTypes.Contains(type!))
            {
                throw new AwsErrorException(OrganizationErrors.PolicyTypeAlreadyEnabled());
            }

            org.EnabledPolicyTypes.Add(type!);
            var managed = DefaultPolicy(type!).Id;
            foreach (var target in new[] { org.RootId }.Concat(org.Units.Select(u => u.Id)).Concat(org.Accounts.Select(a => a.Id)))
            {
                org.Attachments.Add(new OrgAttachment(managed, target));
            }

            Save(org);
            return RootOf(org);
        }
    }

    public RootView DisablePolicyType(string callerAccount, string? rootId, string? type)
    {
        ValidateType(type);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (rootId != org.RootId)
            {
                throw new AwsErrorException(OrganizationErrors.RootNotFound());
            }

            if (!org.EnabledPolicyTypes.Remove(type!))
            {
                throw new AwsErrorException(OrganizationErrors.PolicyTypeNotEnabled());
            }

            var ofType = AllPolicies(org).Where(p => p.Type == type).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            org.Attachments.RemoveAll(a => ofType.Contains(a.PolicyId));
            Save(org);
            return RootOf(org);
        }
    }

    // ---- Trusted access for AWS services ----

    public void SetServiceAccess(string callerAccount, string? servicePrincipal, bool enable)
    {
        if (servicePrincipal is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "servicePrincipal", "not be null"));
        }

        if (servicePrincipal.Length is < 1 or > 128 || !servicePrincipal.All(c => char.IsAsciiLetterOrDigit(c) || "+=,.@-_".Contains(c)))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_PATTERN"));
        }

        lock (_gate)
        {
            var org = Caller(callerAccount);
            org.ServiceAccess.RemoveAll(s => s.ServicePrincipal == servicePrincipal);
            if (enable)
            {
                org.ServiceAccess.Add(new OrgServiceAccess(servicePrincipal, Now));
            }
            else if (servicePrincipal == "iam.amazonaws.com")
            {
                // Without trusted access IAM's centralized root access features are off too.
                org.IamFeatures.Clear();
            }

            Save(org);
        }
    }

    public IReadOnlyList<ServiceAccessView> ListServiceAccess(string callerAccount)
    {
        lock (_gate)
        {
            return [.. Caller(callerAccount).ServiceAccess.Select(s => new ServiceAccessView(s.ServicePrincipal, s.Enabled))];
        }
    }

    // ---- Policies ----

    public PolicyView CreatePolicy(string callerAccount, string? name, string? description, string? content, string? type, IReadOnlyList<OrgTag>? tags = null)
    {
        ValidateType(type);
        ValidatePolicyName(name);
        ValidateDescription(description);
        ValidateContent(content, type!);
        ValidateTags(tags);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (AllPolicies(org).Any(p => p.Type == type && p.Name == name))
            {
                throw new AwsErrorException(OrganizationErrors.DuplicatePolicy());
            }

            if (org.Policies.Count(p => p.Type == type) >= MaxPoliciesPerType)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("POLICY_NUMBER_LIMIT_EXCEEDED",
                    "You have exceeded the number of policies of the specified type that you can have in an organization."));
            }

            var policy = new OrgPolicy { Id = NewPolicyId(), Name = name!, Description = description ?? "", Type = type!, Content = content! };
            org.Policies.Add(policy);
            if (tags is { Count: > 0 })
            {
                org.Tags[policy.Id] = [.. tags];
            }

            Save(org);
            return View(org, policy);
        }
    }

    public PolicyView UpdatePolicy(string callerAccount, string? policyId, string? name, string? description, string? content)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var policy = Policy(org, policyId);
            if (policy.AwsManaged)
            {
                throw new AwsErrorException(OrganizationErrors.AccessDenied());
            }

            if (name is not null)
            {
                ValidatePolicyName(name);
                if (org.Policies.Exists(p => p != policy && p.Type == policy.Type && p.Name == name))
                {
                    throw new AwsErrorException(OrganizationErrors.DuplicatePolicy());
                }
            }

            ValidateDescription(description);
            if (content is not null)
            {
                ValidateContent(content, policy.Type);
            }

            policy.Name = name ?? policy.Name;
            policy.Description = description ?? policy.Description;
            policy.Content = content ?? policy.Content;
            Save(org);
            return View(org, policy);
        }
    }

    public void DeletePolicy(string callerAccount, string? policyId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var policy = Policy(org, policyId);
            if (policy.AwsManaged)
            {
                throw new AwsErrorException(OrganizationErrors.AccessDenied());
            }

            if (org.Attachments.Exists(a => a.PolicyId == policy.Id))
            {
                throw new AwsErrorException(OrganizationErrors.PolicyInUse());
            }

            org.Policies.Remove(policy);
            org.Tags.Remove(policy.Id);
            Save(org);
        }
    }

    public PolicyView DescribePolicy(string callerAccount, string? policyId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            return View(org, Policy(org, policyId));
        }
    }

    public IReadOnlyList<PolicyView> ListPolicies(string callerAccount, string? type)
    {
        ValidateType(type);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            return [.. AllPolicies(org).Where(p => p.Type == type).Select(p => View(org, p))];
        }
    }

    public void AttachPolicy(string callerAccount, string? policyId, string? targetId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var policy = Policy(org, policyId);
            Target(org, targetId);
            if (!org.EnabledPolicyTypes.Contains(policy.Type))
            {
                throw new AwsErrorException(OrganizationErrors.PolicyTypeNotEnabled());
            }

            if (org.Attachments.Contains(new OrgAttachment(policy.Id, targetId!)))
            {
                throw new AwsErrorException(OrganizationErrors.DuplicateAttachment());
            }

            if (AttachedOfType(org, targetId!, policy.Type).Count() >= MaxAttachmentsPerTarget)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time."));
            }

            org.Attachments.Add(new OrgAttachment(policy.Id, targetId!));
            Save(org);
        }
    }

    public void DetachPolicy(string callerAccount, string? policyId, string? targetId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var policy = Policy(org, policyId);
            Target(org, targetId);
            var attachment = new OrgAttachment(policy.Id, targetId!);
            if (!org.Attachments.Contains(attachment))
            {
                throw new AwsErrorException(OrganizationErrors.PolicyNotAttached());
            }

            if (policy.Id == RcpFullAwsAccess.Id)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You can't detach the RCPFullAWSAccess policy."));
            }

            if (policy.Type == OrgPolicyTypes.ServiceControlPolicy && AttachedOfType(org, targetId!, policy.Type).Count() == 1)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                    "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required."));
            }

            org.Attachments.Remove(attachment);
            Save(org);
        }
    }

    public IReadOnlyList<PolicyView> ListPoliciesForTarget(string callerAccount, string? targetId, string? type)
    {
        ValidateType(type);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            Target(org, targetId);
            return [.. AttachedOfType(org, targetId!, type!).Select(p => View(org, p))];
        }
    }

    public IReadOnlyList<TargetView> ListTargetsForPolicy(string callerAccount, string? policyId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var policy = Policy(org, policyId);
            return [.. org.Attachments.Where(a => a.PolicyId == policy.Id).Select(a => Target(org, a.TargetId))];
        }
    }

    private static IEnumerable<OrgPolicy> AttachedOfType(Organization org, string targetId, string type) =>
        org.Attachments.Where(a => a.TargetId == targetId).Select(a => AllPolicies(org).FirstOrDefault(p => p.Id == a.PolicyId))
            .OfType<OrgPolicy>().Where(p => p.Type == type);

    /// <summary>A root, OU or account of the organization; <c>TargetNotFoundException</c> otherwise.</summary>
    private static TargetView Target(Organization org, string? targetId)
    {
        if (targetId == org.RootId)
        {
            return new(org.RootId, org.RootArn, "Root", "ROOT");
        }

        if (org.Units.Find(u => u.Id == targetId) is { } unit)
        {
            return new(unit.Id, org.UnitArn(unit.Id), unit.Name, "ORGANIZATIONAL_UNIT");
        }

        if (org.Accounts.Find(a => a.Id == targetId) is { } account)
        {
            return new(account.Id, org.AccountArn(account.Id), account.Name, "ACCOUNT");
        }

        throw new AwsErrorException(OrganizationErrors.TargetNotFound());
    }

    private static void ValidatePolicyName(string? name)
    {
        if (name is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "name", "not be null"));
        }

        if (name.Length is < 1 or > 128)
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_PATTERN"));
        }
    }

    private static void ValidateDescription(string? description)
    {
        if (description is { Length: > 512 })
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed."));
        }
    }

    /// <summary>SCP and RCP content: the policy engine's grammar for the kind, 5,120 characters (Organizations
    /// quotas); errors as Organizations reports them.</summary>
    private static void ValidateContent(string? content, string type)
    {
        if (content is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "content", "not be null"));
        }

        var kind = type == OrgPolicyTypes.ServiceControlPolicy ? PolicyKind.ServiceControlPolicy : PolicyKind.ResourceControlPolicy;
        var parsed = PolicyDocument.Parse(content, kind);
        if (!parsed.IsValid && PolicyErrors.ForOrganizations(parsed.Problems) is { } error)
        {
            throw new AwsErrorException(error.Code == "ConstraintViolationException"
                ? OrganizationErrors.Constraint("POLICY_CONTENT_LIMIT_EXCEEDED", error.Message)
                : OrganizationErrors.MalformedPolicy(error.Message));
        }
    }

    // ---- Tags ----

    public void TagResource(string callerAccount, string? resourceId, IReadOnlyList<OrgTag> tags)
    {
        ValidateTags(tags);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            TaggableResource(org, resourceId);
            var list = org.Tags.TryGetValue(resourceId!, out var existing) ? existing : org.Tags[resourceId!] = [];
            foreach (var tag in tags)
            {
                list.RemoveAll(t => t.Key == tag.Key);
                list.Add(tag);
            }

            if (list.Count > MaxTags)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("TAG_POLICY_VIOLATION", "You have exceeded the maximum number of tags."));
            }

            Save(org);
        }
    }

    public void UntagResource(string callerAccount, string? resourceId, IReadOnlyList<string> keys)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            TaggableResource(org, resourceId);
            if (org.Tags.TryGetValue(resourceId!, out var list))
            {
                list.RemoveAll(t => keys.Contains(t.Key));
            }

            Save(org);
        }
    }

    public IReadOnlyList<OrgTag> ListTags(string callerAccount, string? resourceId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            TaggableResource(org, resourceId);
            return org.Tags.TryGetValue(resourceId!, out var list) ? [.. list] : [];
        }
    }

    private static void TaggableResource(Organization org, string? resourceId)
    {
        if (org.Policies.Exists(p => p.Id == resourceId))
        {
            return;
        }

        Target(org, resourceId);
    }

    // ---- The authorizer's view ----

    public AccountOrganization? ForAccount(string accountId)
    {
        var views = _views;
        if (views is null)
        {
            lock (_gate)
            {
                views = _views ??= BuildViews();
            }
        }

        return views.GetValueOrDefault(accountId);
    }

    private Dictionary<string, AccountOrganization> BuildViews()
    {
        var views = new Dictionary<string, AccountOrganization>(StringComparer.Ordinal);
        foreach (var org in _orgs.Values)
        {
            foreach (var account in org.Accounts)
            {
                // The path from the root down: the root, each OU, then the account itself.
                var chain = new List<string>();
                for (var id = account.ParentId; id != org.RootId && org.Units.Find(u => u.Id == id) is { } unit; id = unit.ParentId)
                {
                    chain.Insert(0, id);
                }

                var path = $"{org.Id}/{org.RootId}/" + string.Concat(chain.Select(c => c + "/"));
                var levels = new List<string> { org.RootId };
                levels.AddRange(chain);
                levels.Add(account.Id);
                views[account.Id] = new AccountOrganization(org.Id, path, account.Id == org.ManagementAccountId,
                    Levels(org, levels, OrgPolicyTypes.ServiceControlPolicy), Levels(org, levels, OrgPolicyTypes.ResourceControlPolicy));
            }
        }

        return views;
    }

    private static List<OrganizationPolicyLevel> Levels(Organization org, List<string> targets, string type) =>
        !org.EnabledPolicyTypes.Contains(type)
            ? []
            : [.. targets.Select(t => new OrganizationPolicyLevel(t,
                [.. AttachedOfType(org, t, type).Select(p => new NamedPolicy(org.PolicyArn(p), p.Content))]))];
}

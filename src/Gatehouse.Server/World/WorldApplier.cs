using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Organizations;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.World;

/// <summary>What applying a world file did, for the start-up log.</summary>
internal sealed record WorldSummary(int Accounts, int Users, int Roles, int Groups, int Policies, int Queues);

/// <summary>
/// Applies a world file at start-up, idempotently: what the file declares is created when missing and brought in
/// line when present (documents, trust policies, tags, boundaries, attachments, memberships, keys, queue attributes);
/// what the file does not mention is left alone, so identities made through the API survive a restart.
/// </summary>
internal static class WorldApplier
{
    public static async Task<WorldSummary> ApplyFileAsync(string file, IdentityRegistry registry, SqsService sqs, GatehouseOptions options,
        OrganizationService? organizations = null, CancellationToken ct = default)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(file, ct);
        }
        catch (IOException ex)
        {
            throw new WorldFileException(file, [$"$: cannot read the file: {ex.Message}"]);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new WorldFileException(file, [$"$: cannot read the file: {ex.Message}"]);
        }

        return await ApplyAsync(file, WorldParser.Parse(file, text), registry, sqs, options, organizations, ct);
    }

    public static async Task<WorldSummary> ApplyAsync(string file, WorldSpec spec, IdentityRegistry registry, SqsService sqs, GatehouseOptions options,
        OrganizationService? organizations = null, CancellationToken ct = default)
    {
        var at = "$";
        try
        {
            foreach (var account in spec.Accounts)
            {
                at = account.Path;
                registry.EnsureAccount(account.Id, account.RootAccessKey?.AccessKeyId, account.RootAccessKey?.SecretAccessKey);
                ApplyIdentities(account, registry, ref at);
                foreach (var queue in account.Queues)
                {
                    at = queue.Path;
                    await ApplyQueueAsync(account.Id, queue, sqs, options, ct);
                }
            }
            if (spec.Organization is { } org && organizations is not null)
            {
                at = org.Path;
                WorldOrganizationApplier.Apply(org, organizations, options.AccountId, ref at);
            }
        }
        catch (AwsErrorException ex)
        {
            throw new WorldFileException(file, [$"{at}: {ex.Error.QueryCode}: {ex.Error.Message}"]);
        }

        return new WorldSummary(
            spec.Accounts.Count,
            spec.Accounts.Sum(a => a.Users.Count),
            spec.Accounts.Sum(a => a.Roles.Count),
            spec.Accounts.Sum(a => a.Groups.Count),
            spec.Accounts.Sum(a => a.Policies.Count),
            spec.Accounts.Sum(a => a.Queues.Count));
    }

    private static void ApplyIdentities(WorldAccount account, IdentityRegistry registry, ref string at)
    {
        var id = account.Id;
        string Resolve(string reference) => reference.StartsWith("arn:", StringComparison.Ordinal)
            ? reference
            : account.Policies.FirstOrDefault(p => string.Equals(p.Name, reference, StringComparison.OrdinalIgnoreCase)) is { } own
                ? $"arn:aws:iam::{id}:policy{own.IamPath}{own.Name}"
                : $"arn:aws:iam::aws:policy/{reference}";

        foreach (var policy in account.Policies)
        {
            at = policy.Path;
            var arn = $"arn:aws:iam::{id}:policy{policy.IamPath}{policy.Name}";
            PolicyInfo? existing = null;
            try
            {
                existing = registry.GetPolicy(arn);
            }
            catch (AwsErrorException)
            {
            }

            if (existing is null)
            {
                registry.CreatePolicy(id, policy.Name, policy.IamPath, policy.Document.Json, policy.Description);
            }
            else if (registry.GetPolicyVersion(arn, existing.DefaultVersionId).Document != policy.Document.Json)
            {
                var versions = registry.ListPolicyVersions(arn);
                if (versions.Count >= 5)
                {
                    registry.DeletePolicyVersion(id, arn, versions.Last(v => !v.IsDefaultVersion).VersionId);
                }

                registry.CreatePolicyVersion(id, arn, policy.Document.Json, setAsDefault: true);
            }
        }

        foreach (var group in account.Groups)
        {
            at = group.Path;
            if (!registry.ListGroups(id).Any(g => string.Equals(g.GroupName, group.Name, StringComparison.OrdinalIgnoreCase)))
            {
                registry.CreateGroup(id, group.Name, group.IamPath);
            }

            ApplyPolicies(registry, IamEntityKind.Group, id, group.Name, group.Policies, Resolve, ref at);
        }

        foreach (var user in account.Users)
        {
            at = user.Path;
            var exists = registry.ListUsers(id).Any(u => string.Equals(u.UserName, user.Name, StringComparison.OrdinalIgnoreCase));
            if (!exists)
            {
                registry.CreateUser(id, user.Name, user.IamPath);
            }
            else
            {
                registry.UpdateUser(id, user.Name, null, user.IamPath);
            }

            ApplyPrincipal(registry, IamEntityKind.User, id, user.Name, user.Tags, user.Boundary, user.Policies, Resolve, ref at);
            foreach (var group in user.Groups)
            {
                at = user.Path + ".groups";
                registry.AddUserToGroup(id, group, user.Name);
            }

            foreach (var key in user.AccessKeys)
            {
                at = key.Path;
                registry.CreateAccessKey(id, user.Name, (key.AccessKeyId, key.SecretAccessKey, key.Status));
            }
        }

        foreach (var role in account.Roles)
        {
            at = role.Path;
            var exists = registry.ListRoles(id).Any(r => string.Equals(r.RoleName, role.Name, StringComparison.OrdinalIgnoreCase));
            if (!exists)
            {
                registry.CreateRole(id, role.Name, role.IamPath, role.TrustPolicy.Json, role.Description, role.MaxSessionDuration);
            }
            else
            {
                registry.UpdateAssumeRolePolicy(id, role.Name, role.TrustPolicy.Json);
                registry.UpdateRole(id, role.Name, role.Description, role.MaxSessionDuration);
            }

            ApplyPrincipal(registry, IamEntityKind.Role, id, role.Name, role.Tags, role.Boundary, role.Policies, Resolve, ref at);
        }
    }

    /// <summary>What users and roles share: tags, permissions boundary (removed when the file names none) and
    /// policies.</summary>
    private static void ApplyPrincipal(IdentityRegistry registry, IamEntityKind kind, string account, string name,
        IReadOnlyList<(string Key, string Value)> tags, (string Path, string Reference)? boundary, WorldPolicies policies,
        Func<string, string> resolve, ref string at)
    {
        registry.Tag(kind, account, name, [.. tags.Select(t => new IamTag(t.Key, t.Value))]);
        if (boundary is { } b)
        {
            at = b.Path;
            registry.PutPermissionsBoundary(kind, account, name, resolve(b.Reference));
        }
        else
        {
            registry.DeletePermissionsBoundary(kind, account, name);
        }

        ApplyPolicies(registry, kind, account, name, policies, resolve, ref at);
    }

    private static void ApplyPolicies(IdentityRegistry registry, IamEntityKind kind, string account, string name, WorldPolicies policies,
        Func<string, string> resolve, ref string at)
    {
        foreach (var (policyName, document) in policies.Inline)
        {
            at = document.Path;
            registry.PutInlinePolicy(kind, account, name, policyName, document.Json);
        }

        foreach (var (path, reference) in policies.Managed)
        {
            at = path;
            registry.AttachPolicy(kind, account, name, resolve(reference));
        }
    }

    private static async Task ApplyQueueAsync(string account, WorldQueue queue, SqsService sqs, GatehouseOptions options, CancellationToken ct)
    {
        var region = queue.Region ?? options.DefaultRegion;
        var caller = new SqsCaller(account, region, account, options.AdvertisedUrl ?? $"http://localhost:{options.Port}", QueryProtocol: false);
        var attributes = queue.Attributes.ToList();
        if (queue.Policy is { } policy)
        {
            attributes.Add(new("Policy", policy.Json));
        }

        if (sqs.Find(account, region, queue.Name) is { } existing)
        {
            if (attributes.Count > 0)
            {
                // FifoQueue cannot be set after creation; it is fixed by the name anyway.
                await sqs.SetQueueAttributesAsync(caller, existing, [.. attributes.Where(a => a.Key != "FifoQueue")], ct);
            }

            return;
        }

        await sqs.CreateQueueAsync(caller, new CreateQueueRequest(queue.Name, attributes, queue.Tags.Count > 0 ? queue.Tags : null), ct);
    }
}

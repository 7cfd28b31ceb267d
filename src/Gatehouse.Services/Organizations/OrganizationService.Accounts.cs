using System.Text.RegularExpressions;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Services.Organizations;

public sealed partial class OrganizationService
{
    /// <summary>The role CreateAccount makes in the new account unless the request names another.</summary>
    public const string DefaultAccessRoleName = "OrganizationAccountAccessRole";

    /// <summary>The inline policy AWS puts on that role: full administrator access (Organizations user guide,
    /// "Accessing a member account that has a management account access role").</summary>
    public const string AccessRolePolicyName = "AdministratorAccess";

    private const string AdministratorDocument = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";

    [GeneratedRegex(@"^[^\s@]+@[^\s@]+\.[^\s@]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[\u0020-\u007E]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();

    /// <summary>The role's trust policy: the management account (its IAM principals that are allowed
    /// <c>sts:AssumeRole</c> by their own policies) may assume it.</summary>
    public static string AccessRoleTrustPolicy(string managementAccountId) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{managementAccountId}}:root"},"Action":"sts:AssumeRole"}]}""";

    /// <summary>
    /// CreateAccount: answers <c>IN_PROGRESS</c> at once; the request succeeds (or fails, for an email address
    /// already in use) after <see cref="AccountCreationTime"/>. The account exists in the identity registry from the
    /// start, without root credentials (centralized root access: member accounts made this way have none), with the
    /// access role trusting the management account and carrying administrator access.
    /// </summary>
    /// <param name="accountId">Given by the world file; otherwise a new id is drawn.</param>
    /// <param name="immediate">The world file's accounts join at once.</param>
    public CreateAccountView CreateAccount(string callerAccount, string? email, string? accountName, string? roleName,
        IReadOnlyList<OrgTag>? tags = null, string? accountId = null, string? parentId = null, bool immediate = false)
    {
        if (email is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "email", "not be null"));
        }

        if (accountName is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "accountName", "not be null"));
        }

        if (email.Length is < 6 or > 64 || !EmailPattern().IsMatch(email))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_EMAIL_ADDRESS_TARGET", "You provided an invalid email address."));
        }

        if (accountName.Length is < 1 or > 50 || !NamePattern().IsMatch(accountName))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_PATTERN"));
        }

        roleName ??= DefaultAccessRoleName;
        if (!RoleNamePattern().IsMatch(roleName))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_PATTERN"));
        }

        ValidateTags(tags);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (org.Accounts.Count >= MaxAccounts)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("ACCOUNT_NUMBER_LIMIT_EXCEEDED",
                    "You have exceeded the allowed number of AWS accounts."));
            }

            var parent = parentId ?? org.RootId;
            if (!ParentExists(org, parent))
            {
                throw new AwsErrorException(OrganizationErrors.ParentNotFound());
            }

            var now = Now;
            var record = new CreateAccountRecord
            {
                Id = "car-" + RandomString(Lower + Digits, 32),
                AccountName = accountName,
                Requested = now,
                Completes = immediate ? now : now + AccountCreationTime,
            };
            if (_orgs.Values.Any(o => o.Accounts.Exists(a => string.Equals(a.Email, email, StringComparison.OrdinalIgnoreCase))))
            {
                record.FailureReason = "EMAIL_ALREADY_EXISTS";
            }
            else
            {
                var id = accountId ?? NewAccountId();
                _registry.EnsureAccount(id);
                if (_registry.ListRoles(id).All(r => !string.Equals(r.RoleName, roleName, StringComparison.OrdinalIgnoreCase)))
                {
                    _registry.CreateRole(id, roleName, "/", AccessRoleTrustPolicy(org.ManagementAccountId));
                    _registry.PutInlinePolicy(IamEntityKind.Role, id, roleName, AccessRolePolicyName, AdministratorDocument);
                }

                record.AccountId = id;
                org.Accounts.Add(new OrgAccount { Id = id, Name = accountName, Email = email, ParentId = parent, JoinedMethod = "CREATED", Joined = record.Completes });
                AttachDefaults(org, id);
                if (tags is { Count: > 0 })
                {
                    org.Tags[id] = [.. tags];
                }
            }

            org.CreateAccountRequests.Add(record);
            Save(org);
            return View(record, now);
        }
    }

    public CreateAccountView DescribeCreateAccountStatus(string callerAccount, string? requestId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var record = org.CreateAccountRequests.Find(r => r.Id == requestId)
                ?? throw new AwsErrorException(OrganizationErrors.CreateAccountStatusNotFound());
            return View(record, Now);
        }
    }

    public IReadOnlyList<CreateAccountView> ListCreateAccountStatus(string callerAccount, IReadOnlyList<string>? states)
    {
        lock (_gate)
        {
            var now = Now;
            return [.. Caller(callerAccount).CreateAccountRequests.Select(r => View(r, now))
                .Where(v => states is null || states.Count == 0 || states.Contains(v.State))];
        }
    }

    private static CreateAccountView View(CreateAccountRecord r, DateTimeOffset now)
    {
        var state = r.StateAt(now);
        return new(r.Id, r.AccountName, state, r.Requested, state == "IN_PROGRESS" ? null : r.Completes,
            state == "SUCCEEDED" ? r.AccountId : null, state == "FAILED" ? r.FailureReason : null);
    }

    public AccountView DescribeAccount(string callerAccount, string? accountId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var account = Visible(org).FirstOrDefault(a => a.Id == accountId) ?? throw new AwsErrorException(OrganizationErrors.AccountNotFound());
            return View(org, account);
        }
    }

    public IReadOnlyList<AccountView> ListAccounts(string callerAccount)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            return [.. Visible(org).Select(a => View(org, a))];
        }
    }

    public IReadOnlyList<AccountView> ListAccountsForParent(string callerAccount, string? parentId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (!ParentExists(org, parentId))
            {
                throw new AwsErrorException(OrganizationErrors.ParentNotFound());
            }

            return [.. Visible(org).Where(a => a.ParentId == parentId).Select(a => View(org, a))];
        }
    }

    /// <summary>RemoveAccountFromOrganization: the account leaves and stands alone; its attachments and tags go.</summary>
    public void RemoveAccount(string callerAccount, string? accountId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var account = org.Accounts.Find(a => a.Id == accountId) ?? throw new AwsErrorException(OrganizationErrors.AccountNotFound());
            if (account.Id == org.ManagementAccountId)
            {
                throw new AwsErrorException(OrganizationErrors.ManagementCannotLeave());
            }

            org.Accounts.Remove(account);
            org.Attachments.RemoveAll(a => a.TargetId == account.Id);
            org.Tags.Remove(account.Id);
            Save(org);
        }
    }

    public void MoveAccount(string callerAccount, string? accountId, string? sourceParentId, string? destinationParentId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (!ParentExists(org, sourceParentId))
            {
                throw new AwsErrorException(OrganizationErrors.SourceParentNotFound());
            }

            if (!ParentExists(org, destinationParentId))
            {
                throw new AwsErrorException(OrganizationErrors.DestinationParentNotFound());
            }

            var account = org.Accounts.Find(a => a.Id == accountId && a.ParentId == sourceParentId)
                ?? throw new AwsErrorException(OrganizationErrors.AccountNotFound());
            if (sourceParentId == destinationParentId)
            {
                throw new AwsErrorException(OrganizationErrors.DuplicateAccount());
            }

            account.ParentId = destinationParentId!;
            Save(org);
        }
    }

    private IEnumerable<OrgAccount> Visible(Organization org)
    {
        var now = Now;
        return org.Accounts.Where(a => a.Joined <= now);
    }

    private static AccountView View(Organization org, OrgAccount a) => new(a.Id, org.AccountArn(a.Id), a.Email, a.Name, a.JoinedMethod, a.Joined);

    // ---- Organizational units ----

    public UnitView CreateUnit(string callerAccount, string? parentId, string? name, IReadOnlyList<OrgTag>? tags = null)
    {
        ValidateUnitName(name);
        ValidateTags(tags);
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (!ParentExists(org, parentId))
            {
                throw new AwsErrorException(OrganizationErrors.ParentNotFound());
            }

            if (org.Units.Exists(u => u.ParentId == parentId && u.Name == name))
            {
                throw new AwsErrorException(OrganizationErrors.DuplicateUnit());
            }

            if (Depth(org, parentId!) + 1 > MaxOuDepth)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("OU_DEPTH_LIMIT_EXCEEDED",
                    "You attempted to create an OU tree that is too many levels deep."));
            }

            if (org.Units.Count >= MaxUnits)
            {
                throw new AwsErrorException(OrganizationErrors.Constraint("OU_NUMBER_LIMIT_EXCEEDED",
                    "You attempted to exceed the number of OUs that you can have in an organization."));
            }

            var unit = new OrgUnit { Id = NewUnitId(org), Name = name!, ParentId = parentId! };
            org.Units.Add(unit);
            AttachDefaults(org, unit.Id);
            if (tags is { Count: > 0 })
            {
                org.Tags[unit.Id] = [.. tags];
            }

            Save(org);
            return new(unit.Id, org.UnitArn(unit.Id), unit.Name);
        }
    }

    public UnitView DescribeUnit(string callerAccount, string? unitId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var unit = Unit(org, unitId);
            return new(unit.Id, org.UnitArn(unit.Id), unit.Name);
        }
    }

    public UnitView UpdateUnit(string callerAccount, string? unitId, string? name)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var unit = Unit(org, unitId);
            if (name is not null)
            {
                ValidateUnitName(name);
                if (org.Units.Exists(u => u != unit && u.ParentId == unit.ParentId && u.Name == name))
                {
                    throw new AwsErrorException(OrganizationErrors.DuplicateUnit());
                }

                unit.Name = name;
                Save(org);
            }

            return new(unit.Id, org.UnitArn(unit.Id), unit.Name);
        }
    }

    public void DeleteUnit(string callerAccount, string? unitId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var unit = Unit(org, unitId);
            if (org.Units.Exists(u => u.ParentId == unit.Id) || org.Accounts.Exists(a => a.ParentId == unit.Id))
            {
                throw new AwsErrorException(OrganizationErrors.UnitNotEmpty());
            }

            org.Units.Remove(unit);
            org.Attachments.RemoveAll(a => a.TargetId == unit.Id);
            org.Tags.Remove(unit.Id);
            Save(org);
        }
    }

    public IReadOnlyList<UnitView> ListUnitsForParent(string callerAccount, string? parentId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (!ParentExists(org, parentId))
            {
                throw new AwsErrorException(OrganizationErrors.ParentNotFound());
            }

            return [.. org.Units.Where(u => u.ParentId == parentId).Select(u => new UnitView(u.Id, org.UnitArn(u.Id), u.Name))];
        }
    }

    public IReadOnlyList<ChildView> ListParents(string callerAccount, string? childId)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            var parent = org.Accounts.Find(a => a.Id == childId)?.ParentId ?? org.Units.Find(u => u.Id == childId)?.ParentId
                ?? throw new AwsErrorException(OrganizationErrors.ChildNotFound());
            return [new ChildView(parent, parent == org.RootId ? "ROOT" : "ORGANIZATIONAL_UNIT")];
        }
    }

    public IReadOnlyList<ChildView> ListChildren(string callerAccount, string? parentId, string? childType)
    {
        if (childType is not ("ACCOUNT" or "ORGANIZATIONAL_UNIT"))
        {
            throw new AwsErrorException(OrganizationErrors.Validation(childType, "childType", "satisfy enum value set: [ACCOUNT, ORGANIZATIONAL_UNIT]"));
        }

        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (!ParentExists(org, parentId))
            {
                throw new AwsErrorException(OrganizationErrors.ParentNotFound());
            }

            return childType == "ACCOUNT"
                ? [.. Visible(org).Where(a => a.ParentId == parentId).Select(a => new ChildView(a.Id, "ACCOUNT"))]
                : [.. org.Units.Where(u => u.ParentId == parentId).Select(u => new ChildView(u.Id, "ORGANIZATIONAL_UNIT"))];
        }
    }

    private static OrgUnit Unit(Organization org, string? unitId) =>
        org.Units.Find(u => u.Id == unitId) ?? throw new AwsErrorException(OrganizationErrors.UnitNotFound());

    private static bool ParentExists(Organization org, string? parentId) =>
        parentId is not null && (parentId == org.RootId || org.Units.Exists(u => u.Id == parentId));

    /// <summary>How many OUs lie between the root and <paramref name="parentId"/>, the parent itself included.</summary>
    private static int Depth(Organization org, string parentId)
    {
        var depth = 0;
        for (var id = parentId; id != org.RootId && org.Units.Find(u => u.Id == id) is { } unit; id = unit.ParentId)
        {
            depth++;
        }

        return depth;
    }

    private static void ValidateUnitName(string? name)
    {
        if (name is null)
        {
            throw new AwsErrorException(OrganizationErrors.Validation(null, "name", "not be null"));
        }

        if (name.Length is < 1 or > 128 || !NamePattern().IsMatch(name))
        {
            throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_PATTERN"));
        }
    }

    private static void ValidateTags(IReadOnlyList<OrgTag>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > MaxTags)
        {
            throw new AwsErrorException(OrganizationErrors.Constraint("TAG_POLICY_VIOLATION", "You have exceeded the maximum number of tags."));
        }

        foreach (var tag in tags)
        {
            if (tag.Key.Length is < 1 or > 128 || tag.Value.Length > 256 || tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_INPUT", "You provided an invalid tag."));
            }
        }
    }
}

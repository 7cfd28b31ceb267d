using System.Security.Cryptography;
using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Services.Organizations;

/// <summary>
/// AWS Organizations: organizations, their root, OUs and accounts, SCPs and RCPs and their attachments, trusted
/// service access, and IAM's centralized root access features. Everything lives in memory behind one lock and is
/// written through to the identity store, one JSON row per organization (kind <c>organization</c>), so it survives a
/// restart and reaches the other nodes of a shared store. It answers the authorizer's
/// <see cref="IOrganizationPolicySource"/> from a snapshot rebuilt after each change.
/// Accounts made by CreateAccount are accounts of the <see cref="IdentityRegistry"/>, without root credentials, with
/// the role AWS creates in them (Organizations user guide, "Accessing member accounts").
/// </summary>
public sealed partial class OrganizationService : IOrganizationPolicySource
{
    public const string StoreKind = "organization";

    /// <summary>How long a CreateAccount request stays <c>IN_PROGRESS</c> (AWS takes minutes; tools poll).</summary>
    public static readonly TimeSpan AccountCreationTime = TimeSpan.FromSeconds(1);

    /// <summary>Default quota of accounts in an organization, the management account included (Organizations user
    /// guide, "Quotas for AWS Organizations": 10, adjustable).</summary>
    public const int MaxAccounts = 10;

    public const int MaxOuDepth = 5;
    public const int MaxUnits = 2000;
    public const int MaxPoliciesPerType = 1000;
    public const int MaxAttachmentsPerTarget = 5;
    public const int MaxTags = 50;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Lock _gate = new();
    private readonly IIdentityStore _store;
    private readonly IdentityRegistry _registry;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Organization> _orgs = new(StringComparer.Ordinal);
    private volatile Dictionary<string, AccountOrganization>? _views;

    public OrganizationService(IIdentityStore store, IdentityRegistry registry, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _time = time;
        foreach (var row in store.LoadAll())
        {
            if (row.Kind == StoreKind)
            {
                var org = JsonSerializer.Deserialize<Organization>(row.Json, Json)!;
                _orgs[org.Id] = org;
            }
        }

        store.ChangedElsewhere += OnChangedElsewhere;
    }

    private void OnChangedElsewhere(IdentityChange change)
    {
        if (change.Kind != StoreKind)
        {
            return;
        }

        lock (_gate)
        {
            if (change.Json is { } json)
            {
                _orgs[change.Key] = JsonSerializer.Deserialize<Organization>(json, Json)!;
            }
            else
            {
                _orgs.Remove(change.Key);
            }

            _views = null;
        }
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private void Save(Organization org)
    {
        _store.Put(StoreKind, org.Id, JsonSerializer.Serialize(org, Json));
        _views = null;
    }

    // ---- Who is calling ----

    /// <summary>The organization the account belongs to (as management or member account), or null.</summary>
    private Organization? Find(string accountId)
    {
        foreach (var org in _orgs.Values)
        {
            if (org.Accounts.Exists(a => a.Id == accountId))
            {
                return org;
            }
        }

        return null;
    }

    /// <summary>The caller's organization; <c>AWSOrganizationsNotInUseException</c> when there is none, and
    /// <c>AccessDeniedException</c> when <paramref name="managementOnly"/> and the caller is a member account (only the
    /// management account may call most operations: Organizations API reference, each operation's "can be called only
    /// from the organization's management account").</summary>
    private Organization Caller(string accountId, bool managementOnly = true)
    {
        var org = Find(accountId) ?? throw new AwsErrorException(OrganizationErrors.NotInUse());
        if (managementOnly && org.ManagementAccountId != accountId)
        {
            throw new AwsErrorException(OrganizationErrors.AccessDenied());
        }

        return org;
    }

    /// <summary>The checks Organizations makes before it evaluates policies; the module's authorize step calls it.</summary>
    public void CheckCaller(string accountId, bool managementOnly = true)
    {
        lock (_gate)
        {
            Caller(accountId, managementOnly);
        }
    }

    /// <summary>The organization id and management account of the caller's organization (for ARNs in queries).</summary>
    public (string OrganizationId, string ManagementAccountId)? OrganizationOf(string accountId)
    {
        lock (_gate)
        {
            return Find(accountId) is { } org ? (org.Id, org.ManagementAccountId) : null;
        }
    }

    // ---- Organization ----

    public OrganizationView CreateOrganization(string callerAccount, string? featureSet)
    {
        featureSet ??= "ALL";
        if (featureSet is not ("ALL" or "CONSOLIDATED_BILLING"))
        {
            throw new AwsErrorException(OrganizationErrors.Validation(featureSet, "featureSet", "satisfy enum value set: [ALL, CONSOLIDATED_BILLING]"));
        }

        lock (_gate)
        {
            if (Find(callerAccount) is not null)
            {
                throw new AwsErrorException(OrganizationErrors.AlreadyInOrganization());
            }

            var org = new Organization
            {
                Id = "o-" + RandomString(Lower + Digits, 10),
                ManagementAccountId = callerAccount,
                ManagementAccountEmail = $"{callerAccount}@example.com",
                ManagementAccountName = "management",
                FeatureSet = featureSet,
                RootId = "r-" + RandomString(Lower + Digits, 4),
                Created = Now,
            };
            org.Accounts.Add(new OrgAccount
            {
                Id = callerAccount,
                Name = org.ManagementAccountName,
                Email = org.ManagementAccountEmail,
                ParentId = org.RootId,
                JoinedMethod = "INVITED",
                Joined = Now,
            });
            _orgs[org.Id] = org;
            Save(org);
            return View(org);
        }
    }

    public OrganizationView DescribeOrganization(string callerAccount)
    {
        lock (_gate)
        {
            return View(Caller(callerAccount, managementOnly: false));
        }
    }

    public void DeleteOrganization(string callerAccount)
    {
        lock (_gate)
        {
            var org = Caller(callerAccount);
            if (org.Accounts.Exists(a => a.Id != org.ManagementAccountId))
            {
                throw new AwsErrorException(OrganizationErrors.OrganizationNotEmpty());
            }

            _orgs.Remove(org.Id);
            _store.Delete(StoreKind, org.Id);
            _views = null;
        }
    }

    public IReadOnlyList<RootView> ListRoots(string callerAccount)
    {
        lock (_gate)
        {
            return [RootOf(Caller(callerAccount))];
        }
    }

    private static OrganizationView View(Organization org) => new(
        org.Id, org.Arn, org.FeatureSet, org.AccountArn(org.ManagementAccountId), org.ManagementAccountId, org.ManagementAccountEmail,
        [.. org.EnabledPolicyTypes]);

    private static RootView RootOf(Organization org) => new(org.RootId, org.RootArn, "Root", [.. org.EnabledPolicyTypes]);

    // ---- Ids ----

    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Digits = "0123456789";

    private static string RandomString(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);

    private string NewAccountId()
    {
        while (true)
        {
            var id = RandomNumberGenerator.GetInt32(1, 10).ToString(System.Globalization.CultureInfo.InvariantCulture) + RandomString(Digits, 11);
            if (!_registry.AccountExists(id) && Find(id) is null)
            {
                return id;
            }
        }
    }

    private static string NewUnitId(Organization org)
    {
        while (true)
        {
            var id = $"ou-{org.RootId[2..]}-{RandomString(Lower + Digits, 8)}";
            if (!org.Units.Exists(u => u.Id == id))
            {
                return id;
            }
        }
    }

    private static string NewPolicyId() => "p-" + RandomString(Lower + Digits, 8);
}

/// <summary>ARNs of an organization's resources for authorization.</summary>
public sealed partial class OrganizationService
{
    /// <summary>The ARN of a root, OU, account or policy of the caller's organization, by id; <c>*</c> when the id
    /// names nothing there (the handler then answers the not-found error).</summary>
    public string ResourceArn(string callerAccount, string? id)
    {
        lock (_gate)
        {
            if (Find(callerAccount) is not { } org || id is null)
            {
                return "*";
            }

            if (id == org.RootId)
            {
                return org.RootArn;
            }

            if (org.Units.Exists(u => u.Id == id))
            {
                return org.UnitArn(id);
            }

            if (org.Accounts.Exists(a => a.Id == id))
            {
                return org.AccountArn(id);
            }

            return AllPolicies(org).FirstOrDefault(p => p.Id == id) is { } policy ? org.PolicyArn(policy) : "*";
        }
    }

    /// <summary>The type of a policy of the caller's organization (<c>organizations:PolicyType</c>), if it exists.</summary>
    public string? PolicyTypeOf(string callerAccount, string? policyId)
    {
        lock (_gate)
        {
            return Find(callerAccount) is { } org ? AllPolicies(org).FirstOrDefault(p => p.Id == policyId)?.Type : null;
        }
    }
}

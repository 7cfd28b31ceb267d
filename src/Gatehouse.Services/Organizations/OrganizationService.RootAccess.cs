using Gatehouse.Protocol;

namespace Gatehouse.Services.Organizations;

/// <summary>IAM's errors for centralized root access (IAM API reference: EnableOrganizationsRootCredentialsManagement,
/// EnableOrganizationsRootSessions, ListOrganizationsFeatures).</summary>
public static class RootAccessErrors
{
    private const string Ns = "com.amazonaws.iam#";

    private static AwsError E(string code, int status, string message) => new(Ns + code, code, status, message);

    public static AwsError OrganizationNotFound() =>
        E("OrganizationNotFoundException", 400, "The request was rejected because no organization is associated with your account.");

    public static AwsError ServiceAccessNotEnabled() =>
        E("ServiceAccessNotEnabledException", 400, "The request was rejected because trusted access is not enabled for IAM in Organizations.");

    public static AwsError CallerIsNotManagementAccount() =>
        E("CallerIsNotManagementAccountException", 400, "The request was rejected because the account making the request is not the management account for the organization.");

    public static AwsError NotManagementOrDelegatedAdministrator() =>
        E("AccountNotManagementOrDelegatedAdministratorException", 400,
            "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.");

    public static AwsError NotInAllFeaturesMode() =>
        E("OrganizationNotInAllFeaturesModeException", 400, "The request was rejected because your organization does not have All features enabled.");
}

public sealed partial class OrganizationService
{
    public const string RootCredentialsManagement = "RootCredentialsManagement";
    public const string RootSessions = "RootSessions";

    /// <summary>
    /// IAM's Enable/DisableOrganizationsRootCredentialsManagement and Enable/DisableOrganizationsRootSessions: needs an
    /// organization with all features, called from its management account, with trusted access for
    /// <c>iam.amazonaws.com</c> (IAM user guide, "Centralize root access for member accounts").
    /// </summary>
    public RootAccessFeatures SetRootAccessFeature(string callerAccount, string feature, bool enable)
    {
        lock (_gate)
        {
            var org = RootAccessOrganization(callerAccount, enable);
            org.IamFeatures.Remove(feature);
            if (enable)
            {
                org.IamFeatures.Add(feature);
            }

            Save(org);
            return new(org.Id, [.. org.IamFeatures]);
        }
    }

    public RootAccessFeatures ListRootAccessFeatures(string callerAccount)
    {
        lock (_gate)
        {
            var org = RootAccessOrganization(callerAccount, enabling: false);
            return new(org.Id, [.. org.IamFeatures]);
        }
    }

    private Organization RootAccessOrganization(string callerAccount, bool enabling)
    {
        var org = Find(callerAccount) ?? throw new AwsErrorException(RootAccessErrors.OrganizationNotFound());
        if (org.ManagementAccountId != callerAccount)
        {
            throw new AwsErrorException(enabling ? RootAccessErrors.CallerIsNotManagementAccount() : RootAccessErrors.NotManagementOrDelegatedAdministrator());
        }

        if (org.FeatureSet != "ALL")
        {
            throw new AwsErrorException(RootAccessErrors.NotInAllFeaturesMode());
        }

        if (!org.ServiceAccess.Exists(s => s.ServicePrincipal == "iam.amazonaws.com"))
        {
            throw new AwsErrorException(RootAccessErrors.ServiceAccessNotEnabled());
        }

        return org;
    }

    /// <summary>Whether <paramref name="callerAccount"/> may open a root session in <paramref name="targetAccount"/>
    /// (STS AssumeRoot): it is the management account of the organization the target is a member of, and root
    /// sessions are enabled there.</summary>
    public bool RootSessionsAllowed(string callerAccount, string targetAccount)
    {
        lock (_gate)
        {
            return Find(targetAccount) is { } org && org.ManagementAccountId == callerAccount && targetAccount != callerAccount
                && org.IamFeatures.Contains(RootSessions) && org.ServiceAccess.Exists(s => s.ServicePrincipal == "iam.amazonaws.com");
        }
    }
}

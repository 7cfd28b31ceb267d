using Gatehouse.Protocol;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Iam;

/// <summary>IAM's centralized root access for the members of an organization (IAM API reference:
/// Enable/DisableOrganizationsRootCredentialsManagement, Enable/DisableOrganizationsRootSessions,
/// ListOrganizationsFeatures). These actions have no resource type, so they are authorized on <c>*</c>.</summary>
internal sealed partial class IamQueryApi
{
    private void RegisterRootAccess(OrganizationService organizations)
    {
        static string Any(Pipeline.ActionContext c, IRequestReader r) => "*";

        void Feature(string action, string feature, bool enable) =>
            On(action, Any, (call, _) => Write(organizations.SetRootAccessFeature(Account(call), feature, enable)));

        Feature("EnableOrganizationsRootCredentialsManagement", OrganizationService.RootCredentialsManagement, enable: true);
        Feature("DisableOrganizationsRootCredentialsManagement", OrganizationService.RootCredentialsManagement, enable: false);
        Feature("EnableOrganizationsRootSessions", OrganizationService.RootSessions, enable: true);
        Feature("DisableOrganizationsRootSessions", OrganizationService.RootSessions, enable: false);
        On("ListOrganizationsFeatures", Any, (call, _) => Write(organizations.ListRootAccessFeatures(Account(call))));
    }

    private static Action<IResponseWriter> Write(RootAccessFeatures features) => w =>
    {
        w.String("OrganizationId", features.OrganizationId);
        w.MemberStringList("EnabledFeatures", features.EnabledFeatures);
    };
}

using System.Text.Json;

namespace Gatehouse.Identity.Tests;

/// <summary>The rest of the Organizations API through boto3, from a new organization to its deletion, on a server of
/// its own.</summary>
public sealed class OrganizationLifecycleTests(IdentityServer server) : IClassFixture<IdentityServer>
{
    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task Units_policies_tags_service_access_and_deletion()
    {
        var r = await OrganizationScripts.RunAsync(server, """
            root = ensure_org()
            acct, _ = new_account("lifecycle")
            out = {}
            out["statuses"] = [s["State"] for s in org.list_create_account_status()["CreateAccountStatuses"]]
            out["underRoot"] = [a["Id"] for a in org.list_accounts_for_parent(ParentId=root)["Accounts"]]

            ou = org.create_organizational_unit(ParentId=root, Name="Before")["OrganizationalUnit"]["Id"]
            org.update_organizational_unit(OrganizationalUnitId=ou, Name="After")
            out["ouName"] = org.describe_organizational_unit(OrganizationalUnitId=ou)["OrganizationalUnit"]["Name"]

            doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:PurgeQueue", "Resource": "*"}]}
            p = org.create_policy(Name="no-purge", Description="v1", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(doc))["Policy"]["PolicySummary"]["Id"]
            org.update_policy(PolicyId=p, Description="v2")
            out["description"] = org.describe_policy(PolicyId=p)["Policy"]["PolicySummary"]["Description"]
            org.attach_policy(PolicyId=p, TargetId=ou)
            out["targets"] = [t["TargetId"] for t in org.list_targets_for_policy(PolicyId=p)["Targets"]]
            org.tag_resource(ResourceId=p, Tags=[{"Key": "team", "Value": "platform"}, {"Key": "tmp", "Value": "1"}])
            org.untag_resource(ResourceId=p, TagKeys=["tmp"])
            out["tags"] = org.list_tags_for_resource(ResourceId=p)["Tags"]
            org.detach_policy(PolicyId=p, TargetId=ou)
            org.delete_policy(PolicyId=p)

            org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
            out["access"] = [s["ServicePrincipal"] for s in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]]
            iam.enable_organizations_root_credentials_management()
            iam.enable_organizations_root_sessions()
            out["features"] = iam.list_organizations_features()["EnabledFeatures"]
            iam.disable_organizations_root_sessions()
            iam.disable_organizations_root_credentials_management()
            out["featuresAfter"] = iam.list_organizations_features()["EnabledFeatures"]
            org.disable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
            out["accessAfter"] = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]

            org.disable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
            out["types"] = [t["Type"] for t in org.list_roots()["Roots"][0]["PolicyTypes"] if t["Status"] == "ENABLED"]

            org.delete_organizational_unit(OrganizationalUnitId=ou)
            out["deleteWithMembers"] = err(lambda: org.delete_organization())
            org.remove_account_from_organization(AccountId=acct)
            org.delete_organization()
            out["afterDelete"] = err(lambda: org.describe_organization())
            print(json.dumps(out))
            """);
        Assert.Contains("SUCCEEDED", r.GetProperty("statuses").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("000000000000", r.GetProperty("underRoot").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("After", S(r, "ouName"));
        Assert.Equal("v2", S(r, "description"));
        Assert.Single(r.GetProperty("targets").EnumerateArray());
        var tag = Assert.Single(r.GetProperty("tags").EnumerateArray());
        Assert.Equal("team", S(tag, "Key"));
        Assert.Equal(["iam.amazonaws.com"], r.GetProperty("access").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("RootSessions", r.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(r.GetProperty("featuresAfter").EnumerateArray());
        Assert.Empty(r.GetProperty("accessAfter").EnumerateArray());
        Assert.Equal(["SERVICE_CONTROL_POLICY"], r.GetProperty("types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("OrganizationNotEmptyException", S(r.GetProperty("deleteWithMembers"), "Code"));
        Assert.Equal("AWSOrganizationsNotInUseException", S(r.GetProperty("afterDelete"), "Code"));
    }
}

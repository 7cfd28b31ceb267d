using System.Text.Json;

namespace Gatehouse.Identity.Tests;

/// <summary>
/// boto3 helpers for the organization tests, prepended to each script: the organization (created once, SCPs and RCPs
/// enabled), member accounts made with CreateAccount (polled until they succeed), a management-account administrator
/// (the root user cannot assume roles), and sessions of <c>OrganizationAccountAccessRole</c> in a member account.
/// </summary>
internal static class OrganizationScripts
{
    public const string Prelude = """
        import time
        org = client("organizations")
        def ensure_org():
            try:
                org.describe_organization()
            except botocore.exceptions.ClientError:
                org.create_organization(FeatureSet="ALL")
            root = org.list_roots()["Roots"][0]
            enabled = [p["Type"] for p in root.get("PolicyTypes", [])]
            for t in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
                if t not in enabled:
                    org.enable_policy_type(RootId=root["Id"], PolicyType=t)
            return root["Id"]
        def new_account(name):
            s = org.create_account(Email=name + "@example.com", AccountName=name)["CreateAccountStatus"]
            states = [s["State"]]
            while s["State"] == "IN_PROGRESS":
                time.sleep(0.2)
                s = org.describe_create_account_status(CreateAccountRequestId=s["Id"])["CreateAccountStatus"]
            states.append(s["State"])
            return s.get("AccountId"), states
        def admin(name):
            iam.create_user(UserName=name)
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
            k = iam.create_access_key(UserName=name)["AccessKey"]
            return (k["AccessKeyId"], k["SecretAccessKey"])
        def role_session(account, admin_key):
            c = client("sts", *admin_key).assume_role(
                RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % account, RoleSessionName="tests")["Credentials"]
            return (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        def user_in(creds, name, policy):
            i = client("iam", *creds)
            i.create_user(UserName=name)
            if policy is not None:
                i.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
            k = i.create_access_key(UserName=name)["AccessKey"]
            return (k["AccessKeyId"], k["SecretAccessKey"])
        def err(f):
            try:
                f()
                return None
            except botocore.exceptions.ClientError as e:
                return {"Code": e.response["Error"]["Code"], "Message": e.response["Error"]["Message"], "Reason": e.response.get("Reason")}
        def allow(actions, resource="*"):
            return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
        def scp(name, statements, target, kind="SERVICE_CONTROL_POLICY"):
            p = org.create_policy(Name=name, Description=name, Type=kind,
                                  Content=json.dumps({"Version": "2012-10-17", "Statement": statements}))["Policy"]["PolicySummary"]
            org.attach_policy(PolicyId=p["Id"], TargetId=target)
            return p["Id"]

        """;

    public static async Task<JsonElement> RunAsync(IdentityServer server, string script) => await server.Boto3Async(Prelude + script);
}

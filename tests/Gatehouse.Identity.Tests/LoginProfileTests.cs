using System.Diagnostics;
using Gatehouse.Services.Iam;

namespace Gatehouse.Identity.Tests;

/// <summary>Console passwords through boto3 (the Query protocol): login profiles, the account password policy and
/// ChangePassword, with IAM's error codes. Its own server: the password policy is account-wide.</summary>
public sealed class LoginProfileTests(IdentityServer server) : IClassFixture<IdentityServer>
{
    [Fact]
    public async Task Login_profiles_password_policy_and_change_password()
    {
        var r = await server.Boto3Async("""
            out = {}
            iam.create_user(UserName="lp-user")
            out["missing"] = error(lambda: iam.get_login_profile(UserName="lp-user"))
            out["weakDefault"] = error(lambda: iam.create_login_profile(UserName="lp-user", Password="short"))
            p = iam.create_login_profile(UserName="lp-user", Password="Corr3ct-Horse", PasswordResetRequired=True)["LoginProfile"]
            out["created"] = [p["UserName"], p["PasswordResetRequired"]]
            out["again"] = error(lambda: iam.create_login_profile(UserName="lp-user", Password="Corr3ct-Horse"))
            out["got"] = iam.get_login_profile(UserName="lp-user")["LoginProfile"]["PasswordResetRequired"]
            iam.update_login_profile(UserName="lp-user", PasswordResetRequired=False)
            out["updated"] = iam.get_login_profile(UserName="lp-user")["LoginProfile"]["PasswordResetRequired"]
            out["deleteUser"] = error(lambda: iam.delete_user(UserName="lp-user"))
            out["noUser"] = error(lambda: iam.get_login_profile(UserName="nobody-here"))

            out["noPolicy"] = error(lambda: iam.get_account_password_policy())
            iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True,
                RequireUppercaseCharacters=True, RequireLowercaseCharacters=True, AllowUsersToChangePassword=False, PasswordReusePrevention=2)
            pol = iam.get_account_password_policy()["PasswordPolicy"]
            out["policy"] = [pol["MinimumPasswordLength"], pol["RequireSymbols"], pol["AllowUsersToChangePassword"], pol["ExpirePasswords"], pol["PasswordReusePrevention"]]
            out["tooShort"] = error(lambda: iam.update_login_profile(UserName="lp-user", Password="Sh0rt!"))
            out["noSymbol"] = error(lambda: iam.update_login_profile(UserName="lp-user", Password="NoSymbolsHere123"))
            loose = boto3.client("iam", endpoint_url=iam.meta.endpoint_url, region_name="us-east-1", aws_access_key_id="test",
                aws_secret_access_key="test", config=botocore.config.Config(parameter_validation=False))
            out["badLength"] = error(lambda: loose.update_account_password_policy(MinimumPasswordLength=5))

            k = iam.create_access_key(UserName="lp-user")["AccessKey"]
            u = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
            out["changeDenied"] = error(lambda: u.change_password(OldPassword="Corr3ct-Horse", NewPassword="Longer-Passw0rd!"))
            iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True,
                RequireUppercaseCharacters=True, RequireLowercaseCharacters=True, AllowUsersToChangePassword=True, PasswordReusePrevention=2)
            out["wrongOld"] = error(lambda: u.change_password(OldPassword="not-it", NewPassword="Longer-Passw0rd!"))
            out["weakNew"] = error(lambda: u.change_password(OldPassword="Corr3ct-Horse", NewPassword="weak"))
            u.change_password(OldPassword="Corr3ct-Horse", NewPassword="Longer-Passw0rd!")
            out["reuse"] = error(lambda: u.change_password(OldPassword="Longer-Passw0rd!", NewPassword="Corr3ct-Horse"))
            # The setting's grant is one more allow: an explicit deny still wins.
            iam.put_user_policy(UserName="lp-user", PolicyName="no-change", PolicyDocument=json.dumps({"Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}]}))
            out["explicitDeny"] = error(lambda: u.change_password(OldPassword="Longer-Passw0rd!", NewPassword="Another-Passw0rd!"))
            iam.delete_user_policy(UserName="lp-user", PolicyName="no-change")
            out["rootChange"] = error(lambda: iam.change_password(OldPassword="x", NewPassword="Longer-Passw0rd!"))
            iam.delete_account_password_policy()
            out["deletedPolicy"] = error(lambda: iam.delete_account_password_policy())

            iam.delete_login_profile(UserName="lp-user")
            out["deletedProfile"] = error(lambda: iam.delete_login_profile(UserName="lp-user"))
            print(json.dumps(out))
            """);

        static void Error(System.Text.Json.JsonElement e, string code, int status, string? message = null)
        {
            Assert.Equal(code, e.GetProperty("Code").GetString());
            Assert.Equal(status, e.GetProperty("Status").GetInt32());
            if (message is not null)
            {
                Assert.Equal(message, e.GetProperty("Message").GetString());
            }
        }

        Error(r.GetProperty("missing"), "NoSuchEntity", 404, "Login Profile for User lp-user cannot be found.");
        Error(r.GetProperty("weakDefault"), "PasswordPolicyViolation", 400);
        Assert.Equal("lp-user", r.GetProperty("created")[0].GetString());
        Assert.True(r.GetProperty("created")[1].GetBoolean());
        Error(r.GetProperty("again"), "EntityAlreadyExists", 409, "Login Profile for user lp-user already exists.");
        Assert.True(r.GetProperty("got").GetBoolean());
        Assert.False(r.GetProperty("updated").GetBoolean());
        Error(r.GetProperty("deleteUser"), "DeleteConflict", 409, "Cannot delete entity, must delete login profile first.");
        Error(r.GetProperty("noUser"), "NoSuchEntity", 404, "The user with name nobody-here cannot be found.");
        Error(r.GetProperty("explicitDeny"), "AccessDenied", 403);
        Assert.Contains("with an explicit deny in an identity-based policy", r.GetProperty("explicitDeny").GetProperty("Message").GetString(), StringComparison.Ordinal);
        Error(r.GetProperty("noPolicy"), "NoSuchEntity", 404, "The Password Policy with domain name 000000000000 cannot be found.");
        Assert.Equal("[12, true, false, false, 2]", r.GetProperty("policy").GetRawText());
        Error(r.GetProperty("tooShort"), "PasswordPolicyViolation", 400, "Password should have a minimum length of 12");
        Error(r.GetProperty("noSymbol"), "PasswordPolicyViolation", 400, "Password should have at least one symbol");
        Error(r.GetProperty("badLength"), "ValidationError", 400);
        Error(r.GetProperty("changeDenied"), "AccessDenied", 403);
        Assert.Contains("iam:ChangePassword on resource: arn:aws:iam::000000000000:user/lp-user", r.GetProperty("changeDenied").GetProperty("Message").GetString(), StringComparison.Ordinal);
        Error(r.GetProperty("wrongOld"), "AccessDenied", 403);
        Error(r.GetProperty("weakNew"), "PasswordPolicyViolation", 400);
        Error(r.GetProperty("reuse"), "PasswordPolicyViolation", 400);
        Error(r.GetProperty("rootChange"), "InvalidUserType", 400);
        Error(r.GetProperty("deletedPolicy"), "NoSuchEntity", 404);
        Error(r.GetProperty("deletedProfile"), "NoSuchEntity", 404, "Login Profile for User lp-user cannot be found.");
    }

    [Fact]
    public void Passwords_are_slow_salted_hashes_compared_in_constant_time()
    {
        var a = PasswordHasher.Hash("Corr3ct-Horse");
        var b = PasswordHasher.Hash("Corr3ct-Horse");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha256$600000$", a, StringComparison.Ordinal);
        Assert.DoesNotContain("Corr3ct", a, StringComparison.Ordinal);
        var watch = Stopwatch.StartNew();
        Assert.True(PasswordHasher.Verify("Corr3ct-Horse", a));
        var elapsed = watch.Elapsed;
        Assert.False(PasswordHasher.Verify("corr3ct-Horse", a));
        Assert.False(PasswordHasher.Verify("Corr3ct-Horse", null));
        Assert.False(PasswordHasher.Verify("x", "garbage"));
        // Slow on purpose: tens of milliseconds at least on any machine this runs on.
        Assert.True(elapsed > TimeSpan.FromMilliseconds(20), $"one verification took {elapsed.TotalMilliseconds} ms");
    }
}

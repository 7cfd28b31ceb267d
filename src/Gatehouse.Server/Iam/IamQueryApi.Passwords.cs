using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Iam;

namespace Gatehouse.Server.Iam;

/// <summary>
/// Console passwords: login profiles (checked on the user's ARN), the caller's own ChangePassword and the account
/// password policy (an action without a resource type, so checked on <c>*</c>; IAM Service Authorization
/// Reference). Passwords are hashed by the registry and never written back (docs/console.md).
/// </summary>
internal sealed partial class IamQueryApi
{
    private void RegisterPasswords()
    {
        On("CreateLoginProfile", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            var profile = _registry.CreateLoginProfile(Account(call), KeyUser(call, r), r.GetString("Password"), r.GetBool("PasswordResetRequired") ?? false);
            return w => w.Structure("LoginProfile", p => LoginProfile(p, profile));
        });
        On("GetLoginProfile", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            var profile = _registry.GetLoginProfile(Account(call), KeyUser(call, r));
            return w => w.Structure("LoginProfile", p => LoginProfile(p, profile));
        });
        On("UpdateLoginProfile", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            _registry.UpdateLoginProfile(Account(call), KeyUser(call, r), r.GetString("Password"), r.GetBool("PasswordResetRequired"));
            return null;
        });
        On("DeleteLoginProfile", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            _registry.DeleteLoginProfile(Account(call), KeyUser(call, r));
            return null;
        });

        // ChangePassword is checked on the caller's own user ARN; when the account's password policy lets users
        // change their own passwords, IAM grants that permission itself (IAM User Guide, "Set an account password
        // policy for IAM users": "Allow users to change their own password").
        _actions["ChangePassword"] = new ActionSpec
        {
            Name = "ChangePassword",
            IamActions = ["iam:ChangePassword"],
            Decode = r => r,
            // The setting's grant joins the caller's identity policies in the one authorizer, so an explicit deny, a
            // permissions boundary or an SCP still applies and the decision is logged.
            Authorize = (c, _) => [c.Query("iam:ChangePassword", c.Caller.Arn, c.Caller.AccountId) with
            {
                ImpliedIdentityPolicy = c.Caller.Kind == Services.Identity.PrincipalKind.User && _registry.UsersMayChangePassword(c.Caller.AccountId)
                    ? new Services.Identity.NamedPolicy("IAM password policy: AllowUsersToChangePassword", ChangeOwnPassword(c.Caller.Arn))
                    : null,
            }],
            Handle = (c, request) =>
            {
                var r = (IRequestReader)request;
                _registry.ChangePassword(c.Caller, r.GetString("OldPassword"), r.GetString("NewPassword"));
                return Task.FromResult<Action<IResponseWriter>?>(null);
            },
        };

        static string Any(ActionContext c, IRequestReader r) => "*";
        On("GetAccountPasswordPolicy", Any, (call, _) =>
        {
            var policy = _registry.GetAccountPasswordPolicy(Account(call));
            return w => w.Structure("PasswordPolicy", p =>
            {
                p.Number("MinimumPasswordLength", policy.MinimumPasswordLength);
                p.Bool("RequireSymbols", policy.RequireSymbols);
                p.Bool("RequireNumbers", policy.RequireNumbers);
                p.Bool("RequireUppercaseCharacters", policy.RequireUppercaseCharacters);
                p.Bool("RequireLowercaseCharacters", policy.RequireLowercaseCharacters);
                p.Bool("AllowUsersToChangePassword", policy.AllowUsersToChangePassword);
                p.Bool("ExpirePasswords", policy.MaxPasswordAge is not null);
                p.Number("MaxPasswordAge", policy.MaxPasswordAge);
                p.Number("PasswordReusePrevention", policy.PasswordReusePrevention);
                p.Bool("HardExpiry", policy.MaxPasswordAge is null ? null : policy.HardExpiry);
            });
        });
        On("UpdateAccountPasswordPolicy", Any, (call, r) =>
        {
            _registry.UpdateAccountPasswordPolicy(Account(call), new IamPasswordPolicy
            {
                MinimumPasswordLength = r.GetInt("MinimumPasswordLength") ?? 6,
                RequireSymbols = r.GetBool("RequireSymbols") ?? false,
                RequireNumbers = r.GetBool("RequireNumbers") ?? false,
                RequireUppercaseCharacters = r.GetBool("RequireUppercaseCharacters") ?? false,
                RequireLowercaseCharacters = r.GetBool("RequireLowercaseCharacters") ?? false,
                AllowUsersToChangePassword = r.GetBool("AllowUsersToChangePassword") ?? false,
                MaxPasswordAge = r.GetInt("MaxPasswordAge"),
                PasswordReusePrevention = r.GetInt("PasswordReusePrevention"),
                HardExpiry = r.GetBool("HardExpiry") ?? false,
            });
            return null;
        });
        On("DeleteAccountPasswordPolicy", Any, (call, _) =>
        {
            _registry.DeleteAccountPasswordPolicy(Account(call));
            return null;
        });
    }

    private static void LoginProfile(IResponseWriter p, LoginProfileInfo profile)
    {
        p.String("UserName", profile.UserName);
        p.String("CreateDate", IamWire.Date(profile.CreateDate));
        p.Bool("PasswordResetRequired", profile.PasswordResetRequired);
    }

    private static string ChangeOwnPassword(string userArn) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"{{userArn}}"}]}""";
}

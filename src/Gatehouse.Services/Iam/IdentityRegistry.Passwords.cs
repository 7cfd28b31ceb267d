using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

/// <summary>A user's login profile as IAM's GetLoginProfile describes it (never the password).</summary>
public sealed record LoginProfileInfo(string UserName, DateTimeOffset CreateDate, bool PasswordResetRequired);

/// <summary>The outcome of a console sign-in: credentials for the session, or why there are none.</summary>
public sealed record ConsoleSignInResult(IssuedCredentials? Credentials, string? Arn, bool PasswordResetRequired);

/// <summary>
/// Console passwords (IAM login profiles), the account password policy and console sign-in (docs/console.md).
/// Passwords are checked against the account's policy, or AWS's default policy when it has none (IAM User Guide,
/// "Set an account password policy for IAM users": at least 8 characters and three of uppercase, lowercase,
/// numbers and symbols).
/// </summary>
public sealed partial class IdentityRegistry
{
    /// <summary>The non-alphanumeric characters IAM's password policy counts as symbols (IAM User Guide, "Set an
    /// account password policy for IAM users").</summary>
    public const string PasswordSymbols = "!@#$%^&*()_+-=[]{}|'";

    /// <summary>How long a console session lasts (the AWS console signs a user out after 12 hours).</summary>
    public static readonly TimeSpan ConsoleSessionDuration = TimeSpan.FromHours(12);

    private static string NoLoginProfile(string user) => $"Login Profile for User {user} cannot be found.";

    public LoginProfileInfo CreateLoginProfile(string account, string userName, string? password, bool resetRequired)
    {
        ValidatePasswordShape(password, "password");
        lock (_gate)
        {
            if (User(account, userName).LoginProfile is not null)
            {
                throw Error(IamErrors.EntityAlreadyExists($"Login Profile for user {User(account, userName).Name} already exists."));
            }

            CheckPolicy(account, password!);
        }

        // The slow hash is made outside the registry's lock, which signature checks also take.
        var hash = PasswordHasher.Hash(password!);
        using (Writing())
        {
            var user = User(account, userName);
            if (user.LoginProfile is not null)
            {
                throw Error(IamErrors.EntityAlreadyExists($"Login Profile for user {user.Name} already exists."));
            }

            CheckPolicy(account, password!);
            var now = Now();
            user.LoginProfile = new IamLoginProfile { PasswordHash = hash, CreateDate = now, PasswordChanged = now, PasswordResetRequired = resetRequired };
            Save(user);
            return new(user.Name, now, resetRequired);
        }
    }

    public LoginProfileInfo GetLoginProfile(string account, string userName)
    {
        lock (_gate)
        {
            var user = User(account, userName);
            var profile = user.LoginProfile ?? throw Error(IamErrors.NoSuchEntity(NoLoginProfile(user.Name)));
            return new(user.Name, profile.CreateDate, profile.PasswordResetRequired);
        }
    }

    public void UpdateLoginProfile(string account, string userName, string? password, bool? resetRequired)
    {
        if (password is not null)
        {
            ValidatePasswordShape(password, "password");
        }

        (string Hash, string Previous)? replacement = password is null ? null : PreparePassword(account, userName, password);
        using (Writing())
        {
            var user = User(account, userName);
            var profile = user.LoginProfile ?? throw Error(IamErrors.NoSuchEntity(NoLoginProfile(user.Name)));
            if (replacement is not null)
            {
                Apply(profile, replacement.Value);
            }

            if (resetRequired is { } reset)
            {
                profile.PasswordResetRequired = reset;
            }

            Save(user);
        }
    }

    public void DeleteLoginProfile(string account, string userName)
    {
        using (Writing())
        {
            var user = User(account, userName);
            if (user.LoginProfile is null)
            {
                throw Error(IamErrors.NoSuchEntity(NoLoginProfile(user.Name)));
            }

            user.LoginProfile = null;
            Save(user);
        }
    }

    /// <summary>ChangePassword: an IAM user changes its own password, knowing the current one.</summary>
    public void ChangePassword(Principal caller, string? oldPassword, string? newPassword)
    {
        ValidatePasswordShape(oldPassword, "oldPassword");
        ValidatePasswordShape(newPassword, "newPassword");
        if (caller.Kind != PrincipalKind.User || caller.Name is null)
        {
            throw Error(IamErrors.InvalidUserType("Only IAM users can change their own password; this caller is not an IAM user."));
        }

        string current;
        lock (_gate)
        {
            var user = User(caller.AccountId, caller.Name);
            current = (user.LoginProfile ?? throw Error(IamErrors.NoSuchEntity(NoLoginProfile(user.Name)))).PasswordHash;
        }

        if (!PasswordHasher.Verify(oldPassword!, current))
        {
            throw Error(IamErrors.AccessDenied("The old password is incorrect."));
        }

        var replacement = PreparePassword(caller.AccountId, caller.Name, newPassword!);
        using (Writing())
        {
            var user = User(caller.AccountId, caller.Name);
            var profile = user.LoginProfile ?? throw Error(IamErrors.NoSuchEntity(NoLoginProfile(user.Name)));
            Apply(profile, replacement);
            profile.PasswordResetRequired = false;
            Save(user);
        }
    }

    /// <summary>Whether the account's password policy lets every IAM user change its own password (then IAM
    /// grants <c>iam:ChangePassword</c> on the user itself without a policy).</summary>
    public bool UsersMayChangePassword(string account)
    {
        lock (_gate)
        {
            return _accounts.GetValueOrDefault(account)?.PasswordPolicy?.AllowUsersToChangePassword == true;
        }
    }

    public IamPasswordPolicy GetAccountPasswordPolicy(string account)
    {
        lock (_gate)
        {
            var policy = _accounts.GetValueOrDefault(account)?.PasswordPolicy
                ?? throw Error(IamErrors.NoSuchEntity($"The Password Policy with domain name {account} cannot be found."));
            return Copy(policy);
        }
    }

    /// <summary>UpdateAccountPasswordPolicy: replaces the whole policy; members not given take IAM's defaults.</summary>
    public void UpdateAccountPasswordPolicy(string account, IamPasswordPolicy policy)
    {
        if (policy.MinimumPasswordLength is < 6 or > 128)
        {
            throw Error(IamErrors.Constraint(policy.MinimumPasswordLength.ToString(System.Globalization.CultureInfo.InvariantCulture), "minimumPasswordLength",
                policy.MinimumPasswordLength < 6 ? "have value greater than or equal to 6" : "have value less than or equal to 128"));
        }

        if (policy.MaxPasswordAge is < 1 or > 1095)
        {
            throw Error(IamErrors.Constraint(policy.MaxPasswordAge.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "maxPasswordAge",
                policy.MaxPasswordAge < 1 ? "have value greater than or equal to 1" : "have value less than or equal to 1095"));
        }

        if (policy.PasswordReusePrevention is < 1 or > 24)
        {
            throw Error(IamErrors.Constraint(policy.PasswordReusePrevention.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "passwordReusePrevention",
                policy.PasswordReusePrevention < 1 ? "have value greater than or equal to 1" : "have value less than or equal to 24"));
        }

        using (Writing())
        {
            var a = _accounts.GetValueOrDefault(account) ?? throw Error(IamErrors.NoSuchEntity($"The account {account} cannot be found."));
            a.PasswordPolicy = Copy(policy);
            Save(a);
        }
    }

    public void DeleteAccountPasswordPolicy(string account)
    {
        using (Writing())
        {
            var a = _accounts.GetValueOrDefault(account);
            if (a?.PasswordPolicy is null)
            {
                throw Error(IamErrors.NoSuchEntity($"The Password Policy with domain name {account} cannot be found."));
            }

            a.PasswordPolicy = null;
            Save(a);
        }
    }

    /// <summary>
    /// Console sign-in of an IAM user: the password is checked against the slow hash (a decoy hash when the user or
    /// its login profile does not exist, so the answer takes as long either way), and on success a console session
    /// is issued whose principal is the user itself, as an AWS console session's is. Null credentials mean
    /// refused; the caller shows one message whatever the reason, as AWS's sign-in page does.
    /// </summary>
    public ConsoleSignInResult ConsoleSignIn(string account, string userName, string password)
    {
        string? hash;
        lock (_gate)
        {
            hash = _users.GetValueOrDefault(Key(account, userName))?.LoginProfile?.PasswordHash;
        }

        if (!PasswordHasher.Verify(password, hash))
        {
            return new(null, null, false);
        }

        IamUser user;
        bool reset;
        using (Writing())
        {
            var found = _users.GetValueOrDefault(Key(account, userName));
            if (found?.LoginProfile is not { } profile || profile.PasswordHash != hash)
            {
                return new(null, null, false);
            }

            var policy = _accounts.GetValueOrDefault(account)?.PasswordPolicy;
            var expired = policy?.MaxPasswordAge is { } days && profile.PasswordChanged.AddDays(days) < Now();
            if (expired && policy!.HardExpiry)
            {
                return new(null, null, false);
            }

            profile.PasswordLastUsed = Now();
            profile.PasswordResetRequired |= expired;
            reset = profile.PasswordResetRequired;
            user = found;
            Save(user);
        }

        var credentials = IssueSession(new SessionGrant(account, "User", user.Name, user.Id, user.Arn, null, ConsoleSessionDuration, [], [], Chained: false));
        return new(credentials, user.Arn, reset);
    }

    /// <summary>Console sign-in of an account's root user with the account's configured root secret access key
    /// (docs/console.md): a root session of at most one hour, as root's session tokens are.</summary>
    public IssuedCredentials? RootSignIn(string account, string secret)
    {
        string? configured;
        lock (_gate)
        {
            configured = _accounts.GetValueOrDefault(account)?.RootSecret;
        }

        var a = System.Text.Encoding.UTF8.GetBytes(configured ?? "\0no root secret\0");
        var b = System.Text.Encoding.UTF8.GetBytes(secret);
        if (configured is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Security.Cryptography.SHA256.HashData(a), System.Security.Cryptography.SHA256.HashData(b)))
        {
            return null;
        }

        return IssueSession(new SessionGrant(account, "Root", null, account, $"arn:aws:iam::{account}:root", null, TimeSpan.FromHours(1), [], [], Chained: false));
    }

    /// <summary>Ends temporary credentials at once (console sign-out): the key is unknown from now on.</summary>
    public void RevokeSession(string accessKeyId)
    {
        using (Writing())
        {
            if (_sessions.Remove(accessKeyId))
            {
                Delete("session", accessKeyId);
            }
        }
    }

    /// <summary>Checks a new password against the policy and the reuse rule and hashes it, all outside the
    /// registry's lock (the slow hashes would otherwise hold up every signature check).</summary>
    private (string Hash, string Previous) PreparePassword(string account, string userName, string password)
    {
        string previous;
        List<string> history;
        int reuse;
        lock (_gate)
        {
            var profile = User(account, userName).LoginProfile ?? throw Error(IamErrors.NoSuchEntity(NoLoginProfile(User(account, userName).Name)));
            CheckPolicy(account, password);
            previous = profile.PasswordHash;
            history = [.. profile.PreviousHashes];
            reuse = _accounts.GetValueOrDefault(account)?.PasswordPolicy?.PasswordReusePrevention ?? 0;
        }

        if (reuse > 0 && (PasswordHasher.Verify(password, previous) || history.Take(reuse - 1).Any(h => PasswordHasher.Verify(password, h))))
        {
            throw Error(IamErrors.PasswordPolicyViolation("Policy constraint violation with password reuse prevention during password change."));
        }

        return (PasswordHasher.Hash(password), previous);
    }

    /// <summary>Puts a prepared password in place; a change made meanwhile by another call wins the race and this
    /// one is refused, as IAM refuses a change to an entity being changed.</summary>
    private void Apply(IamLoginProfile profile, (string Hash, string Previous) replacement)
    {
        if (profile.PasswordHash != replacement.Previous)
        {
            throw Error(IamErrors.EntityTemporarilyUnmodifiable("The login profile was changed by another request; try again."));
        }

        profile.PreviousHashes.Insert(0, profile.PasswordHash);
        if (profile.PreviousHashes.Count > 24)
        {
            profile.PreviousHashes.RemoveRange(24, profile.PreviousHashes.Count - 24);
        }

        profile.PasswordHash = replacement.Hash;
        profile.PasswordChanged = Now();
    }

    /// <summary>The wire constraints of IAM's <c>passwordType</c>: 1 to 128 characters from tab, line feed,
    /// carriage return and U+0020 to U+00FF (IAM API reference, CreateLoginProfile).</summary>
    private static void ValidatePasswordShape(string? password, string member)
    {
        if (password is null)
        {
            throw Error(IamErrors.MissingParameter(member));
        }

        // The value is a secret: the constraint message names the member, never the value.
        if (password.Length is < 1 or > 128)
        {
            throw Error(IamErrors.ValidationError($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length {(password.Length < 1 ? "greater than or equal to 1" : "less than or equal to 128")}"));
        }

        if (password.Any(c => c is not ('\t' or '\n' or '\r') && (c < '\u0020' || c > '\u00FF')))
        {
            throw Error(IamErrors.ValidationError($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"));
        }
    }

    /// <summary>PasswordPolicyViolation unless the password meets the account's policy (or AWS's default).</summary>
    private void CheckPolicy(string account, string password)
    {
        var upper = password.Any(char.IsAsciiLetterUpper);
        var lower = password.Any(char.IsAsciiLetterLower);
        var digit = password.Any(char.IsAsciiDigit);
        var symbol = password.Any(c => PasswordSymbols.Contains(c, StringComparison.Ordinal));
        var policy = _accounts.GetValueOrDefault(account)?.PasswordPolicy;
        if (policy is null)
        {
            if (password.Length < 8 || new[] { upper, lower, digit, symbol }.Count(x => x) < 3)
            {
                throw Error(IamErrors.PasswordPolicyViolation(
                    "Password does not conform to the account password policy: it must have at least 8 characters and three of uppercase letters, lowercase letters, numbers and symbols."));
            }

            return;
        }

        string? violation = password.Length < policy.MinimumPasswordLength ? $"Password should have a minimum length of {policy.MinimumPasswordLength}"
            : policy.RequireUppercaseCharacters && !upper ? "Password should have at least one uppercase letter"
            : policy.RequireLowercaseCharacters && !lower ? "Password should have at least one lowercase letter"
            : policy.RequireNumbers && !digit ? "Password should have at least one number"
            : policy.RequireSymbols && !symbol ? "Password should have at least one symbol"
            : null;
        if (violation is not null)
        {
            throw Error(IamErrors.PasswordPolicyViolation(violation));
        }
    }

    private static IamPasswordPolicy Copy(IamPasswordPolicy p) => new()
    {
        MinimumPasswordLength = p.MinimumPasswordLength,
        RequireSymbols = p.RequireSymbols,
        RequireNumbers = p.RequireNumbers,
        RequireUppercaseCharacters = p.RequireUppercaseCharacters,
        RequireLowercaseCharacters = p.RequireLowercaseCharacters,
        AllowUsersToChangePassword = p.AllowUsersToChangePassword,
        MaxPasswordAge = p.MaxPasswordAge,
        PasswordReusePrevention = p.PasswordReusePrevention,
        HardExpiry = p.HardExpiry,
    };
}

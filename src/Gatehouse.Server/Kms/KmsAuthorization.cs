using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;

namespace Gatehouse.Server.Kms;

/// <summary>
/// How KMS requests are authorized (AWS KMS developer guide, "Key policies" and "Condition keys for AWS KMS"): an
/// operation on a key is evaluated against the key's policy (with its grants), which is mandatory, so IAM policies
/// count only where the key policy delegates to the account; account-level operations (<c>CreateKey</c>,
/// <c>ListKeys</c>, …) against <c>*</c> with IAM policies alone. Every query goes to the one authorizer.
/// </summary>
internal static class KmsAuthorization
{
    /// <summary>A query on a key, as the caller, with the KMS condition keys of the request.</summary>
    public static AuthorizationQuery OnKey(
        KmsService kms,
        Principal caller,
        RequestFacts? facts,
        string action,
        KmsKey key,
        IReadOnlyCollection<KeyValuePair<string, string>>? encryptionContext = null,
        string? requestAlias = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extra = null)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["kms:CallerAccount"] = [caller.AccountId],
            ["kms:KeyOrigin"] = ["AWS_KMS"],
            ["kms:KeySpec"] = ["SYMMETRIC_DEFAULT"],
            ["kms:KeyUsage"] = ["ENCRYPT_DECRYPT"],
            ["kms:MultiRegion"] = ["false"],
            ["kms:ResourceAliases"] = kms.AliasesOf(key),
        };
        if (requestAlias is not null)
        {
            context["kms:RequestAlias"] = [requestAlias];
        }

        if (encryptionContext is not null)
        {
            context["kms:EncryptionAlgorithm"] = ["SYMMETRIC_DEFAULT"];
            context["kms:EncryptionContextKeys"] = [.. encryptionContext.Select(p => p.Key)];
            foreach (var (k, v) in encryptionContext)
            {
                context["kms:EncryptionContext:" + k] = [v];
            }
        }

        foreach (var (k, v) in extra ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            context[k] = v;
        }

        return new AuthorizationQuery("kms", caller, action, key.Arn, key.Account, kms.EffectivePolicy(key), context, key.Tags, facts);
    }

    /// <summary>An account-level query (<c>CreateKey</c>, <c>ListKeys</c>, <c>ListAliases</c>,
    /// <c>GenerateRandom</c>, <c>ListRetirableGrants</c>): resource <c>*</c>, IAM policies only.</summary>
    public static AuthorizationQuery OnAccount(ActionContext c, string action, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null) =>
        new("kms", c.Caller, action, "*", c.Caller.AccountId, null, context, null, c.Facts);

    /// <summary>A query on an alias ARN (CreateAlias, UpdateAlias, DeleteAlias need the permission on the alias as
    /// well as on the key; aliases have no policy of their own, so IAM policies decide).</summary>
    public static AuthorizationQuery OnAlias(ActionContext c, string action, string aliasArn) =>
        new("kms", c.Caller, action, aliasArn, c.Caller.AccountId, null, null, null, c.Facts);
}

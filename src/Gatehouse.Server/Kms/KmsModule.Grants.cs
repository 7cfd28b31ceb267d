using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using static Gatehouse.Server.Kms.KmsAuthorization;

namespace Gatehouse.Server.Kms;

internal static partial class KmsModule
{
    private static IEnumerable<ActionSpec> GrantActions(KmsService kms)
    {
        yield return Op("CreateGrant", (c, r) => CreateGrantQueries(kms, c, r), (c, r) =>
        {
            var key = Key(kms, c, r);
            KmsService.RequireNotPendingDeletion(key);
            var grant = NewGrant(kms, c, r, key);
            var probe = KmsPolicies.WithGrants(key.Policy, [grant]);
            if (PolicyDocument.Parse(probe, PolicyKind.KmsKeyPolicy).Problems.Count > 0)
            {
                throw new AwsErrorException(KmsErrors.Validation($"Invalid GranteePrincipal or RetiringPrincipal: {grant.GranteePrincipal}"));
            }

            var (created, token) = kms.CreateGrant(grant);
            return Output(w =>
            {
                w.String("GrantToken", token);
                w.String("GrantId", created.GrantId);
            });
        });

        yield return Op("ListGrants", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = Key(kms, c, r);
            var grantId = r.GetString("GrantId");
            var grantee = r.GetString("GranteePrincipal");
            var (page, next) = Page(kms.ListGrants(g => g.KeyArn == key.Arn && (grantId is null || g.GrantId == grantId) && (grantee is null || g.GranteePrincipal == grantee)), r);
            return Output(w => WriteGrants(w, page, next));
        });

        yield return Op("ListRetirableGrants", (c, _) => [OnAccount(c, "kms:ListRetirableGrants")], (c, r) =>
        {
            var retiring = r.GetString("RetiringPrincipal") ?? throw new AwsErrorException(KmsErrors.Validation(
                "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null"));
            var (page, next) = Page(kms.ListGrants(g => g.RetiringPrincipal == retiring && g.KeyArn.StartsWith($"arn:aws:kms:{c.Region}:", StringComparison.Ordinal)), r);
            return Output(w => WriteGrants(w, page, next));
        });

        yield return Op("RetireGrant", (c, r) => RetireGrantQueries(kms, c, r), (c, r) =>
        {
            kms.RemoveGrant(GrantToRetire(kms, c, r));
            return NoOutput;
        });

        yield return Op("RevokeGrant", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = Key(kms, c, r);
            var id = r.GetString("GrantId") ?? "";
            var grant = kms.FindGrant(id) is { } g && g.KeyArn == key.Arn ? g : throw new AwsErrorException(KmsErrors.GrantNotFound(id));
            kms.RemoveGrant(grant);
            return NoOutput;
        });
    }

    private static KmsGrant NewGrant(KmsService kms, ActionContext c, IRequestReader r, KmsKey key)
    {
        var grantee = r.GetString("GranteePrincipal");
        if (string.IsNullOrEmpty(grantee))
        {
            throw new AwsErrorException(KmsErrors.Validation(
                "1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null"));
        }

        var operations = r.GetStringList("Operations", "member") ?? [];
        if (operations.Count == 0 || operations.Any(o => !KmsService.GrantOperations.Contains(o)))
        {
            throw new AwsErrorException(KmsErrors.Validation(
                $"1 validation error detected: Value '[{string.Join(", ", operations)}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", KmsService.GrantOperations.Order(StringComparer.Ordinal))}]]"));
        }

        var constraints = r.GetStructure("Constraints");
        return new KmsGrant
        {
            GrantId = KmsService.NewGrantId(),
            KeyArn = key.Arn,
            GranteePrincipal = grantee,
            RetiringPrincipal = r.GetString("RetiringPrincipal"),
            Operations = [.. operations.Distinct(StringComparer.Ordinal)],
            EncryptionContextSubset = ToMap(constraints?.GetStringMap("EncryptionContextSubset", "", "", "")),
            EncryptionContextEquals = ToMap(constraints?.GetStringMap("EncryptionContextEquals", "", "", "")),
            Name = r.GetString("Name"),
            IssuingPrincipal = c.Caller.Arn,
            IssuingAccount = $"arn:aws:iam::{key.Account}:root",
            CreationDate = kms.Now,
        };
    }

    private static IEnumerable<AuthorizationQuery> CreateGrantQueries(KmsService kms, ActionContext c, IRequestReader r)
    {
        var key = Key(kms, c, r);
        var constraints = r.GetStructure("Constraints");
        var constraintTypes = new List<string>();
        if (constraints?.GetStringMap("EncryptionContextSubset", "", "", "") is not null)
        {
            constraintTypes.Add("EncryptionContextSubset");
        }

        if (constraints?.GetStringMap("EncryptionContextEquals", "", "", "") is not null)
        {
            constraintTypes.Add("EncryptionContextEquals");
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["kms:GranteePrincipal"] = [r.GetString("GranteePrincipal") ?? ""],
            ["kms:GrantOperations"] = r.GetStringList("Operations", "member") ?? [],
            // A direct CreateGrant call is not made by an AWS service integration on the caller's behalf.
            ["kms:GrantIsForAWSResource"] = ["false"],
        };
        if (r.GetString("RetiringPrincipal") is { } retiring)
        {
            extra["kms:RetiringPrincipal"] = [retiring];
        }

        if (constraintTypes.Count > 0)
        {
            extra["kms:GrantConstraintType"] = constraintTypes;
        }

        yield return OnKey(kms, c.Caller, c.Facts, "kms:CreateGrant", key, extra: extra);
    }

    /// <summary>
    /// The grant a RetireGrant names (by token, or by key and grant id). Its retiring principal, and its grantee
    /// when the grant allows RetireGrant, may retire it without any policy (AWS KMS developer guide, "Retiring and
    /// revoking grants"); anyone else needs <c>kms:RetireGrant</c> from the key policy.
    /// </summary>
    private static KmsGrant GrantToRetire(KmsService kms, ActionContext c, IRequestReader r)
    {
        if (r.GetString("GrantToken") is { } token)
        {
            return kms.ListGrants(g => g.Token == token) is [var found, ..] ? found : throw new AwsErrorException(KmsErrors.InvalidGrantToken());
        }

        var key = Key(kms, c, r);
        var id = r.GetString("GrantId") ?? "";
        return kms.FindGrant(id) is { } g && g.KeyArn == key.Arn ? g : throw new AwsErrorException(KmsErrors.GrantNotFound(id));
    }

    private static IEnumerable<AuthorizationQuery> RetireGrantQueries(KmsService kms, ActionContext c, IRequestReader r)
    {
        var grant = GrantToRetire(kms, c, r);
        bool Is(string? principal) => principal is not null && (principal == c.Caller.Arn || principal == c.Caller.PrincipalArn);
        if (Is(grant.RetiringPrincipal) || (Is(grant.GranteePrincipal) && grant.Operations.Contains("RetireGrant")))
        {
            yield break;
        }

        var key = kms.Resolve(grant.KeyArn, c.Caller.AccountId, c.Region, allowAlias: false);
        yield return OnKey(kms, c.Caller, c.Facts, "kms:RetireGrant", key);
    }

    private static void WriteGrants(IResponseWriter w, IReadOnlyList<KmsGrant> grants, string? next)
    {
        w.List("Grants", "member", grants, (x, g) =>
        {
            x.String("KeyId", g.KeyArn);
            x.String("GrantId", g.GrantId);
            x.String("Name", g.Name);
            x.Timestamp("CreationDate", g.CreationDate);
            x.String("GranteePrincipal", g.GranteePrincipal);
            x.String("RetiringPrincipal", g.RetiringPrincipal);
            x.String("IssuingAccount", g.IssuingAccount);
            x.StringList("Operations", "member", g.Operations);
            if (g.EncryptionContextSubset is not null || g.EncryptionContextEquals is not null)
            {
                x.Structure("Constraints", k =>
                {
                    k.StringMap("EncryptionContextSubset", "entry", "key", "value", g.EncryptionContextSubset);
                    k.StringMap("EncryptionContextEquals", "entry", "key", "value", g.EncryptionContextEquals);
                });
            }
        }, emitEmpty: true);
        w.String("NextMarker", next);
        w.Bool("Truncated", next is not null);
    }
}

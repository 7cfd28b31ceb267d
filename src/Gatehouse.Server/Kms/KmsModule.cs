using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using static Gatehouse.Server.Kms.KmsAuthorization;

namespace Gatehouse.Server.Kms;

/// <summary>
/// KMS as a service module: AWS JSON 1.1, <c>X-Amz-Target: TrentService.&lt;Op&gt;</c>, signing name <c>kms</c>, no
/// anonymous callers. The operations SQS server-side encryption needs (AWS KMS API reference), for symmetric keys.
/// Keys are named by key id, key ARN, alias name or alias ARN exactly where the API reference allows each: the
/// cryptographic operations and DescribeKey accept all four; key management accepts key id or key ARN only.
/// </summary>
internal static partial class KmsModule
{
    /// <summary>Operations that work on a key in another account when given its ARN (AWS KMS developer guide,
    /// "Allowing users in other accounts to use a KMS key"); on any other operation a key ARN of another account is
    /// not found, as KMS looks only in the caller's account.</summary>
    private static readonly HashSet<string> CrossAccountOperations = new(StringComparer.Ordinal)
    {
        "DescribeKey", "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt",
        "CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant",
    };

    public static ServiceModule Create(KmsService kms, Authorizer authorizer) => new()
    {
        Name = "kms",
        SigningName = "kms",
        JsonTargetPrefix = "TrentService.",
        JsonProtocol = AwsJsonProtocol.V11,
        Actions = Actions(kms, authorizer).ToDictionary(a => a.Name, a => a with
        {
            Denied = (_, _, _, decision) => KmsErrors.AccessDenied(decision.Message!),
        }, StringComparer.Ordinal),
    };

    private static Task<Action<IResponseWriter>?> Output(Action<IResponseWriter>? write) => Task.FromResult(write);

    private static readonly Task<Action<IResponseWriter>?> NoOutput = Task.FromResult<Action<IResponseWriter>?>(null);

    private static ActionSpec Op(string name, Func<ActionContext, IRequestReader, IEnumerable<AuthorizationQuery>> authorize,
        Func<ActionContext, IRequestReader, Task<Action<IResponseWriter>?>> handle, params string[] extraActions) =>
        ActionSpec.Define<IRequestReader>(name, ["kms:" + name, .. extraActions], r => r, authorize, handle);

    /// <summary>The key a request names in <paramref name="member"/>.</summary>
    private static KmsKey Key(KmsService kms, ActionContext c, IRequestReader r, string member = "KeyId")
    {
        var reference = r.GetString(member);
        var allowAlias = c.Action is "DescribeKey" or "Encrypt" or "Decrypt" or "GenerateDataKey" or "GenerateDataKeyWithoutPlaintext" or "ReEncrypt";
        var key = kms.Resolve(reference, c.Caller.AccountId, c.Region, allowAlias);
        if (key.Account != c.Caller.AccountId && !CrossAccountOperations.Contains(c.Action))
        {
            throw new AwsErrorException(KmsErrors.KeyNotFound(key.Arn));
        }

        return key;
    }

    private static string? AliasOf(IRequestReader r, string member = "KeyId") =>
        r.GetString(member) is { } s && (s.StartsWith("alias/", StringComparison.Ordinal) || s.Contains(":alias/", StringComparison.Ordinal)) ? s : null;

    private static IReadOnlyList<KeyValuePair<string, string>> Context(IRequestReader r, string member = "EncryptionContext") =>
        r.GetStringMap(member, member, "key", "value") ?? [];

    private static IEnumerable<AuthorizationQuery> OnRequestKey(KmsService kms, ActionContext c, IRequestReader r, string? context = null)
    {
        var key = Key(kms, c, r);
        yield return OnKey(kms, c.Caller, c.Facts, "kms:" + c.Action, key, context is null ? null : Context(r, context), AliasOf(r));
    }

    private static IEnumerable<ActionSpec> Actions(KmsService kms, Authorizer authorizer)
    {
        yield return Op("CreateKey", (c, r) => CreateKeyQueries(c, r), async (c, r) =>
        {
            var spec = r.GetString("KeySpec") ?? r.GetString("CustomerMasterKeySpec") ?? "SYMMETRIC_DEFAULT";
            if (spec != "SYMMETRIC_DEFAULT" || (r.GetString("KeyUsage") ?? "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT"
                || (r.GetString("Origin") ?? "AWS_KMS") != "AWS_KMS" || r.GetBool("MultiRegion") == true)
            {
                throw new AwsErrorException(KmsErrors.UnsupportedOperation(
                    $"Gatehouse supports symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS); {spec} is not supported."));
            }

            var policy = r.GetString("Policy");
            if (policy is not null)
            {
                await CheckPolicyAsync(authorizer, c, policy, $"arn:aws:kms:{c.Region}:{c.Caller.AccountId}:key/*", r.GetBool("BypassPolicyLockoutSafetyCheck") == true);
            }

            var key = kms.CreateKey(c.Caller.AccountId, c.Region, r.GetString("Description"), policy ?? KmsPolicies.Default(c.Caller.AccountId), Tags(r));
            return (Action<IResponseWriter>?)(w => w.Structure("KeyMetadata", m => Metadata(m, key)));
        }, "kms:TagResource");

        yield return Op("DescribeKey", (c, r) => OnRequestKey(kms, c, r),
            (c, r) => Output(w => w.Structure("KeyMetadata", m => Metadata(m, Key(kms, c, r)))));

        yield return Op("ListKeys", (c, _) => [OnAccount(c, "kms:ListKeys")], (c, r) =>
        {
            var (page, next) = Page(kms.ListKeys(c.Caller.AccountId, c.Region), r);
            return Output(w =>
            {
                w.List("Keys", "member", page, (x, k) =>
                {
                    x.String("KeyId", k.KeyId);
                    x.String("KeyArn", k.Arn);
                }, emitEmpty: true);
                w.String("NextMarker", next);
                w.Bool("Truncated", next is not null);
            });
        });

        yield return Op("EnableKey", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            kms.Enable(Key(kms, c, r));
            return NoOutput;
        });

        yield return Op("DisableKey", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            kms.Disable(Key(kms, c, r));
            return NoOutput;
        });

        yield return Op("ScheduleKeyDeletion", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = kms.ScheduleDeletion(Key(kms, c, r), r.GetInt("PendingWindowInDays"));
            return Output(w =>
            {
                w.String("KeyId", key.Arn);
                w.Timestamp("DeletionDate", key.DeletionDate!.Value);
                w.String("KeyState", key.State.ToString());
                w.Number("PendingWindowInDays", key.PendingDeletionWindowInDays);
            });
        });

        yield return Op("CancelKeyDeletion", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = kms.CancelDeletion(Key(kms, c, r));
            return Output(w => w.String("KeyId", key.Arn));
        });

        yield return Op("CreateAlias", (c, r) => AliasQueries(kms, c, r, "TargetKeyId", existing: false), (c, r) =>
        {
            var name = r.GetString("AliasName")!;
            var target = Key(kms, c, r, "TargetKeyId");
            KmsService.RequireNotPendingDeletion(target);
            kms.CreateAlias(c.Caller.AccountId, c.Region, name, target);
            return NoOutput;
        });

        yield return Op("UpdateAlias", (c, r) => AliasQueries(kms, c, r, "TargetKeyId", existing: true), (c, r) =>
        {
            var alias = ExistingAlias(kms, c, r);
            var target = Key(kms, c, r, "TargetKeyId");
            KmsService.RequireNotPendingDeletion(target);
            kms.UpdateAlias(alias, target);
            return NoOutput;
        });

        yield return Op("DeleteAlias", (c, r) => AliasQueries(kms, c, r, null, existing: true), (c, r) =>
        {
            kms.DeleteAlias(ExistingAlias(kms, c, r));
            return NoOutput;
        });

        yield return Op("ListAliases", (c, _) => [OnAccount(c, "kms:ListAliases")], (c, r) =>
        {
            var of = r.GetString("KeyId") is { } keyId ? Key(kms, c, r) : null;
            var (page, next) = Page(kms.ListAliases(c.Caller.AccountId, c.Region, of), r);
            return Output(w =>
            {
                w.List("Aliases", "member", page, (x, a) =>
                {
                    x.String("AliasName", a.Name);
                    x.String("AliasArn", a.Arn);
                    x.String("TargetKeyId", a.TargetKeyId);
                    x.Timestamp("CreationDate", a.CreationDate);
                    x.Timestamp("LastUpdatedDate", a.LastUpdatedDate);
                }, emitEmpty: true);
                w.String("NextMarker", next);
                w.Bool("Truncated", next is not null);
            });
        });

        yield return Op("GetKeyPolicy", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = Key(kms, c, r);
            var name = r.GetString("PolicyName") ?? KmsPolicies.DefaultPolicyName;
            if (name != KmsPolicies.DefaultPolicyName)
            {
                throw new AwsErrorException(KmsErrors.KeyNotFound(key.Arn) with { Message = $"No such policy exists: {name}" });
            }

            return Output(w =>
            {
                w.String("Policy", key.Policy);
                w.String("PolicyName", KmsPolicies.DefaultPolicyName);
            });
        });

        yield return Op("PutKeyPolicy", (c, r) => OnRequestKey(kms, c, r), async (c, r) =>
        {
            var key = Key(kms, c, r);
            KmsService.RequireNotPendingDeletion(key);
            if ((r.GetString("PolicyName") ?? KmsPolicies.DefaultPolicyName) != KmsPolicies.DefaultPolicyName)
            {
                throw new AwsErrorException(KmsErrors.Validation("PolicyName must be default"));
            }

            var policy = r.GetString("Policy") ?? throw new AwsErrorException(KmsErrors.Validation(
                "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null"));
            await CheckPolicyAsync(authorizer, c, policy, key.Arn, r.GetBool("BypassPolicyLockoutSafetyCheck") == true);
            kms.PutPolicy(key, policy);
            return null;
        });

        yield return Op("ListKeyPolicies", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            Key(kms, c, r);
            return Output(w =>
            {
                w.StringList("PolicyNames", "member", [KmsPolicies.DefaultPolicyName], emitEmpty: true);
                w.Bool("Truncated", false);
            });
        });

        foreach (var spec in GrantActions(kms))
        {
            yield return spec;
        }

        yield return Op("TagResource", (c, r) => TagQueries(kms, c, r, r.GetList("Tags", "member")?.Select(t => t.GetString("TagKey") ?? "").ToList() ?? [], Tags(r)), (c, r) =>
        {
            kms.Tag(Key(kms, c, r), Tags(r) ?? []);
            return NoOutput;
        });

        yield return Op("UntagResource", (c, r) => TagQueries(kms, c, r, r.GetStringList("TagKeys", "member") ?? [], null), (c, r) =>
        {
            kms.Untag(Key(kms, c, r), r.GetStringList("TagKeys", "member") ?? []);
            return NoOutput;
        });

        yield return Op("ListResourceTags", (c, r) => OnRequestKey(kms, c, r), (c, r) =>
        {
            var key = Key(kms, c, r);
            var (page, next) = Page([.. key.Tags], r);
            return Output(w =>
            {
                w.List("Tags", "member", page, (x, t) =>
                {
                    x.String("TagKey", t.Key);
                    x.String("TagValue", t.Value);
                }, emitEmpty: true);
                w.String("NextMarker", next);
                w.Bool("Truncated", next is not null);
            });
        });

        foreach (var spec in CryptoActions(kms))
        {
            yield return spec;
        }
    }

    private static IEnumerable<AuthorizationQuery> CreateKeyQueries(ActionContext c, IRequestReader r)
    {
        yield return OnAccount(c, "kms:CreateKey");
        if (Tags(r) is { Count: > 0 } tags)
        {
            yield return OnAccount(c, "kms:TagResource", TagContext(tags, [.. tags.Select(t => t.Key)]));
        }
    }

    private static IEnumerable<AuthorizationQuery> TagQueries(KmsService kms, ActionContext c, IRequestReader r, IReadOnlyList<string> keys, IReadOnlyList<KeyValuePair<string, string>>? tags)
    {
        var key = Key(kms, c, r);
        yield return OnKey(kms, c.Caller, c.Facts, "kms:" + c.Action, key, extra: TagContext(tags ?? [], keys));
    }

    private static Dictionary<string, IReadOnlyList<string>> TagContext(IReadOnlyList<KeyValuePair<string, string>> tags, IReadOnlyList<string> keys)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["aws:TagKeys"] = keys };
        foreach (var (k, v) in tags)
        {
            context["aws:RequestTag/" + k] = [v];
        }

        return context;
    }

    private static List<KeyValuePair<string, string>>? Tags(IRequestReader r) =>
        r.GetList("Tags", "member")?.Select(t => new KeyValuePair<string, string>(t.GetString("TagKey") ?? "", t.GetString("TagValue") ?? "")).ToList();

    /// <summary>CreateAlias, UpdateAlias and DeleteAlias need the permission on the alias (IAM) and on each key
    /// involved (its key policy) (AWS KMS developer guide, "Controlling access to aliases").</summary>
    private static IEnumerable<AuthorizationQuery> AliasQueries(KmsService kms, ActionContext c, IRequestReader r, string? targetMember, bool existing)
    {
        var name = r.GetString("AliasName");
        if (!existing)
        {
            KmsService.ValidateAliasName(name);
        }

        var aliasArn = $"arn:aws:kms:{c.Region}:{c.Caller.AccountId}:{name}";
        KmsAlias? alias = null;
        if (existing)
        {
            alias = ExistingAlias(kms, c, r);
        }

        yield return OnAlias(c, "kms:" + c.Action, aliasArn);
        if (alias is not null)
        {
            yield return OnKey(kms, c.Caller, c.Facts, "kms:" + c.Action, kms.Resolve(alias.TargetKeyId, c.Caller.AccountId, c.Region, allowAlias: false));
        }

        if (targetMember is not null)
        {
            yield return OnKey(kms, c.Caller, c.Facts, "kms:" + c.Action, Key(kms, c, r, targetMember));
        }
    }

    private static KmsAlias ExistingAlias(KmsService kms, ActionContext c, IRequestReader r)
    {
        var name = r.GetString("AliasName") ?? throw new AwsErrorException(KmsErrors.Validation(
            "1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null"));
        if (name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new AwsErrorException(KmsErrors.InvalidAliasName($"Alias {name} is reserved for AWS managed keys and cannot be changed."));
        }

        return kms.FindAlias(c.Caller.AccountId, c.Region, name)
            ?? throw new AwsErrorException(KmsErrors.AliasNotFound($"arn:aws:kms:{c.Region}:{c.Caller.AccountId}:{name}"));
    }

    /// <summary>
    /// A new key policy must be a valid KMS key policy and, unless the caller bypasses the check, must let the caller
    /// itself call PutKeyPolicy afterwards (AWS KMS API reference, PutKeyPolicy, BypassPolicyLockoutSafetyCheck).
    /// The lockout check evaluates the new policy with the one policy engine, without recording a decision.
    /// </summary>
    private static async Task CheckPolicyAsync(Authorizer authorizer, ActionContext c, string policy, string keyArn, bool bypass)
    {
        var parsed = PolicyDocument.Parse(policy, PolicyKind.KmsKeyPolicy);
        if (PolicyErrors.ForKms(parsed.Problems) is { } problem)
        {
            throw new AwsErrorException(KmsErrors.MalformedPolicyDocument(problem.Message));
        }

        if (bypass)
        {
            return;
        }

        var result = await authorizer.EvaluateAsync(
            new AuthorizationQuery("kms", c.Caller, "kms:PutKeyPolicy", keyArn, c.Caller.AccountId, policy, null, null, c.Facts), c.Aborted);
        if (!result.IsAllowed)
        {
            throw new AwsErrorException(KmsErrors.MalformedPolicyDocument(PolicyErrors.KmsLockoutMessage));
        }
    }

    /// <summary><c>Limit</c> (1–1000, default 100) and <c>Marker</c> paging.</summary>
    private static (IReadOnlyList<T> Page, string? Next) Page<T>(IReadOnlyList<T> all, IRequestReader r)
    {
        var limit = r.GetInt("Limit") ?? 100;
        if (limit is < 1 or > 1000)
        {
            throw new AwsErrorException(KmsErrors.Validation(
                $"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"));
        }

        var start = 0;
        if (r.GetString("Marker") is { } marker && (!int.TryParse(marker, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > all.Count))
        {
            throw new AwsErrorException(new AwsError("InvalidMarkerException", "InvalidMarkerException", 400, "Invalid marker"));
        }

        var page = all.Skip(start).Take(limit).ToList();
        return (page, start + page.Count < all.Count ? (start + page.Count).ToString(CultureInfo.InvariantCulture) : null);
    }

    internal static void Metadata(IResponseWriter m, KmsKey key)
    {
        m.String("AWSAccountId", key.Account);
        m.String("KeyId", key.KeyId);
        m.String("Arn", key.Arn);
        m.Timestamp("CreationDate", key.CreationDate);
        m.Bool("Enabled", key.State == KmsKeyState.Enabled);
        m.String("Description", key.Description);
        m.String("KeyUsage", "ENCRYPT_DECRYPT");
        m.String("KeyState", key.State.ToString());
        m.Timestamp("DeletionDate", key.DeletionDate);
        m.String("Origin", "AWS_KMS");
        m.String("KeyManager", key.KeyManager);
        m.String("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
        m.String("KeySpec", "SYMMETRIC_DEFAULT");
        m.StringList("EncryptionAlgorithms", "member", ["SYMMETRIC_DEFAULT"]);
        m.Bool("MultiRegion", false);
        m.Number("PendingDeletionWindowInDays", key.PendingDeletionWindowInDays);
    }

    internal static ImmutableSortedDictionary<string, string>? ToMap(IReadOnlyList<KeyValuePair<string, string>>? pairs) =>
        pairs?.ToImmutableSortedDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    internal static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);
}

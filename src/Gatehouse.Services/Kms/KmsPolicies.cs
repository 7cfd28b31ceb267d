using System.Text.Json.Nodes;

namespace Gatehouse.Services.Kms;

/// <summary>The key policies KMS writes itself, and grants expressed as key-policy statements.</summary>
public static class KmsPolicies
{
    /// <summary>The name of the one policy every key has.</summary>
    public const string DefaultPolicyName = "default";

    /// <summary>
    /// The policy KMS gives a key created through the API without one: the account principal may use IAM policies
    /// to allow every KMS operation on the key (AWS KMS developer guide, "Default key policy": "Allows access to the
    /// AWS account and enables IAM policies").
    /// </summary>
    public static string Default(string account) => new JsonObject
    {
        ["Version"] = "2012-10-17",
        ["Id"] = "key-default-1",
        ["Statement"] = new JsonArray(new JsonObject
        {
            ["Sid"] = "Enable IAM User Permissions",
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = $"arn:aws:iam::{account}:root" },
            ["Action"] = "kms:*",
            ["Resource"] = "*",
        }),
    }.ToJsonString();

    /// <summary>
    /// The key policy of the AWS managed key <c>alias/aws/sqs</c> (Amazon SQS developer guide, "Key management":
    /// the AWS managed key can be used by every principal of the account that is authorized to use SQS, only
    /// through SQS, and its policy cannot be changed). The <c>kms:CallerAccount</c> condition is why it can never
    /// serve a caller from another account.
    /// </summary>
    public static string AwsManagedSqs(string account, string region) => new JsonObject
    {
        ["Version"] = "2012-10-17",
        ["Id"] = "auto-sqs-1",
        ["Statement"] = new JsonArray(
            new JsonObject
            {
                ["Sid"] = "Allow access through Simple Queue Service (SQS) for all principals in the account that are authorized to use SQS",
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["AWS"] = "*" },
                ["Action"] = new JsonArray("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
                ["Resource"] = "*",
                ["Condition"] = new JsonObject
                {
                    ["StringEquals"] = new JsonObject
                    {
                        ["kms:ViaService"] = $"sqs.{region}.amazonaws.com",
                        ["kms:CallerAccount"] = account,
                    },
                },
            },
            new JsonObject
            {
                ["Sid"] = "Allow direct access to key metadata to the account",
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["AWS"] = $"arn:aws:iam::{account}:root" },
                ["Action"] = new JsonArray("kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"),
                ["Resource"] = "*",
            }),
    }.ToJsonString();

    /// <summary>
    /// The key policy as authorization sees it: the stored policy plus one Allow statement per grant (grants only
    /// allow; AWS KMS developer guide, "Grants in AWS KMS"). A grant's encryption-context constraints become
    /// conditions on <c>kms:EncryptionContext:</c> keys, so the one policy engine decides grants too.
    /// </summary>
    public static string WithGrants(string policy, IReadOnlyCollection<KmsGrant> grants)
    {
        if (grants.Count == 0 || JsonNode.Parse(policy) is not JsonObject document || document["Statement"] is not { } statements)
        {
            return policy;
        }

        if (statements is not JsonArray list)
        {
            list = [statements.DeepClone()];
            document["Statement"] = list;
        }

        foreach (var g in grants)
        {
            var statement = new JsonObject
            {
                ["Sid"] = "Grant " + g.GrantId,
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["AWS"] = g.GranteePrincipal },
                ["Action"] = new JsonArray([.. g.Operations.Select(o => (JsonNode)JsonValue.Create("kms:" + o)!)]),
                ["Resource"] = "*",
            };
            var equals = new JsonObject();
            foreach (var (k, v) in g.EncryptionContextSubset ?? g.EncryptionContextEquals ?? System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty)
            {
                equals["kms:EncryptionContext:" + k] = v;
            }

            var condition = new JsonObject();
            if (equals.Count > 0)
            {
                condition["StringEquals"] = equals;
            }

            if (g.EncryptionContextEquals is { } exact)
            {
                condition["ForAllValues:StringEquals"] = new JsonObject
                {
                    ["kms:EncryptionContextKeys"] = new JsonArray([.. exact.Keys.Select(k => (JsonNode)JsonValue.Create(k)!)]),
                };
            }

            if (condition.Count > 0)
            {
                statement["Condition"] = condition;
            }

            list.Add(statement);
        }

        return document.ToJsonString();
    }
}

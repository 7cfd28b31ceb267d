using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using static Gatehouse.Server.Kms.KmsAuthorization;

namespace Gatehouse.Server.Kms;

internal static partial class KmsModule
{
    private const string Algorithm = "SYMMETRIC_DEFAULT";

    private static IEnumerable<ActionSpec> CryptoActions(KmsService kms)
    {
        yield return Op("Encrypt", (c, r) => OnRequestKey(kms, c, r, "EncryptionContext"), (c, r) =>
        {
            var key = Key(kms, c, r);
            var plaintext = r.GetBlob("Plaintext");
            if (plaintext is not { Length: >= 1 and <= 4096 })
            {
                throw new AwsErrorException(KmsErrors.Validation(
                    "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"));
            }

            var blob = kms.Encrypt(key, plaintext, Context(r));
            return Output(w =>
            {
                w.Blob("CiphertextBlob", blob);
                w.String("KeyId", key.Arn);
                w.String("EncryptionAlgorithm", Algorithm);
            });
        });

        yield return Op("Decrypt", (c, r) => DecryptQueries(kms, c, r), (c, r) =>
        {
            var (key, blob) = CiphertextKey(kms, c, r, "CiphertextBlob", "KeyId");
            var plaintext = kms.Decrypt(key, blob, Context(r));
            return Output(w =>
            {
                w.String("KeyId", key.Arn);
                w.Blob("Plaintext", plaintext);
                w.String("EncryptionAlgorithm", Algorithm);
            });
        });

        yield return Op("GenerateDataKey", (c, r) => OnRequestKey(kms, c, r, "EncryptionContext"), (c, r) =>
        {
            var key = Key(kms, c, r);
            var (plaintext, blob) = kms.GenerateDataKey(key, DataKeyBytes(r), Context(r));
            return Output(w =>
            {
                w.Blob("CiphertextBlob", blob);
                w.Blob("Plaintext", plaintext);
                w.String("KeyId", key.Arn);
            });
        });

        yield return Op("GenerateDataKeyWithoutPlaintext", (c, r) => OnRequestKey(kms, c, r, "EncryptionContext"), (c, r) =>
        {
            var key = Key(kms, c, r);
            var (_, blob) = kms.GenerateDataKey(key, DataKeyBytes(r), Context(r));
            return Output(w =>
            {
                w.Blob("CiphertextBlob", blob);
                w.String("KeyId", key.Arn);
            });
        });

        yield return Op("ReEncrypt", (c, r) => ReEncryptQueries(kms, c, r), (c, r) =>
        {
            var (source, blob) = CiphertextKey(kms, c, r, "CiphertextBlob", "SourceKeyId");
            var destination = Key(kms, c, r, "DestinationKeyId");
            var plaintext = kms.Decrypt(source, blob, Context(r, "SourceEncryptionContext"));
            var sealedAgain = kms.Encrypt(destination, plaintext, Context(r, "DestinationEncryptionContext"));
            return Output(w =>
            {
                w.Blob("CiphertextBlob", sealedAgain);
                w.String("SourceKeyId", source.Arn);
                w.String("KeyId", destination.Arn);
                w.String("SourceEncryptionAlgorithm", Algorithm);
                w.String("DestinationEncryptionAlgorithm", Algorithm);
            });
        }, "kms:ReEncryptFrom", "kms:ReEncryptTo");

        yield return Op("GenerateRandom", (c, _) => [OnAccount(c, "kms:GenerateRandom")], (_, r) =>
        {
            var count = r.GetInt("NumberOfBytes") ?? throw new AwsErrorException(KmsErrors.Validation(
                "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null"));
            if (count is < 1 or > 1024)
            {
                throw new AwsErrorException(KmsErrors.Validation(
                    $"1 validation error detected: Value '{count}' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"));
            }

            var bytes = RandomBytes(count);
            return Output(w => w.Blob("Plaintext", bytes));
        });
    }

    /// <summary>Data key length: <c>NumberOfBytes</c> (1–1024) or <c>KeySpec</c> <c>AES_256</c> / <c>AES_128</c>.</summary>
    private static int DataKeyBytes(IRequestReader r)
    {
        var bytes = r.GetInt("NumberOfBytes");
        var spec = r.GetString("KeySpec");
        if (bytes is not null && spec is not null)
        {
            throw new AwsErrorException(KmsErrors.Validation("Please specify either number of bytes or key spec."));
        }

        return (bytes, spec) switch
        {
            ({ } n, _) when n is >= 1 and <= 1024 => n,
            (null, "AES_256") => 32,
            (null, "AES_128") => 16,
            (null, null) => throw new AwsErrorException(KmsErrors.Validation("Please specify either number of bytes or key spec.")),
            _ => throw new AwsErrorException(KmsErrors.Validation($"1 validation error detected: Value '{spec ?? bytes?.ToString(System.Globalization.CultureInfo.InvariantCulture)}' is not valid for the data key length")),
        };
    }

    /// <summary>The key a ciphertext blob names; a key named in the request must be that key
    /// (<c>IncorrectKeyException</c>).</summary>
    private static (KmsKey Key, byte[] Blob) CiphertextKey(KmsService kms, ActionContext c, IRequestReader r, string blobMember, string keyMember)
    {
        var blob = r.GetBlob(blobMember) ?? throw new AwsErrorException(KmsErrors.Validation(
            $"1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null"));
        var key = kms.KeyOfCiphertext(blob);
        if (r.GetString(keyMember) is { } named && kms.Resolve(named, c.Caller.AccountId, c.Region).Arn != key.Arn)
        {
            throw new AwsErrorException(KmsErrors.IncorrectKey());
        }

        return (key, blob);
    }

    private static IEnumerable<AuthorizationQuery> DecryptQueries(KmsService kms, ActionContext c, IRequestReader r)
    {
        var (key, _) = CiphertextKey(kms, c, r, "CiphertextBlob", "KeyId");
        yield return OnKey(kms, c.Caller, c.Facts, "kms:Decrypt", key, Context(r), AliasOf(r));
    }

    private static IEnumerable<AuthorizationQuery> ReEncryptQueries(KmsService kms, ActionContext c, IRequestReader r)
    {
        var (source, _) = CiphertextKey(kms, c, r, "CiphertextBlob", "SourceKeyId");
        var destination = Key(kms, c, r, "DestinationKeyId");
        yield return OnKey(kms, c.Caller, c.Facts, "kms:ReEncryptFrom", source, Context(r, "SourceEncryptionContext"), AliasOf(r, "SourceKeyId"));
        yield return OnKey(kms, c.Caller, c.Facts, "kms:ReEncryptTo", destination, Context(r, "DestinationEncryptionContext"), AliasOf(r, "DestinationKeyId"));
    }
}

using Gatehouse.Protocol;

namespace Gatehouse.Services.Kms;

/// <summary>
/// KMS's errors as AWS JSON 1.1 sends them: <c>__type</c> is the bare shape name of the KMS service model
/// (<c>NotFoundException</c>), HTTP 400 unless the model says otherwise. Messages follow what KMS is seen sending
/// (KMS API reference, "Errors" of each operation).
/// </summary>
public static class KmsErrors
{
    private static AwsError E(string shape, string message, int status = 400) => new(shape, shape, status, message);

    public static AwsError KeyNotFound(string keyArn) => E("NotFoundException", $"Key '{keyArn}' does not exist");

    public static AwsError AliasNotFound(string aliasArn) => E("NotFoundException", $"Alias {aliasArn} is not found.");

    public static AwsError InvalidKeyId(string keyId) => E("NotFoundException", $"Invalid keyId '{keyId}'");

    public static AwsError GrantNotFound(string grantId) => E("NotFoundException", $"Grant ID {grantId} not found");

    public static AwsError Disabled(string keyArn) => E("DisabledException", $"{keyArn} is disabled.");

    public static AwsError PendingDeletion(string keyArn) => E("KMSInvalidStateException", $"{keyArn} is pending deletion.");

    public static AwsError NotPendingDeletion(string keyArn) => E("KMSInvalidStateException", $"{keyArn} is not pending deletion.");

    public static AwsError InvalidState(string message) => E("KMSInvalidStateException", message);

    public static AwsError InvalidCiphertext() => E("InvalidCiphertextException", "");

    public static AwsError IncorrectKey() =>
        E("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");

    public static AwsError MalformedPolicyDocument(string message) => E("MalformedPolicyDocumentException", message);

    public static AwsError AlreadyExists(string message) => E("AlreadyExistsException", message);

    public static AwsError Validation(string message) => E("ValidationException", message);

    public static AwsError InvalidAliasName(string message) => E("InvalidAliasNameException", message);

    public static AwsError InvalidArn(string message) => E("InvalidArnException", message);

    public static AwsError InvalidGrantToken() => E("InvalidGrantTokenException", "Invalid grant token.");

    public static AwsError UnsupportedOperation(string message) => E("UnsupportedOperationException", message);

    /// <summary>KMS's refusal: <c>AccessDeniedException</c>, HTTP 400, with the authorizer's text (KMS keeps the
    /// action's camel case).</summary>
    public static AwsError AccessDenied(string message) => E("AccessDeniedException", message);
}

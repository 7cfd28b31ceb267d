using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// The KMS failures SendMessage, SendMessageBatch and ReceiveMessage report on SSE-KMS queues (SQS API reference,
/// "Errors": <c>KmsAccessDenied</c>, <c>KmsDisabled</c>, <c>KmsInvalidState</c>, <c>KmsNotFound</c>; HTTP 400, Query
/// codes <c>KMS.&lt;KMS error&gt;</c>), and <c>InvalidSecurity</c> for requests to an encrypted queue that are not
/// HTTPS with Signature Version 4. SQS passes KMS's message through with the suffix its KMS client appends
/// (<c>(Service: AWSKMS; Status Code: 400; Error Code: …; Request ID: …; Proxy: null)</c>).
/// </summary>
public static class SqsKmsErrors
{
    private const string Ns = "com.amazonaws.sqs#";

    /// <summary>The text of InvalidSecurity is not documented; SQS's documentation states the rule in these words.</summary>
    public const string InvalidSecurityMessage = "All requests to queues with server-side encryption enabled must use HTTPS and Signature Version 4.";

    public static AwsError InvalidSecurity() =>
        new(Ns + "InvalidSecurity", "AWS.SimpleQueueService.InvalidSecurity", 403, InvalidSecurityMessage);

    /// <param name="kmsMessage">KMS's own text (the authorizer's, in KMS's wording).</param>
    /// <param name="legacy">The older form the SQS troubleshooting page quotes: KMS's bare
    /// "… with an explicit deny." and no suffix.</param>
    public static AwsError AccessDenied(string kmsMessage, bool legacy) =>
        new(Ns + "KmsAccessDenied", "KMS.AccessDeniedException", 400,
            legacy ? kmsMessage + "." : WithSuffix(kmsMessage, "AccessDeniedException"));

    /// <summary>SQS's form of an error KMS raised for the queue's key (disabled, pending deletion, not found).</summary>
    public static AwsError FromKms(AwsError kms) => kms.QueryCode switch
    {
        "DisabledException" => new(Ns + "KmsDisabled", "KMS.DisabledException", 400, WithSuffix(kms.Message, kms.QueryCode)),
        "KMSInvalidStateException" => new(Ns + "KmsInvalidState", "KMS.InvalidStateException", 400, WithSuffix(kms.Message, kms.QueryCode)),
        "NotFoundException" => new(Ns + "KmsNotFound", "KMS.NotFoundException", 400, WithSuffix(kms.Message, kms.QueryCode)),
        "AccessDeniedException" => new(Ns + "KmsAccessDenied", "KMS.AccessDeniedException", 400, WithSuffix(kms.Message, kms.QueryCode)),
        _ => kms,
    };

    private static string WithSuffix(string message, string kmsCode) =>
        $"{message} (Service: AWSKMS; Status Code: 400; Error Code: {kmsCode}; Request ID: {Uuids.NewV4()}; Proxy: null)";
}

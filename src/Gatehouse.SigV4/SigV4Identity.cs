namespace Gatehouse.SigV4;

/// <summary>Who signed a request that verified, and the credential scope they signed for.</summary>
/// <param name="AccessKeyId">The access key id from the credential scope.</param>
/// <param name="Region">Region of the credential scope (e.g. <c>us-east-1</c>).</param>
/// <param name="Service">Service of the credential scope (e.g. <c>sqs</c>, <c>iam</c>, <c>sts</c>).</param>
/// <param name="Principal">The object the credential lookup returned.</param>
/// <param name="SessionToken">The security token the request carried (temporary credentials only).</param>
/// <param name="SignedAt">The request's signing time (<c>X-Amz-Date</c>/<c>Date</c>).</param>
/// <param name="IsPresigned">True when the signature came in the query string.</param>
public sealed record SigV4Identity(
    string AccessKeyId,
    string Region,
    string Service,
    object? Principal,
    string? SessionToken,
    DateTimeOffset SignedAt,
    bool IsPresigned);

using Gatehouse.Protocol;

namespace Gatehouse.Services.Sts;

/// <summary>STS's errors (STS API reference, "Errors" and "Common Errors").</summary>
public static class StsErrors
{
    private const string Ns = "com.amazonaws.sts#";

    public static AwsError AccessDenied(string message) => new(Ns + "AccessDeniedException", "AccessDenied", 403, message);

    public static AwsError ValidationError(string message) => new(Ns + "ValidationException", "ValidationError", 400, message);

    public static AwsError MalformedPolicyDocument(string message) => new(Ns + "MalformedPolicyDocumentException", "MalformedPolicyDocument", 400, message);

    public static AwsError PackedPolicyTooLarge(int percent) =>
        new(Ns + "PackedPolicyTooLargeException", "PackedPolicyTooLarge", 400, $"Packed policy consumes {percent}% of allotted space, please use smaller policy.");

    public static AwsError Constraint(string? value, string member, string constraint) =>
        ValidationError($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {constraint}");

    public static AwsError Missing(string member) =>
        ValidationError($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    /// <summary>The AssumeRole denial: AWS names caller and role, without a reason clause.</summary>
    public static AwsError NotAuthorized(string callerArn, string action, string resource) =>
        AccessDenied($"User: {callerArn} is not authorized to perform: {action} on resource: {resource}");
}

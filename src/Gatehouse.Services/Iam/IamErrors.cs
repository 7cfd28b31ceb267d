using Gatehouse.Policy;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Iam;

/// <summary>IAM's errors with AWS's codes, statuses and messages (IAM API reference, "Errors" of each action).</summary>
public static class IamErrors
{
    private const string Ns = "com.amazonaws.iam#";

    public static AwsError NoSuchEntity(string message) => new(Ns + "NoSuchEntityException", "NoSuchEntity", 404, message);

    public static AwsError EntityAlreadyExists(string message) => new(Ns + "EntityAlreadyExistsException", "EntityAlreadyExists", 409, message);

    public static AwsError DeleteConflict(string message) => new(Ns + "DeleteConflictException", "DeleteConflict", 409, message);

    public static AwsError LimitExceeded(string message) => new(Ns + "LimitExceededException", "LimitExceeded", 409, message);

    public static AwsError MalformedPolicyDocument(string message) => new(Ns + "MalformedPolicyDocumentException", "MalformedPolicyDocument", 400, message);

    public static AwsError InvalidInput(string message) => new(Ns + "InvalidInputException", "InvalidInput", 400, message);

    public static AwsError ValidationError(string message) => new(Ns + "ValidationException", "ValidationError", 400, message);

    public static AwsError PasswordPolicyViolation(string message) => new(Ns + "PasswordPolicyViolationException", "PasswordPolicyViolation", 400, message);

    public static AwsError InvalidUserType(string message) => new(Ns + "InvalidUserTypeException", "InvalidUserType", 400, message);

    public static AwsError EntityTemporarilyUnmodifiable(string message) => new(Ns + "EntityTemporarilyUnmodifiableException", "EntityTemporarilyUnmodifiable", 409, message);

    public static AwsError AccessDenied(string message) => new(Ns + "AccessDeniedException", "AccessDenied", 403, message);

    /// <summary>A policy engine problem as IAM reports it (MalformedPolicyDocument, or LimitExceeded for size).</summary>
    public static AwsError FromPolicy(PolicyApiError error) => error.Code switch
    {
        "LimitExceeded" => LimitExceeded(error.Message),
        _ => MalformedPolicyDocument(error.Message),
    };

    /// <summary>The smithy-style constraint message: <c>1 validation error detected: Value 'x' at 'userName' failed
    /// to satisfy constraint: Member must …</c>.</summary>
    public static AwsError Constraint(string? value, string member, string constraint) =>
        ValidationError($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {constraint}");

    public static AwsError MissingParameter(string member) =>
        ValidationError($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
}

using Gatehouse.Protocol;

namespace Gatehouse.Services.Organizations;

/// <summary>
/// AWS Organizations' errors (Organizations API reference, each operation's "Errors" section). Organizations speaks
/// only AWS JSON 1.1, so the Query-code slot of <see cref="AwsError"/> carries the error's <c>Reason</c> member when
/// it has one (<c>ConstraintViolationException</c>, <c>InvalidInputException</c>); the Organizations wire protocol
/// writes it as <c>Reason</c>. Texts not quoted by AWS's reference are the commonly observed ones.
/// </summary>
public static class OrganizationErrors
{
    private static AwsError E(string type, string message, int status = 400, string? reason = null) =>
        new(type, reason ?? type, status, message);

    /// <summary>The reason member of an error, when it has one.</summary>
    public static string? ReasonOf(AwsError error) => error.QueryCode != error.ShortType ? error.QueryCode : null;

    public static AwsError NotInUse() => E("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");

    public static AwsError AccessDenied() => E("AccessDeniedException", "You don't have permissions to access this resource.");

    public static AwsError AlreadyInOrganization() => E("AlreadyInOrganizationException", "The AWS account is already a member of an organization.", 409);

    public static AwsError AccountNotFound() => E("AccountNotFoundException", "You specified an account that doesn't exist.");

    public static AwsError UnitNotFound() => E("OrganizationalUnitNotFoundException", "You specified an organizational unit that doesn't exist.");

    public static AwsError ParentNotFound() => E("ParentNotFoundException", "You specified a parent that doesn't exist.");

    public static AwsError ChildNotFound() => E("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.");

    public static AwsError RootNotFound() => E("RootNotFoundException", "You specified a root that doesn't exist.");

    public static AwsError PolicyNotFound() => E("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.");

    public static AwsError TargetNotFound() => E("TargetNotFoundException", "You specified a target that doesn't exist.");

    public static AwsError SourceParentNotFound() => E("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.");

    public static AwsError DestinationParentNotFound() => E("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.");

    public static AwsError DuplicateAccount() => E("DuplicateAccountException", "That account is already present in the specified destination.", 409);

    public static AwsError DuplicateUnit() => E("DuplicateOrganizationalUnitException", "An OU with the same name already exists.", 409);

    public static AwsError DuplicatePolicy() => E("DuplicatePolicyException", "A policy with the same name already exists.", 409);

    public static AwsError DuplicateAttachment() => E("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.", 409);

    public static AwsError PolicyNotAttached() => E("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.");

    public static AwsError PolicyInUse() => E("PolicyInUseException",
        "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.");

    public static AwsError PolicyTypeAlreadyEnabled() => E("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled.", 409);

    public static AwsError PolicyTypeNotEnabled() => E("PolicyTypeNotEnabledException",
        "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.");

    public static AwsError OrganizationNotEmpty() => E("OrganizationNotEmptyException",
        "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account.", 409);

    public static AwsError UnitNotEmpty() => E("OrganizationalUnitNotEmptyException",
        "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.", 409);

    public static AwsError CreateAccountStatusNotFound() => E("CreateAccountStatusNotFoundException",
        "We can't find an create account request with the CreateAccountRequestId that you specified.");

    public static AwsError ManagementCannotLeave() => E("MasterCannotLeaveOrganizationException",
        "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.");

    public static AwsError MalformedPolicy(string message) => E("MalformedPolicyDocumentException", message);

    /// <summary><c>InvalidInputException</c> with its reason (<c>INVALID_PATTERN</c>, <c>INVALID_ENUM</c>, …).</summary>
    public static AwsError InvalidInput(string reason, string message = "You provided a value that does not match the required pattern.") =>
        E("InvalidInputException", message, 400, reason);

    /// <summary><c>ConstraintViolationException</c> with its reason (<c>ACCOUNT_NUMBER_LIMIT_EXCEEDED</c>, …).</summary>
    public static AwsError Constraint(string reason, string message) => E("ConstraintViolationException", message, 400, reason);

    /// <summary>A request member that does not satisfy the service model (the SDK-level validation message).</summary>
    public static AwsError Validation(string? value, string member, string constraint) =>
        new("com.amazon.coral.validate#ValidationException", "ValidationException", 400,
            $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {constraint}");
}

using Gatehouse.Protocol;

namespace Gatehouse.Services.Ec2;

/// <summary>EC2's errors (EC2 API reference, "Error codes for the Amazon EC2 API"): the code is what clients
/// read (EC2 Query has no JSON type), status 400 for client errors.</summary>
public static class Ec2Errors
{
    private const string Ns = "ec2#";

    private static AwsError E(string code, string message, int status = 400) => new(Ns + code, code, status, message);

    public static AwsError InvalidParameterValue(string message) => E("InvalidParameterValue", message);

    public static AwsError InvalidParameter(string message) => E("InvalidParameter", message);

    public static AwsError MissingParameter(string parameter) =>
        E("MissingParameter", $"The request must contain the parameter {parameter}");

    public static AwsError InvalidVpcIdNotFound(string id) => E("InvalidVpcID.NotFound", $"The vpc ID '{id}' does not exist");

    public static AwsError InvalidSubnetIdNotFound(string id) => E("InvalidSubnetID.NotFound", $"The subnet ID '{id}' does not exist");

    public static AwsError InvalidVpcEndpointIdNotFound(string id) =>
        E("InvalidVpcEndpointId.NotFound", $"The Vpc Endpoint Id '{id}' does not exist");

    public static AwsError InvalidVpcEndpointIdMalformed(string id) =>
        E("InvalidVpcEndpointId.Malformed", $"Invalid Id: '{id}' (expecting 'vpce-...')");

    public static AwsError InvalidVpcRange(string cidr) => E("InvalidVpc.Range", $"The CIDR '{cidr}' is invalid.");

    public static AwsError InvalidSubnetRange(string cidr) => E("InvalidSubnet.Range", $"The CIDR '{cidr}' is invalid.");

    public static AwsError InvalidSubnetConflict(string cidr) =>
        E("InvalidSubnet.Conflict", $"The CIDR '{cidr}' conflicts with another subnet");

    public static AwsError DependencyViolation(string kind, string id) =>
        E("DependencyViolation", $"The {kind} '{id}' has dependencies and cannot be deleted.");

    public static AwsError InvalidServiceName(string name) =>
        E("InvalidServiceName", $"The Vpc Endpoint Service '{name}' does not exist");

    public static AwsError InvalidFilter(string name) =>
        E("InvalidParameterValue", $"The filter '{name}' is invalid");

    public static AwsError MalformedPolicy(string detail) => E("InvalidPolicyDocument", detail);

    /// <summary>A DryRun request that would have succeeded (EC2 API reference, common parameter <c>DryRun</c>).</summary>
    public static AwsError DryRunOperation() =>
        E("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);

    /// <summary>EC2's refusal: <c>UnauthorizedOperation</c> (403) with the policy engine's reason after EC2's own
    /// sentence (EC2 API reference, "Error codes": UnauthorizedOperation).</summary>
    public static AwsError UnauthorizedOperation(string reason) =>
        E("UnauthorizedOperation", "You are not authorized to perform this operation. " + reason, 403);
}

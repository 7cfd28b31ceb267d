namespace Gatehouse.Protocol;

/// <summary>Errors every AWS Query/JSON service can return, with the codes AWS uses for SQS.</summary>
/// <remarks>See the SQS API reference's "Common Errors" page and docs/sqs-behaviour.md.</remarks>
public static class CommonErrors
{
    private const string Coral = "com.amazon.coral.service#";

    public static AwsError InvalidParameterValue(string message) =>
        new(Coral + "InvalidParameterValueException", "InvalidParameterValue", 400, message);

    public static AwsError MissingParameter(string parameter) =>
        new(Coral + "MissingRequiredParameterException", "MissingParameter", 400,
            $"The request must contain the parameter {parameter}.");

    public static AwsError InvalidAction(string action) =>
        new(Coral + "InvalidActionException", "InvalidAction", 400, $"The action {action} is not valid for this endpoint.");

    /// <summary>A JSON body that does not parse or whose members have the wrong type.</summary>
    public static AwsError Serialization(string message) =>
        new(Coral + "SerializationException", "SerializationException", 400, message);

    public static AwsError UnknownOperation() =>
        new(Coral + "UnknownOperationException", "UnknownOperationException", 404, "");

    public static AwsError AccessDenied(string message) =>
        new(Coral + "AccessDeniedException", "AccessDenied", 403, message);

    public static AwsError InternalFailure() =>
        new(Coral + "InternalFailure", "InternalFailure", 500,
            "The request processing has failed because of an unknown error, exception or failure.", SenderFault: false);

    public static AwsError RequestEntityTooLarge(long limit) =>
        new(Coral + "RequestEntityTooLargeException", "RequestEntityTooLarge", 413,
            $"Request size exceeds the limit of {limit} bytes.");

    /// <summary>The request body did not arrive in time (HTTP 408).</summary>
    public static AwsError RequestTimeout() =>
        new(Coral + "RequestTimeoutException", "RequestTimeout", 408,
            "Your socket connection to the server was not read from or written to within the timeout period.");

    /// <summary>An HTTP request that cannot be read (malformed framing, a body cut short).</summary>
    public static AwsError MalformedHttpRequest(int status) =>
        new(Coral + "SerializationException", "MalformedInput", status is >= 400 and < 500 ? status : 400,
            "The request could not be read: its HTTP framing or body is malformed or incomplete.");

    /// <summary>A Query request whose parameters cannot be read as sent (AWS "Common Errors": HTTP 404).</summary>
    public static AwsError MalformedQueryString() =>
        new(Coral + "MalformedQueryStringException", "MalformedQueryString", 404, "The query string contains a syntax error.");

    public static AwsError UnsupportedMediaType(string? contentType) =>
        new(Coral + "UnsupportedMediaTypeException", "UnsupportedMediaType", 415,
            $"The content type '{contentType}' is not supported.");
}

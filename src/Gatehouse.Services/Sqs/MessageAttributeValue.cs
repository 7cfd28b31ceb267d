namespace Gatehouse.Services.Sqs;

/// <summary>A message attribute as SQS models it: a data type (<c>String</c>, <c>Number</c>, <c>Binary</c>,
/// optionally with a <c>.custom</c> suffix) and one value.</summary>
public sealed record MessageAttributeValue(
    string DataType,
    string? StringValue,
    byte[]? BinaryValue,
    IReadOnlyList<string>? StringListValues = null,
    IReadOnlyList<byte[]>? BinaryListValues = null)
{
    /// <summary>True for Binary types (which carry <see cref="BinaryValue"/>).</summary>
    public bool IsBinary => DataType.StartsWith("Binary", StringComparison.Ordinal);
}

using Gatehouse.Protocol;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Sqs;

/// <summary>Shared pieces of the SQS request and response shapes, written once for both protocols.</summary>
internal static class SqsCodec
{
    public static IReadOnlyList<KeyValuePair<string, MessageAttributeValue>>? MessageAttributes(IRequestReader r, string name, string queryName)
    {
        var map = r.GetMap(name, queryName, "Name", "Value");
        return map?.Select(kv => new KeyValuePair<string, MessageAttributeValue>(kv.Key, new MessageAttributeValue(
            kv.Value.GetString("DataType") ?? "",
            kv.Value.GetString("StringValue"),
            kv.Value.GetBlob("BinaryValue"),
            kv.Value.GetStringList("StringListValues", "StringListValue"),
            null))).ToList();
    }

    public static void WriteMessageAttribute(IResponseWriter w, MessageAttributeValue v)
    {
        w.String("StringValue", v.StringValue);
        if (v.BinaryValue is { } binary)
        {
            w.Blob("BinaryValue", binary);
        }

        w.String("DataType", v.DataType);
    }

    public static void WriteBatchError(IResponseWriter w, BatchResultErrorEntry e)
    {
        w.String("Id", e.Id);
        w.Bool("SenderFault", e.SenderFault);
        w.String("Code", e.Code);
        w.String("Message", e.Message);
    }

    public static void WriteMessage(IResponseWriter w, ReceivedMessage m)
    {
        w.String("MessageId", m.MessageId);
        w.String("ReceiptHandle", m.ReceiptHandle);
        w.String("MD5OfBody", m.MD5OfBody);
        w.String("MD5OfMessageAttributes", m.MD5OfMessageAttributes);
        w.String("Body", m.Body);
        w.StringMap("Attributes", "Attribute", "Name", "Value", m.Attributes.Count == 0 ? null : m.Attributes);
        w.Map("MessageAttributes", "MessageAttribute", "Name", "Value", m.MessageAttributes.Count == 0 ? null : m.MessageAttributes, WriteMessageAttribute);
    }

    /// <remarks>AWS's JSON protocol leaves an empty <c>Successful</c> or <c>Failed</c> out (an all-success batch
    /// answers only <c>Successful</c>), although the API reference marks both as required; the AWS SDK for Java v2
    /// tells "no failures" from that absence (<c>hasFailed()</c>). The Query protocol writes nothing for an empty
    /// list either way.</remarks>
    public static void WriteBatchIds(IResponseWriter w, BatchIdsResponse r, string resultEntry)
    {
        w.List("Successful", resultEntry, r.Successful, (x, id) => x.String("Id", id));
        w.List("Failed", "BatchResultErrorEntry", r.Failed, WriteBatchError);
    }
}

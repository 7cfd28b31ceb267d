using System.Text;

namespace Gatehouse.Services.Sqs;

/// <summary>A compact binary form of message attributes for a store's <c>attributes</c> column. Every store writes
/// this one form, so a message reads back identically from SQLite and PostgreSQL.</summary>
public static class MessageAttributeCodec
{
    public static byte[]? Encode(IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }

        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write7BitEncodedInt(attributes.Count);
            foreach (var (name, v) in attributes)
            {
                w.Write(name);
                w.Write(v.DataType);
                if (v.BinaryValue is { } bin)
                {
                    w.Write((byte)2);
                    w.Write7BitEncodedInt(bin.Length);
                    w.Write(bin);
                }
                else
                {
                    w.Write((byte)1);
                    w.Write(v.StringValue ?? "");
                }
            }
        }

        return ms.ToArray();
    }

    public static IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> Decode(byte[]? data)
    {
        if (data is null || data.Length == 0)
        {
            return [];
        }

        using var r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        var count = r.Read7BitEncodedInt();
        var list = new List<KeyValuePair<string, MessageAttributeValue>>(count);
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadString();
            var type = r.ReadString();
            var kind = r.ReadByte();
            var value = kind == 2
                ? new MessageAttributeValue(type, null, r.ReadBytes(r.Read7BitEncodedInt()))
                : new MessageAttributeValue(type, r.ReadString(), null);
            list.Add(new(name, value));
        }

        return list;
    }
}

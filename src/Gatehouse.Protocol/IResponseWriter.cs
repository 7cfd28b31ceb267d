namespace Gatehouse.Protocol;

/// <summary>
/// Writes one structured response member by member; the JSON and XML writers render the same calls
/// (design rule 1, docs/architecture.md). Null members are omitted. <c>queryName</c> is the flattened XML element name of a list item
/// or map entry (<c>QueueUrls</c> items are written as repeated <c>&lt;QueueUrl&gt;</c> elements).
/// </summary>
public interface IResponseWriter
{
    void String(string name, string? value);

    void Number(string name, long? value);

    void Bool(string name, bool? value);

    /// <summary>A point in time: epoch seconds with milliseconds as a JSON number (how AWS JSON protocols send
    /// timestamps, for example KMS's <c>CreationDate</c>), ISO 8601 in UTC in XML.</summary>
    void Timestamp(string name, DateTimeOffset? value);

    void Blob(string name, ReadOnlyMemory<byte>? value);

    /// <param name="emitEmpty">Write an empty list in JSON rather than omitting it (required members).</param>
    void StringList(string name, string queryName, IReadOnlyCollection<string>? values, bool emitEmpty = false);

    void StringMap(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, string>>? map);

    void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false);

    void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write);

    /// <summary>A nested structure member: <c>"User": {…}</c> in JSON, <c>&lt;User&gt;…&lt;/User&gt;</c> in XML.</summary>
    void Structure(string name, Action<IResponseWriter> write);
}

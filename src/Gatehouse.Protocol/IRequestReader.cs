namespace Gatehouse.Protocol;

/// <summary>
/// Reads one structured request member by member, whatever protocol carried it (design rule 1, docs/architecture.md: one model per
/// action, two codecs). <c>name</c> arguments are the JSON member names of the AWS model;
/// <c>queryName</c> arguments are the flattened element names the Query protocol uses for the same member
/// (<c>Attributes</c> is sent as <c>Attribute.N.Name</c>/<c>Attribute.N.Value</c>).
/// A member of the wrong type is an <see cref="AwsErrorException"/>; an absent member is <c>null</c>.
/// </summary>
public interface IRequestReader
{
    string? GetString(string name);

    int? GetInt(string name);

    long? GetLong(string name);

    bool? GetBool(string name);

    byte[]? GetBlob(string name);

    IReadOnlyList<string>? GetStringList(string name, string queryName);

    IReadOnlyList<KeyValuePair<string, string>>? GetStringMap(string name, string queryName, string keyName, string valueName);

    IReadOnlyList<IRequestReader>? GetList(string name, string queryName);

    IReadOnlyList<KeyValuePair<string, IRequestReader>>? GetMap(string name, string queryName, string keyName, string valueName);

    /// <summary>A nested structure member (KMS <c>Constraints</c>); readers of protocols without nested structures
    /// answer null.</summary>
    IRequestReader? GetStructure(string name) => null;

    /// <summary>Every member name present at this level (JSON names for JSON, raw parameter names for Query).</summary>
    IEnumerable<string> MemberNames { get; }
}

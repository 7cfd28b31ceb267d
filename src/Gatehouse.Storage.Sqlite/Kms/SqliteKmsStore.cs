using Gatehouse.Services.Kms;

namespace Gatehouse.Storage.Sqlite.Kms;

/// <summary>
/// <see cref="IKmsStore"/> in its own SQLite file (<c>kms.db</c> beside the queue database). One row per key, alias
/// or grant; key material inside key rows is already encrypted under the server key. KMS changes are rare, so each
/// is its own fsynced transaction.
/// </summary>
public sealed class SqliteKmsStore : IKmsStore
{
    private readonly JsonRowFile _file;

    private SqliteKmsStore(JsonRowFile file) => _file = file;

    public string Description => _file.Description;

    public static SqliteKmsStore Open(string path) => new(JsonRowFile.Open(path, "kms_meta", "kms_entities", "key"));

    public IReadOnlyList<KmsRow> LoadAll() => [.. _file.LoadAll().Select(r => new KmsRow(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string key, string json) => _file.Put(kind, key, json);

    public void Delete(string kind, string key) => _file.Delete(kind, key);

    public void Dispose() => _file.Dispose();
}

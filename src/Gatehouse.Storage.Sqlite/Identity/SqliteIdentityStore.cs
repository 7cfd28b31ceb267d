using Gatehouse.Services.Iam;

namespace Gatehouse.Storage.Sqlite.Identity;

/// <summary>
/// <see cref="IIdentityStore"/> in its own SQLite file (<c>identity.db</c> beside the queue database), so identity
/// writes never contend with the queue writer. One row per entity; secrets inside rows are already encrypted.
/// IAM changes are rare, so each one is its own fsynced transaction.
/// </summary>
public sealed class SqliteIdentityStore : IIdentityStore
{
    private readonly JsonRowFile _file;

    private SqliteIdentityStore(JsonRowFile file) => _file = file;

    public string Description => _file.Description;

    /// <summary>One process owns the data directory, so no other node changes this file: no change notices.</summary>
    public event Action<IdentityChange>? ChangedElsewhere
    {
        add { }
        remove { }
    }

    public static SqliteIdentityStore Open(string path) => new(JsonRowFile.Open(path, "identity_meta", "identity_entities", "key"));

    public IReadOnlyList<IdentityRow> LoadAll() => [.. _file.LoadAll().Select(r => new IdentityRow(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string key, string json) => _file.Put(kind, key, json);

    public void Delete(string kind, string key) => _file.Delete(kind, key);

    public void Dispose() => _file.Dispose();
}

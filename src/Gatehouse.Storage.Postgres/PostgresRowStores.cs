using Gatehouse.Services.Ec2;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Kms;

namespace Gatehouse.Storage.Postgres;

/// <summary><see cref="IIdentityStore"/> (IAM, STS sessions and Organizations) in the shared table
/// <c>identity_rows</c>; other nodes' changes arrive through <see cref="ChangedElsewhere"/>.</summary>
public sealed class PostgresIdentityStore : IIdentityStore
{
    private readonly PostgresRowTable _table;
    private Action<IdentityChange>? _changed;

    private PostgresIdentityStore(PostgresRowTable table) => _table = table;

    public static async Task<PostgresIdentityStore> OpenAsync(PostgresDatabase database, TimeProvider? time = null, CancellationToken ct = default) =>
        new(await PostgresRowTable.OpenAsync(database, "identity", time, ct));

    public string Description => _table.Description;

    public event Action<IdentityChange>? ChangedElsewhere
    {
        add
        {
            _changed += value;
            _table.Follow((kind, key, json) => _changed?.Invoke(new IdentityChange(kind, key, json)));
        }
        remove => _changed -= value;
    }

    public IReadOnlyList<IdentityRow> LoadAll() => [.. _table.LoadAll().Select(r => new IdentityRow(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string key, string json) => _table.Put(kind, key, json);

    public void Delete(string kind, string key) => _table.Delete(kind, key);

    /// <summary>Compares every row now, as after a reconnect or at the periodic refresh.</summary>
    internal void Refresh() => _table.RefreshAll();

    public void Dispose() => _table.Dispose();
}

/// <summary><see cref="IKmsStore"/> in the shared table <c>kms_rows</c> (key material already encrypted under the
/// server key); other nodes' changes arrive through <see cref="ChangedElsewhere"/>.</summary>
public sealed class PostgresKmsStore : IKmsStore
{
    private readonly PostgresRowTable _table;
    private Action<KmsChange>? _changed;

    private PostgresKmsStore(PostgresRowTable table) => _table = table;

    public static async Task<PostgresKmsStore> OpenAsync(PostgresDatabase database, TimeProvider? time = null, CancellationToken ct = default) =>
        new(await PostgresRowTable.OpenAsync(database, "kms", time, ct));

    public string Description => _table.Description;

    public event Action<KmsChange>? ChangedElsewhere
    {
        add
        {
            _changed += value;
            _table.Follow((kind, key, json) => _changed?.Invoke(new KmsChange(kind, key, json)));
        }
        remove => _changed -= value;
    }

    public IReadOnlyList<KmsRow> LoadAll() => [.. _table.LoadAll().Select(r => new KmsRow(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string key, string json) => _table.Put(kind, key, json);

    public void Delete(string kind, string key) => _table.Delete(kind, key);

    /// <summary>Compares every row now, as after a reconnect or at the periodic refresh.</summary>
    internal void Refresh() => _table.RefreshAll();

    public void Dispose() => _table.Dispose();
}

/// <summary><see cref="IEc2Store"/> in the shared table <c>ec2_rows</c>; other nodes' changes arrive through
/// <see cref="ChangedElsewhere"/>.</summary>
public sealed class PostgresEc2Store : IEc2Store
{
    private readonly PostgresRowTable _table;
    private Action<Ec2Change>? _changed;

    private PostgresEc2Store(PostgresRowTable table) => _table = table;

    public static async Task<PostgresEc2Store> OpenAsync(PostgresDatabase database, TimeProvider? time = null, CancellationToken ct = default) =>
        new(await PostgresRowTable.OpenAsync(database, "ec2", time, ct));

    public string Description => _table.Description;

    public event Action<Ec2Change>? ChangedElsewhere
    {
        add
        {
            _changed += value;
            _table.Follow((kind, id, json) => _changed?.Invoke(new Ec2Change(kind, id, json)));
        }
        remove => _changed -= value;
    }

    public IReadOnlyList<Ec2Row> LoadAll() => [.. _table.LoadAll().Select(r => new Ec2Row(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string id, string json) => _table.Put(kind, id, json);

    public void Delete(string kind, string id) => _table.Delete(kind, id);

    /// <summary>Compares every row now, as after a reconnect or at the periodic refresh.</summary>
    internal void Refresh() => _table.RefreshAll();

    public void Dispose() => _table.Dispose();
}

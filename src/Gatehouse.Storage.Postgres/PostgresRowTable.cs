using System.Threading.Channels;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// One table of JSON rows keyed by (kind, key) that several nodes share: the shape of the identity, KMS and EC2 stores,
/// whose services keep everything in memory and write through. Every write takes a fresh version from one sequence and
/// sends a change notice in the same statement (so the notice goes out exactly when the write commits); a delete
/// leaves a tombstone (no JSON) with its version, so a node that missed the notice still sees the delete at its next
/// refresh. Other nodes re-read a row when its notice arrives and apply it when its version is newer than the one they
/// hold; after the listener reconnects, and every <see cref="RefreshInterval"/> in any case, they compare every row
/// (docs/postgres.md, "Caches and how stale they can be").
/// </summary>
public sealed class PostgresRowTable : IDisposable
{
    /// <summary>How often every row is compared even without notices: the bound on staleness when a notice is lost.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly PostgresDatabase _database;
    private readonly string _table;
    private readonly string _channel;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Kind, string Key), long> _versions = [];
    private readonly HashSet<(string Kind, string Key)> _raising = [];
    private readonly HashSet<(string Kind, string Key)> _overtaken = [];
    private readonly Dictionary<(string Kind, string Key), int> _writing = [];
    private readonly HashSet<(string Kind, string Key)> _deferred = [];
    private readonly Channel<(string Kind, string Key)?> _work = Channel.CreateUnbounded<(string, string)?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private Action<string, string, string?>? _changed;
    private Task? _worker;
    private ITimer? _refresh;

    private PostgresRowTable(PostgresDatabase database, string component, TimeProvider time)
    {
        _database = database;
        _table = component + "_rows";
        _channel = "gatehouse_" + component;
        _time = time;
        Description = database.Description;
    }

    public string Description { get; }

    /// <summary>Rows re-read because another node's notice or a refresh said they changed (for tests and metrics).</summary>
    public long RowsFollowed { get; private set; }

    /// <summary>Creates or migrates <c>{component}_rows</c> and starts listening for other nodes' changes.</summary>
    public static async Task<PostgresRowTable> OpenAsync(PostgresDatabase database, string component, TimeProvider? time = null, CancellationToken ct = default)
    {
        var table = new PostgresRowTable(database, component, time ?? TimeProvider.System);
        await database.MigrateAsync(component, Migrations(table._table), ct);
        await database.Notifications.SubscribeAsync(table._channel, table.OnNotice, ct);
        database.Notifications.Reconnected += table.RefreshAll;
        return table;
    }

    private static IReadOnlyList<Migration> Migrations(string table) =>
    [
        new(1, $"""
            CREATE SEQUENCE {table}_version;
            CREATE TABLE {table} (
                kind    text   NOT NULL,
                key     text   NOT NULL,
                json    text,
                version bigint NOT NULL,
                PRIMARY KEY (kind, key)
            );
            """),
    ];

    /// <summary>Called with (kind, key, JSON or null when deleted) for each change another node made. Setting it
    /// starts following (and compares every row once, so nothing between <see cref="LoadAll"/> and now is missed).</summary>
    public void Follow(Action<string, string, string?> changed)
    {
        lock (_gate)
        {
            _changed = changed;
            _worker ??= Task.Run(RunAsync, CancellationToken.None);
            _refresh ??= _time.CreateTimer(_ => RefreshAll(), null, RefreshInterval, RefreshInterval);
        }

        RefreshAll();
    }

    public IReadOnlyList<(string Kind, string Key, string Json)> LoadAll()
    {
        using var command = _database.DataSource.CreateCommand($"SELECT kind, key, json, version FROM {_table} ORDER BY kind, key");
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string)>();
        lock (_gate)
        {
            while (reader.Read())
            {
                var id = (reader.GetString(0), reader.GetString(1));
                Seen(id, reader.GetInt64(3));
                if (!reader.IsDBNull(2))
                {
                    rows.Add((id.Item1, id.Item2, reader.GetString(2)));
                }
            }
        }

        return rows;
    }

    public void Put(string kind, string key, string json) => Write(kind, key, json);

    public void Delete(string kind, string key) => Write(kind, key, null);

    private void Write(string kind, string key, string? json)
    {
        using var command = _database.DataSource.CreateCommand($"""
            WITH w AS (
                INSERT INTO {_table}(kind, key, json, version) VALUES ($1, $2, $3, nextval('{_table}_version'))
                ON CONFLICT (kind, key) DO UPDATE SET json = excluded.json, version = excluded.version
                RETURNING version)
            SELECT version, pg_notify($4, $5) FROM w
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = _channel });
        command.Parameters.Add(new NpgsqlParameter { Value = _database.Notifications.NodeId + "\n" + kind + "\n" + key });
        var id = (kind, key);
        lock (_gate)
        {
            _writing[id] = _writing.GetValueOrDefault(id) + 1;
        }

        var requeue = false;
        long? version = null;
        try
        {
            version = (long)command.ExecuteScalar()!;
        }
        finally
        {
            lock (_gate)
            {
                if (version is { } written)
                {
                    Seen(id, written);
                    if (_raising.Contains(id))
                    {
                        // A change from elsewhere is being applied at this moment and may be older than this write: the
                        // worker re-reads the row once it is done, so this write is what stays.
                        _overtaken.Add(id);
                    }
                }

                if (--_writing[id] == 0)
                {
                    _writing.Remove(id);
                    requeue = _deferred.Remove(id);
                }
            }
        }

        if (requeue)
        {
            // A refresh read the row while this write was under way: it may have read this very write (committed, not
            // yet noted here) or a newer one from elsewhere. Read it again, now that this write's version is known.
            _work.Writer.TryWrite(id);
        }
    }

    private void Seen((string, string) id, long version)
    {
        if (!_versions.TryGetValue(id, out var known) || known < version)
        {
            _versions[id] = version;
        }
    }

    private void OnNotice(string payload)
    {
        var parts = payload.Split('\n', 3);
        if (parts.Length == 3 && parts[0] != _database.Notifications.NodeId)
        {
            _work.Writer.TryWrite((parts[1], parts[2]));
        }
    }

    /// <summary>Compares every row with what this node holds (after a reconnect, and periodically).</summary>
    public void RefreshAll() => _work.Writer.TryWrite(null);

    private async Task RunAsync()
    {
        try
        {
            await foreach (var item in _work.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await FollowAsync(item);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    // The database is unreachable: the next notice, reconnect or refresh tries again.
                    if (item is null)
                    {
                        continue;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token);
                    _work.Writer.TryWrite(item);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task FollowAsync((string Kind, string Key)? item)
    {
        await using var command = _database.DataSource.CreateCommand(item is null
            ? $"SELECT kind, key, json, version FROM {_table}"
            : $"SELECT kind, key, json, version FROM {_table} WHERE kind = $1 AND key = $2");
        if (item is { } one)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = one.Kind });
            command.Parameters.Add(new NpgsqlParameter { Value = one.Key });
        }

        var changed = new List<((string, string) Id, string? Json, long Version)>();
        await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
        {
            while (await reader.ReadAsync(_stop.Token))
            {
                var id = (reader.GetString(0), reader.GetString(1));
                var version = reader.GetInt64(3);
                lock (_gate)
                {
                    if (_versions.TryGetValue(id, out var known) && known >= version)
                    {
                        continue;
                    }

                    if (_writing.ContainsKey(id))
                    {
                        // This node is writing the row: what was read may be that write itself. Looked at again
                        // when the write is done.
                        _deferred.Add(id);
                        continue;
                    }

                    _versions[id] = version;
                    _raising.Add(id);
                }

                changed.Add((id, reader.IsDBNull(2) ? null : reader.GetString(2), version));
            }
        }

        foreach (var (id, json, _) in changed)
        {
            RowsFollowed++;
            Raise(id.Item1, id.Item2, json);
            bool again;
            lock (_gate)
            {
                _raising.Remove(id);
                again = _overtaken.Remove(id);
            }

            if (again)
            {
                // This node wrote the row while the older change was being applied: apply what the database holds now.
                await ReapplyAsync(id);
            }
        }
    }

    private async Task ReapplyAsync((string Kind, string Key) id)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT json FROM {_table} WHERE kind = $1 AND key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = id.Kind });
        command.Parameters.Add(new NpgsqlParameter { Value = id.Key });
        var json = await command.ExecuteScalarAsync(_stop.Token) as string;
        Raise(id.Kind, id.Key, json);
    }

    /// <summary>Hands one change to the service; a row the service cannot take in (a bug, or a row written by a newer
    /// build) must not stop this node from following every later change.</summary>
    private void Raise(string kind, string key, string? json)
    {
        try
        {
            _changed?.Invoke(kind, key, json);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException or NotSupportedException
            or KeyNotFoundException or NullReferenceException or FormatException)
        {
            RowsRejected++;
        }
    }

    /// <summary>Changes the service could not take in (see <see cref="Raise"/>).</summary>
    public long RowsRejected { get; private set; }

    private int _disposed;

    /// <summary>Stops following; idempotent (the service and the node's store set may both dispose it).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _database.Notifications.Reconnected -= RefreshAll;
        _refresh?.Dispose();
        _stop.Cancel();
        _work.Writer.TryComplete();
        try
        {
            _worker?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}

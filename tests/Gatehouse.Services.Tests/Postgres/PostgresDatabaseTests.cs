using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;
using Npgsql;

namespace Gatehouse.Services.Tests.Postgres;

public sealed class PostgresDatabaseTests
{
    private static readonly Migration[] Steps =
    [
        new(1, "CREATE TABLE t(id bigint PRIMARY KEY)"),
        new(2, "ALTER TABLE t ADD COLUMN name text NOT NULL DEFAULT ''"),
    ];

    [PostgresFact]
    public async Task Migrations_apply_once_in_order_even_when_nodes_start_together()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var a = PostgresDatabase.Open(test.ConnectionString);
        await using var b = PostgresDatabase.Open(test.ConnectionString);

        var before = await Task.WhenAll(a.MigrateAsync("demo", Steps), b.MigrateAsync("demo", Steps), a.MigrateAsync("demo", Steps));

        Assert.Contains(0, before);
        // Had a step run twice, its CREATE TABLE would have failed; a node may start after another applied step 1.
        Assert.All(before, v => Assert.InRange(v, 0, 2));
        await using var read = a.DataSource.CreateCommand("SELECT version FROM gatehouse_schema WHERE component = 'demo'");
        Assert.Equal(2, await read.ExecuteScalarAsync());
        await using var insert = a.DataSource.CreateCommand("INSERT INTO t(id, name) VALUES (1, 'x')");
        Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        Assert.Equal(2, await a.MigrateAsync("demo", Steps));
    }

    [PostgresFact]
    public async Task A_database_newer_than_this_build_is_refused()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        await db.MigrateAsync("demo", Steps);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => db.MigrateAsync("demo", Steps[..1]));
        Assert.Contains("newer than this Gatehouse knows", e.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Connections_get_the_planner_settings_unless_the_connection_string_makes_its_own()
    {
        var expected = PostgresDatabase.SessionSettings.Select(s => s.Value).ToList();
        Assert.Contains(("plan_cache_mode", "force_generic_plan"), PostgresDatabase.SessionSettings);
        Assert.Contains(("jit", "off"), PostgresDatabase.SessionSettings);
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        var settings = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            // Several connections at once, each opened anew: the settings belong to every physical connection.
            await using var connection = await db.DataSource.OpenConnectionAsync();
            var read = await ReadSettingsAsync(connection);
            await Task.Delay(50);
            return read;
        }));
        Assert.All(settings, s => Assert.Equal(expected, s));

        // A setting the connection string makes itself wins; the others are still applied (a setting whose name
        // merely starts like one of them, jit_above_cost, leaves jit to us).
        var own = new NpgsqlConnectionStringBuilder(test.ConnectionString) { Options = "-c plan_cache_mode=force_custom_plan -c jit_above_cost=1000" };
        await using var custom = PostgresDatabase.Open(own.ConnectionString);
        await using (var connection = await custom.DataSource.OpenConnectionAsync())
        {
            var read = await ReadSettingsAsync(connection);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(PostgresDatabase.SessionSettings[i].Name == "plan_cache_mode" ? "force_custom_plan" : expected[i], read[i]);
            }
        }

        static async Task<List<string>> ReadSettingsAsync(NpgsqlConnection connection)
        {
            var read = new List<string>();
            foreach (var (name, _) in PostgresDatabase.SessionSettings)
            {
                await using var show = new NpgsqlCommand("SELECT current_setting($1)", connection);
                show.Parameters.Add(new NpgsqlParameter { Value = name });
                read.Add((string)(await show.ExecuteScalarAsync())!);
            }

            return read;
        }
    }

    [PostgresFact]
    public async Task Notifications_reach_a_listener_on_another_pool()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var sender = PostgresDatabase.Open(test.ConnectionString);
        await using var listener = PostgresDatabase.Open(test.ConnectionString);
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await listener.Notifications.SubscribeAsync("gatehouse_demo", p => got.TrySetResult(p));

        await sender.Notifications.NotifyAsync("gatehouse_demo", "hello");

        Assert.Equal("hello", await got.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [PostgresFact]
    public async Task A_listener_whose_connection_is_killed_reconnects_and_says_so()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        db.Notifications.Reconnected += () => reconnected.TrySetResult();
        await db.Notifications.SubscribeAsync("gatehouse_demo", p => got.TrySetResult(p));

        await using (var kill = db.DataSource.CreateCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
        {
            await kill.ExecuteNonQueryAsync();
        }

        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await db.Notifications.NotifyAsync("gatehouse_demo", "after");
        Assert.Equal("after", await got.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("postgres://app:s%40cret@db.example:6543/queues?sslmode=require", "db.example", 6543, "app", "s@cret", "queues")]
    [InlineData("postgresql://app@localhost/gatehouse", "localhost", 5432, "app", null, "gatehouse")]
    [InlineData("Host=127.0.0.1;Port=5433;Username=u;Password=p;Database=d", "127.0.0.1", 5433, "u", "p", "d")]
    public void Connection_strings_are_read_in_both_forms(string value, string host, int port, string user, string? password, string database)
    {
        var b = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(value));
        Assert.Equal((host, port, user, password, database), (b.Host, b.Port, b.Username, b.Password, b.Database));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Username=u", PostgresDatabase.DefaultMaxAutoPrepare)]
    [InlineData("Host=127.0.0.1;Username=u;Max Auto Prepare=0", 0)]
    [InlineData("postgres://u@127.0.0.1/d?Max%20Auto%20Prepare=5", 5)]
    public async Task Statements_are_prepared_automatically_unless_the_connection_string_says_otherwise(string value, int expected)
    {
        await using var db = PostgresDatabase.Open(value);
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(db.DataSource.ConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public void A_URL_with_an_unknown_setting_is_refused_with_its_name()
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Normalize("postgres://u@h/d?frobnicate=1"));
        Assert.Contains("frobnicate", e.Message, StringComparison.Ordinal);
    }
}

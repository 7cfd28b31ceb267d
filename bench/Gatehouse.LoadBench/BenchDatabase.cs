using System.Net.Http.Headers;
using System.Text.Json;
using Gatehouse.SigV4;
using Npgsql;

namespace Gatehouse.LoadBench;

/// <summary>A PostgreSQL database of its own for one target, created on the server <c>--postgres</c> names.</summary>
internal sealed class BenchDatabase
{
    private readonly string _admin;

    private BenchDatabase(string admin, string name, string url)
    {
        _admin = admin;
        Name = name;
        Url = url;
    }

    public string Name { get; }

    /// <summary>The database as the <c>postgres://</c> URL given to <c>--store</c>.</summary>
    public string Url { get; }

    public static async Task<BenchDatabase> CreateAsync(string server, string synchronousCommit = "on")
    {
        var admin = new NpgsqlConnectionStringBuilder(server.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) ? FromUrl(server) : server) { Pooling = false };
        var name = "gh_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
            await using var commit = new NpgsqlCommand($"ALTER DATABASE {name} SET synchronous_commit = {(synchronousCommit == "off" ? "off" : "on")}", connection);
            await commit.ExecuteNonQueryAsync();
        }

        var url = $"postgres://{Uri.EscapeDataString(admin.Username ?? "")}:{Uri.EscapeDataString(admin.Password ?? "")}@{admin.Host}:{admin.Port}/{name}";
        return new BenchDatabase(admin.ConnectionString, name, url);
    }

    public async Task DropAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
        }
    }

    private static string FromUrl(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
        }.ConnectionString;
    }
}

/// <summary>Reads <c>GET /_gatehouse/status</c> (signed for the service <c>gatehouse</c> as the root user).</summary>
internal static class StatusClient
{
    private static readonly HttpClient Http = new();

    public static async Task<JsonElement> GetStatusAsync(Uri endpoint)
    {
        const string Path = "/_gatehouse/status";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, Path));
        var headers = new SigV4Headers().Add("Host", endpoint.Authority);
        var signature = SigV4Signer.Sign(new SigV4Request { Method = "GET", RawPath = Path, Headers = headers },
            new SigV4SigningCredentials("test", "test"), SqsClient.Region, "gatehouse", TimeProvider.System.GetUtcNow());
        foreach (var (name, value) in signature.HeadersToAdd)
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"status of {endpoint}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

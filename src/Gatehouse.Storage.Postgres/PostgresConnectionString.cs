using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>Accepts the two forms people pass: Npgsql's <c>Host=…;Username=…</c> and the libpq URL
/// <c>postgres://user:password@host:port/database?sslmode=require</c> (also <c>postgresql://</c>).</summary>
public static class PostgresConnectionString
{
    public static bool IsPostgresUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Npgsql key=value form of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The URL cannot be read.</exception>
    public static string Normalize(string value)
    {
        if (!IsPostgresUrl(value))
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("The PostgreSQL URL cannot be read; expected postgres://user:password@host:port/database.", nameof(value));
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var val = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            // libpq's names for the settings Npgsql calls otherwise.
            key = key.ToLowerInvariant() switch
            {
                "sslmode" => "SSL Mode",
                "connect_timeout" => "Timeout",
                "application_name" => "Application Name",
                _ => key,
            };
            try
            {
                builder[key] = key == "SSL Mode" ? val.Replace("-", "", StringComparison.Ordinal) : val;
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"The PostgreSQL URL has a setting Npgsql does not know: {key}.", nameof(value), e);
            }
        }

        return builder.ConnectionString;
    }
}

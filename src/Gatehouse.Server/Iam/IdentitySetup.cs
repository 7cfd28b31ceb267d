using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Storage.Sqlite.Identity;

namespace Gatehouse.Server.Iam;

/// <summary>
/// Opens the identity layer at start-up: the server key (from configuration, else <c>server.key</c> in the data
/// directory, created on first start), the identity store (<c>identity.db</c> beside the queue database, or memory)
/// and the registry with the management account's root credentials.
/// </summary>
internal static class IdentitySetup
{
    public const string KeyFileName = "server.key";

    public static (IdentityRegistry Registry, string KeySource) Open(GatehouseOptions options, TimeProvider time) =>
        Open(options, time, LoadServerKey(options));

    /// <summary>The identity registry under the given server key (KMS key material is protected by the same key).</summary>
    public static (IdentityRegistry Registry, string KeySource) Open(GatehouseOptions options, TimeProvider time, (byte[] Key, string Source) serverKey,
        IIdentityStore? shared = null)
    {
        var (key, source) = serverKey;
        IIdentityStore store = shared ?? (options.InMemory
            ? new InMemoryIdentityStore()
            : SqliteIdentityStore.Open(Path.Combine(options.DataDirectory, "identity.db")));
        var registry = new IdentityRegistry(store, new SecretProtector(key), time,
            new IdentityOptions(options.AccountId, options.RootAccessKeyId, options.RootSecretAccessKey));
        return (registry, source);
    }

    public static (byte[] Key, string Source) LoadServerKey(GatehouseOptions options)
    {
        if (options.ServerKey is { } configured)
        {
            return (Decode(configured, "--server-key / GATEHOUSE_SERVER_KEY"), "from configuration");
        }

        if (options.InMemory)
        {
            return (SecretProtector.NewKey(), "generated for this run (in memory)");
        }

        var path = Path.Combine(options.DataDirectory, KeyFileName);
        if (File.Exists(path))
        {
            return (Decode(File.ReadAllText(path).Trim(), path), "from " + path);
        }

        Directory.CreateDirectory(options.DataDirectory);
        var key = SecretProtector.NewKey();
        File.WriteAllText(path, Convert.ToBase64String(key) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (key, "from " + path + " (created)");
    }

    private static byte[] Decode(string base64, string where)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            if (key.Length == 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidOperationException($"The server key from {where} must be 32 bytes in base64 (for example: openssl rand -base64 32).");
    }
}

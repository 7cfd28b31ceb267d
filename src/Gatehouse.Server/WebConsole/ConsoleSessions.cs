using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gatehouse.SigV4;

namespace Gatehouse.Server.WebConsole;

/// <summary>One signed-in console session, kept on the server: the browser holds only its opaque id.</summary>
public sealed class ConsoleSession
{
    public required string Id { get; init; }

    /// <summary>The credentials every console API call is signed with (the signed-in principal's, or the role
    /// session's after a switch role).</summary>
    public required SigV4SigningCredentials Credentials { get; set; }

    public required DateTimeOffset CredentialsExpire { get; set; }

    /// <summary>The caller ARN the API sees (<c>arn:aws:iam::A:user/NAME</c>, <c>…:root</c> or an assumed role).</summary>
    public required string Arn { get; set; }

    public required string Account { get; init; }

    /// <summary>The signed-in identity's own credentials while a role is assumed (switch back restores them).</summary>
    public (SigV4SigningCredentials Credentials, DateTimeOffset Expire, string Arn)? SignedIn { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    public bool PasswordResetRequired { get; set; }
}

/// <summary>
/// The console's session table (docs/console.md, "Sessions"): random 256-bit ids, an idle timeout that slides with
/// each request, and an absolute end when the session's credentials expire. Nothing here is persisted: a restart
/// signs everyone out.
/// </summary>
public sealed class ConsoleSessions(TimeProvider time, GatehouseOptions options)
{
    public const string CookieName = "gatehouse-console";

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>Failed sign-ins per account and name before further attempts are refused for <see cref="LockoutWindow"/>.</summary>
    public const int MaxFailures = 5;

    public static readonly TimeSpan LockoutWindow = TimeSpan.FromMinutes(15);

    public TimeSpan IdleTimeout => options.ConsoleIdleTimeout;

    public ConsoleSession Create(string account, string arn, SigV4SigningCredentials credentials, DateTimeOffset expire, bool resetRequired)
    {
        var session = new ConsoleSession
        {
            Id = Base64Url(RandomNumberGenerator.GetBytes(32)),
            Account = account,
            Arn = arn,
            Credentials = credentials,
            CredentialsExpire = expire,
            LastSeen = time.GetUtcNow(),
            PasswordResetRequired = resetRequired,
        };
        _sessions[session.Id] = session;
        Prune(session.LastSeen);
        return session;
    }

    /// <summary>The live session with this id, its idle clock restarted; null (and forgotten) once it has idled
    /// out or its credentials have expired.</summary>
    public ConsoleSession? Find(string? id)
    {
        if (id is null || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var end = session.SignedIn?.Expire is { } signedIn && signedIn < session.CredentialsExpire ? signedIn : session.CredentialsExpire;
        if (now - session.LastSeen > IdleTimeout || now >= end)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.LastSeen = now;
        return session;
    }

    /// <summary>Forgets sessions that idled out or expired and failure counts whose window has passed, so neither
    /// table grows without bound.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (id, s) in _sessions)
        {
            if (now - s.LastSeen > IdleTimeout || now >= s.CredentialsExpire)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        foreach (var (key, f) in _failures)
        {
            if (now - f.Since >= LockoutWindow)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    public ConsoleSession? Remove(string? id) => id is not null && _sessions.TryRemove(id, out var s) ? s : null;

    /// <summary>Whether sign-in for this account and name is refused for now after too many failures.</summary>
    public bool Throttled(string account, string name)
    {
        var key = account + "/" + name.ToUpperInvariant();
        return _failures.TryGetValue(key, out var f) && f.Failures >= MaxFailures && time.GetUtcNow() - f.Since < LockoutWindow;
    }

    public void Failed(string account, string name)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(account + "/" + name.ToUpperInvariant(), _ => (1, now),
            (_, f) => now - f.Since >= LockoutWindow ? (1, now) : (f.Failures + 1, f.Since));
    }

    public void Succeeded(string account, string name) => _failures.TryRemove(account + "/" + name.ToUpperInvariant(), out _);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

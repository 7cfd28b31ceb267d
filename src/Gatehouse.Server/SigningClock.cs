namespace Gatehouse.Server;

/// <summary>The clock SigV4 signatures are checked against (the 15-minute skew window, session expiry). The same
/// as the server's clock, except under a test's fake clock (Gatehouse.Testing), where SDKs still sign with the real
/// time: there it stays the system clock, so advancing the fake clock does not make every signature "too skewed".</summary>
public sealed class SigningClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;
}

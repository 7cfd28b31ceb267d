using static Gatehouse.SigV4.Tests.TestSupport;

namespace Gatehouse.SigV4.Tests;

/// <summary>Temporary credentials: the request must carry exactly the session's token, and not after expiry.</summary>
public sealed class SessionTokenTests
{
    private const string TempKey = "ASIAEXAMPLETEMP00001";
    private const string TempSecret = "temporary/secret/EXAMPLE";
    private const string Token = "FwoGZXIvYXdzEXAMPLE//token==";
    private static readonly DateTimeOffset Expiry = SignedAt.AddHours(1);

    private static SigV4Credential? TempLookup(string id) =>
        id == TempKey ? new SigV4Credential(TempSecret, "role-session", Token, Expiry) : Lookup(id);

    private static SigV4Result Verify(string? token, DateTimeOffset now, string key = TempKey, string secret = TempSecret)
    {
        var (request, headers) = SqsPost();
        Signed(request, headers, now, token, key, secret);
        return new SigV4Verifier().Verify(request, now, TempLookup);
    }

    [Fact]
    public void Matching_token_authenticates_and_is_returned()
    {
        var result = Verify(Token, SignedAt);
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal(Token, result.Identity.SessionToken);
        Assert.Equal("role-session", result.Identity.Principal);
    }

    [Fact]
    public void Missing_token_for_temporary_key_is_InvalidClientTokenId()
    {
        var result = Verify(null, SignedAt);
        Assert.Equal("InvalidClientTokenId", result.Error?.Code);
        Assert.Equal("The security token included in the request is invalid.", result.Error?.Message);
    }

    [Fact]
    public void Wrong_token_is_InvalidClientTokenId()
    {
        Assert.Equal("InvalidClientTokenId", Verify(Token + "x", SignedAt).Error?.Code);
    }

    [Fact]
    public void Token_on_a_long_term_key_is_InvalidClientTokenId()
    {
        Assert.Equal("InvalidClientTokenId", Verify(Token, SignedAt, AccessKey, Secret).Error?.Code);
    }

    [Fact]
    public void Expired_session_is_ExpiredToken()
    {
        var result = Verify(Token, Expiry);
        Assert.True(result.IsFailed);
        Assert.Equal("ExpiredToken", result.Error.Code);
        Assert.Equal(403, result.Error.HttpStatus);
        Assert.Equal("com.amazon.coral.service#ExpiredTokenException", result.Error.JsonType);
        Assert.Equal("The security token included in the request is expired", result.Error.Message);
    }

    [Fact]
    public void One_second_before_expiry_still_works()
    {
        Assert.True(Verify(Token, Expiry.AddSeconds(-1)).IsAuthenticated);
    }

    [Fact]
    public async Task Async_lookup_gives_the_same_answers()
    {
        var (request, headers) = SqsPost();
        Signed(request, headers, SignedAt, Token, TempKey, TempSecret);
        var verifier = new SigV4Verifier();

        var sync = await verifier.VerifyAsync(request, SignedAt, (id, _) => ValueTask.FromResult(TempLookup(id)));
        var trulyAsync = await verifier.VerifyAsync(request, SignedAt, async (id, ct) =>
        {
            await Task.Yield();
            return TempLookup(id);
        });
        var (late, lateHeaders) = SqsPost();
        Signed(late, lateHeaders, Expiry, Token, TempKey, TempSecret);
        var expired = await verifier.VerifyAsync(late, Expiry, async (id, ct) =>
        {
            await Task.Delay(1, ct);
            return TempLookup(id);
        });

        Assert.True(sync.IsAuthenticated);
        Assert.True(trulyAsync.IsAuthenticated);
        Assert.Equal("ExpiredToken", expired.Error?.Code);
    }
}

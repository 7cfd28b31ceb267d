using static Gatehouse.SigV4.Tests.TestSupport;

namespace Gatehouse.SigV4.Tests;

/// <summary>The 15-minute window, inclusive at both ends, and AWS's exact texts outside it.</summary>
public sealed class ClockSkewTests
{
    private static SigV4Result VerifyAt(DateTimeOffset signedAt, DateTimeOffset now, SigV4VerifierOptions? options = null)
    {
        var (request, headers) = SqsPost();
        Signed(request, headers, signedAt);
        return new SigV4Verifier(options).Verify(request, now, Lookup);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(900)]
    [InlineData(-900)]
    [InlineData(899)]
    [InlineData(-899)]
    public void Inside_the_window_verifies(int nowOffsetSeconds)
    {
        Assert.True(VerifyAt(SignedAt, SignedAt.AddSeconds(nowOffsetSeconds)).IsAuthenticated);
    }

    [Fact]
    public void Sub_second_server_time_is_truncated()
    {
        Assert.True(VerifyAt(SignedAt, SignedAt.AddSeconds(900).AddMilliseconds(999)).IsAuthenticated);
    }

    [Fact]
    public void One_second_past_the_window_is_expired()
    {
        var result = VerifyAt(SignedAt, SignedAt.AddSeconds(901));
        Assert.Equal("SignatureDoesNotMatch", result.Error?.Code);
        Assert.Equal(403, result.Error?.HttpStatus);
        Assert.Equal(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)",
            result.Error?.Message);
    }

    [Fact]
    public void One_second_before_the_window_is_not_yet_current()
    {
        var result = VerifyAt(SignedAt, SignedAt.AddSeconds(-901));
        Assert.Equal("SignatureDoesNotMatch", result.Error?.Code);
        Assert.Equal(
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)",
            result.Error?.Message);
    }

    [Fact]
    public void Reproduces_the_text_captured_from_AWS()
    {
        // aws/aws-sdk-go#487: "Signature expired: 20160106T204043Z is now earlier than 20160106T211334Z (20160106T212834Z - 15 min.)"
        var result = VerifyAt(ParseAmzDate("20160106T204043Z"), ParseAmzDate("20160106T212834Z"));
        Assert.Equal(
            "Signature expired: 20160106T204043Z is now earlier than 20160106T211334Z (20160106T212834Z - 15 min.)",
            result.Error?.Message);
    }

    [Fact]
    public void Window_is_configurable()
    {
        var options = new SigV4VerifierOptions { ClockSkew = TimeSpan.FromMinutes(5) };
        var result = VerifyAt(SignedAt.AddMinutes(6), SignedAt, options);
        Assert.Equal(
            "Signature not yet current: 20150830T124200Z is still later than 20150830T124100Z (20150830T123600Z + 5 min.)",
            result.Error?.Message);
    }

    [Fact]
    public void Expiry_is_checked_before_the_key_is_looked_up()
    {
        var (request, headers) = SqsPost();
        Signed(request, headers, SignedAt, accessKey: "AKIAUNKNOWN");
        var result = new SigV4Verifier().Verify(request, SignedAt.AddHours(1), Lookup);
        Assert.StartsWith("Signature expired:", result.Error?.Message, StringComparison.Ordinal);
    }
}

using Gatehouse.SigV4.Internal;
using static Gatehouse.SigV4.Tests.TestSupport;

namespace Gatehouse.SigV4.Tests;

public sealed class SigningKeyTests
{
    [Fact]
    public void Derived_key_matches_the_AWS_documented_example()
    {
        // AWS General Reference worked example (IAM, us-east-1, 20150830).
        var key = SigningKeyCache.Derive(Secret, "20150830", "us-east-1", "iam");
        Assert.Equal("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void Cache_reuses_keys_and_stays_bounded()
    {
        var verifier = new SigV4Verifier(new SigV4VerifierOptions { SigningKeyCacheSize = 2 });
        for (var day = 0; day < 5; day++)
        {
            var at = SignedAt.AddDays(day);
            var (request, headers) = SqsPost();
            Signed(request, headers, at);
            Assert.True(verifier.Verify(request, at, Lookup).IsAuthenticated);
            Assert.True(verifier.Verify(request, at, Lookup).IsAuthenticated);
            Assert.InRange(verifier.CachedSigningKeys, 1, 2);
        }
    }

    [Fact]
    public void Cache_keys_on_the_secret_so_rotated_secrets_are_not_confused()
    {
        var verifier = new SigV4Verifier();
        var (request, headers) = SqsPost();
        Signed(request, headers, SignedAt);
        Assert.True(verifier.Verify(request, SignedAt, Lookup).IsAuthenticated);
        var rotated = verifier.Verify(request, SignedAt, _ => new SigV4Credential("rotated-secret"));
        Assert.Equal("SignatureDoesNotMatch", rotated.Error?.Code);
    }
}

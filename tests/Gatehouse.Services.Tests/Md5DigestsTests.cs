using Gatehouse.Services.Sqs;

namespace Gatehouse.Services.Tests;

/// <summary>Vectors recorded from real AWS (SQS Developer Guide, "Calculating the MD5 message digest for message attributes").</summary>
public class Md5DigestsTests
{
    private static KeyValuePair<string, MessageAttributeValue> S(string name, string value) => new(name, new MessageAttributeValue("String", value, null));

    [Theory]
    [InlineData("msg", "6e2baaf3b97dbeef01c0043275f9a0e7")]
    [InlineData("test", "098f6bcd4621d373cade4e832627b4f6")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    public void Body_digest_matches_AWS(string body, string expected) => Assert.Equal(expected, Md5Digests.OfBody(body));

    [Fact]
    public void Attribute_digest_matches_AWS_for_three_strings() =>
        Assert.Equal("4c360f3fdafd970e05fae2f149d997f5", Md5Digests.OfAttributes([S("Help.Me", "Me"), S("Hello", "There"), S("General", "Kenobi")]));

    [Fact]
    public void Attribute_digest_is_over_the_subset_given() =>
        Assert.Equal("a311262e065454b75da111d535b8dacd", Md5Digests.OfAttributes([S("Hello", "There")]));

    [Fact]
    public void Attribute_digest_of_two_filtered_attributes() =>
        Assert.Equal("83fee93c1bcd8b9a5a923ffacdc636c7", Md5Digests.OfAttributes([S("Hello", "There"), S("Help.Me", "Me")]));

    [Theory]
    [InlineData("MyAttribute", "foobar", "adb59cd4678ea5a855436b949cd07ab6")]
    [InlineData("k", "x", "a45daa70926828a2f0a1db3418e6feb4")]
    public void Single_string_attribute(string name, string value, string expected) =>
        Assert.Equal(expected, Md5Digests.OfAttributes([S(name, value)]));

    [Fact]
    public void Binary_attribute_digest_matches_AWS()
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes("traceparent\u001e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01");
        Assert.Equal("8cbe4db156db8a94db8b801b7addb984",
            Md5Digests.OfAttributes([new("attr1", new MessageAttributeValue("Binary", null, bytes))]));
    }

    [Fact]
    public void No_attributes_means_no_digest() => Assert.Null(Md5Digests.OfAttributes([]));

    [Fact]
    public void Large_body_digest_uses_the_pooled_path()
    {
        var body = new string('x', 100_000);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(body)));
        Assert.Equal(expected, Md5Digests.OfBody(body));
    }
}

using Gatehouse.Services.Sqs;

namespace Gatehouse.Services.Tests;

public class ValidationTests
{
    [Theory]
    [InlineData("hello\u0007", 7)]
    [InlineData("ok\u0008", 8)]
    [InlineData("\uFFFE", 0xFFFE)]
    public void Invalid_body_characters_are_found(string body, int expected) => Assert.Equal(expected, MessageValidation.FirstInvalidCharacter(body));

    [Theory]
    [InlineData("tab\tnewline\ncr\r")]
    [InlineData("emoji \U0001F600 and \uE000")]
    public void Allowed_characters_pass(string body) => Assert.Equal(-1, MessageValidation.FirstInvalidCharacter(body));

    [Fact]
    public void Invalid_character_message_is_AWS_text() =>
        Assert.Equal("Invalid binary character '#x7' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].",
            MessageValidation.InvalidCharacterMessage(7));

    [Theory]
    [InlineData("good.name", true)]
    [InlineData("attr.1øßä", true)]
    [InlineData(".lead", false)]
    [InlineData("trail.", false)]
    [InlineData("a..b", false)]
    [InlineData("AWS.x", false)]
    [InlineData("amazon.x", false)]
    [InlineData("sp ace", false)]
    public void Attribute_names(string name, bool valid) => Assert.Equal(valid, MessageValidation.IsValidName(name));

    [Fact]
    public void Size_counts_body_and_attribute_name_type_and_value()
    {
        var size = MessageValidation.Size("abc", [new("k", new MessageAttributeValue("String", "x", null))]);
        Assert.Equal(3 + 1 + 6 + 1, size);
    }

    [Fact]
    public void Empty_string_attribute_value_is_refused() =>
        Assert.Equal("Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
            MessageValidation.ValidateAttributes([new("ErrorDetails", new MessageAttributeValue("String", "", null))]));

    [Fact]
    public void Eleven_attributes_are_refused()
    {
        var attrs = Enumerable.Range(0, 11).Select(i => new KeyValuePair<string, MessageAttributeValue>($"a{i}", new("String", "v", null))).ToList();
        Assert.NotNull(MessageValidation.ValidateAttributes(attrs));
    }

    private static readonly ReceiptHandleKey HandleKey = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public void Receipt_handles_round_trip_and_reject_garbage()
    {
        var h = new ReceiptHandle(3, 42, 7);
        var text = h.Encode(HandleKey);
        Assert.StartsWith("AQEB", text, StringComparison.Ordinal);
        Assert.True(ReceiptHandle.TryDecode(text, HandleKey, out var back));
        Assert.Equal(h, back);
        Assert.False(ReceiptHandle.TryDecode("garbage", HandleKey, out _));
        Assert.False(ReceiptHandle.TryDecode(text[..^4] + "AAAA", HandleKey, out _));
    }

    [Fact]
    public void Receipt_handles_with_any_changed_field_are_rejected()
    {
        var text = new ReceiptHandle(3, 42, 7).Encode(HandleKey);
        var bytes = Convert.FromBase64String(text[4..]);
        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            Assert.False(ReceiptHandle.TryDecode("AQEB" + Convert.ToBase64String(changed), HandleKey, out _), $"byte {i} changed");
        }
    }

    [Fact]
    public void Receipt_handles_are_bound_to_the_server_key()
    {
        var other = new ReceiptHandleKey(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());
        var text = new ReceiptHandle(3, 42, 7).Encode(HandleKey);
        Assert.False(ReceiptHandle.TryDecode(text, other, out _));
        Assert.True(ReceiptHandle.TryDecode(text, new ReceiptHandleKey(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()), out _));
    }

    [Fact]
    public void The_handle_mac_is_siphash_2_4()
    {
        // The reference vector of the SipHash paper (Aumasson and Bernstein, 2012, appendix A): key 00..0f,
        // message 00..0e.
        var key = new ReceiptHandleKey(0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL);
        Assert.Equal(0xa129ca6149be45e5UL, key.Mac([.. Enumerable.Range(0, 15).Select(i => (byte)i)]));
        Assert.Equal(0x726fdb47dd0e0e31UL, key.Mac([]));
    }

    [Fact]
    public void Receipt_handles_of_earlier_builds_are_refused_because_anyone_could_compute_them()
    {
        // Version 1: the fields checksummed with the first eight bytes of their SHA-256 (no key).
        var payload = new byte[21];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), 3);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(9), 42);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(17), 7);
        var v1 = "AQEB" + Convert.ToBase64String([.. payload, .. System.Security.Cryptography.SHA256.HashData(payload)[..8]]);
        Assert.False(ReceiptHandle.TryDecode(v1, HandleKey, out _));
        Assert.False(ReceiptHandle.TryDecode(HandleForgery.Version2(3, 42, 7), HandleKey, out _));
    }

    [Fact]
    public void Sequence_numbers_are_twenty_digits_and_increase()
    {
        var a = SqsService.FormatSequenceNumber(1);
        var b = SqsService.FormatSequenceNumber(2);
        Assert.Equal(20, a.Length);
        Assert.True(string.CompareOrdinal(a, b) < 0);
    }
}

using System.Text;

namespace Gatehouse.Services.Sqs;

/// <summary>Message body and attribute rules (SQS API Reference, SendMessage; SQS Developer Guide, "Amazon SQS message quotas").</summary>
internal static class MessageValidation
{
    public const int MaxAttributes = 10;

    /// <summary>The first character outside SQS's allowed set
    /// (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF), or -1.</summary>
    public static int FirstInvalidCharacter(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return c;
        }

        return -1;
    }

    public static string InvalidCharacterMessage(int c) =>
        $"Invalid binary character '#x{c:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].";

    /// <summary>Bytes a message counts against the size limit: body plus every attribute's name, type and value.</summary>
    public static long Size(string body, IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        long size = Encoding.UTF8.GetByteCount(body);
        foreach (var (name, value) in attributes)
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.DataType);
            size += value.BinaryValue?.Length ?? (value.StringValue is null ? 0 : Encoding.UTF8.GetByteCount(value.StringValue));
        }

        return size;
    }

    /// <summary>Validates message attributes; returns an error message or null.</summary>
    public static string? ValidateAttributes(IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        if (attributes.Count > MaxAttributes)
        {
            return $"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{MaxAttributes}].";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            if (!IsValidName(name))
            {
                return $"The message attribute name '{name}' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.";
            }

            if (!seen.Add(name))
            {
                return $"Message (user) attribute name '{name}' is repeated.";
            }

            if (string.IsNullOrEmpty(value.DataType))
            {
                return $"The message attribute '{name}' must contain non-empty message attribute type.";
            }

            var type = value.DataType;
            if (FirstInvalidCharacter(type) >= 0)
            {
                // The custom label after the base type has the string values' (the message body's) character set.
                return $"Message (user) attribute '{name}' type contains invalid characters.";
            }

            var baseType = type.Split('.', 2)[0];
            if (type.Length > 256 || baseType is not ("String" or "Number" or "Binary"))
            {
                return $"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.";
            }

            if (baseType == "Binary")
            {
                if (value.BinaryValue is not { Length: > 0 })
                {
                    return $"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.";
                }
            }
            else
            {
                if (string.IsNullOrEmpty(value.StringValue))
                {
                    return $"Message (user) attribute '{name}' must contain a non-empty value of type '{baseType}'.";
                }

                if (FirstInvalidCharacter(value.StringValue) >= 0)
                {
                    return $"Message (user) attribute '{name}' contains invalid characters.";
                }

                if (baseType == "Number" && !IsNumber(value.StringValue))
                {
                    return $"Can't cast the value of message (user) attribute '{name}' to a number.";
                }
            }
        }

        return null;
    }

    /// <summary>Name rules from the model: letters, digits, <c>_ - .</c> (AWS also accepts other letters), at most
    /// 256 characters, no leading/trailing period, no <c>..</c>, no <c>AWS.</c>/<c>Amazon.</c> prefix.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 256 || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        if (name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>SQS's rule for tag keys and values (SQS developer guide, "Quotas related to queues"): Unicode
    /// letters and digits, white space, and <c>_ . : / = + - @</c>.</summary>
    public static bool IsValidTagText(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.SpaceSeparator
                    || rune.Value is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@')
            {
                continue;
            }

            return false;
        }

        // EnumerateRunes yields U+FFFD for a lone surrogate, which is not a letter: refused above.
        return true;
    }

    private static bool IsNumber(string s) =>
        decimal.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        || double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}

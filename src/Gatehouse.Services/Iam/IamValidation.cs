using System.Text.RegularExpressions;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Iam;

/// <summary>IAM's input constraints (IAM API reference, each action's "Request Parameters").</summary>
public static partial class IamValidation
{
    public const string NamePattern = @"[\w+=,.@-]+";
    public const string PathPattern = @"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)";

    [GeneratedRegex(@"^[\w+=,.@-]+$")]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^(/|/[\u0021-\u007E]+/)$")]
    private static partial Regex PathRegex();

    /// <summary>A user, role, group or policy name; <paramref name="member"/> is the camel-case member name.</summary>
    public static string Name(string? value, string member, int maxLength)
    {
        if (value is null)
        {
            throw new AwsErrorException(IamErrors.MissingParameter(member));
        }

        if (value.Length < 1)
        {
            throw new AwsErrorException(IamErrors.Constraint(value, member, "have length greater than or equal to 1"));
        }

        if (value.Length > maxLength)
        {
            throw new AwsErrorException(IamErrors.Constraint(value, member, $"have length less than or equal to {maxLength}"));
        }

        if (!NameRegex().IsMatch(value))
        {
            throw new AwsErrorException(IamErrors.Constraint(value, member, "satisfy regular expression pattern: " + NamePattern));
        }

        return value;
    }

    public static string Path(string? value, string member = "path")
    {
        if (value is null)
        {
            return "/";
        }

        if (value.Length > 512)
        {
            throw new AwsErrorException(IamErrors.Constraint(value, member, "have length less than or equal to 512"));
        }

        if (!PathRegex().IsMatch(value))
        {
            throw new AwsErrorException(IamErrors.Constraint(value, member, "satisfy regular expression pattern: " + PathPattern));
        }

        return value;
    }

    public static List<IamTag> Tags(IReadOnlyList<IamTag> existing, IReadOnlyList<IamTag> added)
    {
        var result = existing.ToList();
        foreach (var tag in added)
        {
            if (tag.Key.Length is < 1 or > 128)
            {
                throw new AwsErrorException(IamErrors.Constraint(tag.Key, "tags.member.key", "have length less than or equal to 128"));
            }

            if (tag.Value.Length > 256)
            {
                throw new AwsErrorException(IamErrors.Constraint(tag.Value, "tags.member.value", "have length less than or equal to 256"));
            }

            // Tag keys are case-insensitive for uniqueness; a new value replaces the old one.
            var i = result.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.OrdinalIgnoreCase));
            if (i >= 0)
            {
                result[i] = tag;
            }
            else
            {
                result.Add(tag);
            }
        }

        if (result.Count > 50)
        {
            throw new AwsErrorException(IamErrors.LimitExceeded("The number of tags has reached the maximum limit."));
        }

        return result;
    }
}

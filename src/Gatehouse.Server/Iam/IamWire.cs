using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Server.Iam;

/// <summary>How IAM's Query protocol writes entities: ISO 8601 dates, URL-encoded policy documents
/// (IAM API reference: documents are returned "URL-encoded compliant with RFC 3986"), wrapped member lists.</summary>
internal static class IamWire
{
    public static string Date(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Document(string json) => Uri.EscapeDataString(json);

    public static void Tags(IResponseWriter w, IReadOnlyList<IamTag> tags, bool always = false)
    {
        if (tags.Count > 0 || always)
        {
            w.MemberList("Tags", tags, (t, tag) =>
            {
                t.String("Key", tag.Key);
                t.String("Value", tag.Value);
            });
        }
    }

    public static void Boundary(IResponseWriter w, string? arn)
    {
        if (arn is not null)
        {
            w.Structure("PermissionsBoundary", b =>
            {
                b.String("PermissionsBoundaryType", "PermissionsBoundaryPolicy");
                b.String("PermissionsBoundaryArn", arn);
            });
        }
    }

    public static void User(IResponseWriter w, UserInfo u, bool withTags = true)
    {
        w.String("Path", u.Path);
        w.String("UserName", u.UserName);
        w.String("UserId", u.UserId);
        w.String("Arn", u.Arn);
        w.String("CreateDate", Date(u.CreateDate));
        Boundary(w, u.PermissionsBoundaryArn);
        if (withTags)
        {
            Tags(w, u.Tags);
        }
    }

    public static void Group(IResponseWriter w, GroupInfo g)
    {
        w.String("Path", g.Path);
        w.String("GroupName", g.GroupName);
        w.String("GroupId", g.GroupId);
        w.String("Arn", g.Arn);
        w.String("CreateDate", Date(g.CreateDate));
    }

    public static void Role(IResponseWriter w, RoleInfo r, bool withTags = true)
    {
        w.String("Path", r.Path);
        w.String("RoleName", r.RoleName);
        w.String("RoleId", r.RoleId);
        w.String("Arn", r.Arn);
        w.String("CreateDate", Date(r.CreateDate));
        w.String("AssumeRolePolicyDocument", Document(r.AssumeRolePolicyDocument));
        w.String("Description", r.Description);
        w.Number("MaxSessionDuration", r.MaxSessionDuration);
        Boundary(w, r.PermissionsBoundaryArn);
        if (withTags)
        {
            Tags(w, r.Tags);
        }
    }

    public static void Policy(IResponseWriter w, PolicyInfo p)
    {
        w.String("PolicyName", p.PolicyName);
        w.String("PolicyId", p.PolicyId);
        w.String("Arn", p.Arn);
        w.String("Path", p.Path);
        w.String("DefaultVersionId", p.DefaultVersionId);
        w.Number("AttachmentCount", p.AttachmentCount);
        w.Number("PermissionsBoundaryUsageCount", p.PermissionsBoundaryUsageCount);
        w.Bool("IsAttachable", p.IsAttachable);
        w.String("Description", p.Description);
        w.String("CreateDate", Date(p.CreateDate));
        w.String("UpdateDate", Date(p.UpdateDate));
    }

    public static void Version(IResponseWriter w, PolicyVersionInfo v, bool withDocument)
    {
        if (withDocument)
        {
            w.String("Document", Document(v.Document));
        }

        w.String("VersionId", v.VersionId);
        w.Bool("IsDefaultVersion", v.IsDefaultVersion);
        w.String("CreateDate", Date(v.CreateDate));
    }

    /// <summary>IAM pagination: <c>MaxItems</c> (1–1000, default 100) and an opaque <c>Marker</c>.</summary>
    public static (IReadOnlyList<T> Page, Action<IResponseWriter> Trailer) Page<T>(IReadOnlyList<T> all, IRequestReader r)
    {
        var max = r.GetInt("MaxItems") ?? 100;
        if (max is < 1 or > 1000)
        {
            throw new AwsErrorException(IamErrors.Constraint(max.ToString(CultureInfo.InvariantCulture), "maxItems",
                max < 1 ? "have value greater than or equal to 1" : "have value less than or equal to 1000"));
        }

        var start = 0;
        if (r.GetString("Marker") is { } marker && !int.TryParse(marker, NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            throw new AwsErrorException(IamErrors.InvalidInput("Invalid Marker."));
        }

        var page = all.Skip(start).Take(max).ToList();
        var truncated = start + page.Count < all.Count;
        return (page, w =>
        {
            w.Bool("IsTruncated", truncated);
            if (truncated)
            {
                w.String("Marker", (start + page.Count).ToString(CultureInfo.InvariantCulture));
            }
        }
        );
    }

    public static List<IamTag> ReadTags(IRequestReader r) =>
        [.. (r.GetList("Tags", "Tags.member") ?? []).Select(t => new IamTag(t.GetString("Key") ?? "", t.GetString("Value") ?? ""))];
}

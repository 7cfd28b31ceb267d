using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Sts;

namespace Gatehouse.Server.Sts;

/// <summary>
/// STS as a service module: AWS Query (<c>Version=2011-06-15</c>), signing name <c>sts</c>, no anonymous callers.
/// GetCallerIdentity needs no permission (an explicit deny does not stop it: STS API reference); AssumeRole is
/// authorized against the role's trust policy (<see cref="StsService.AssumeRoleAuthorization"/>); GetSessionToken
/// needs no permission either (it is refused only for session credentials); AssumeRoot needs <c>sts:AssumeRoot</c> in the
/// caller's identity policies and centralized root access (<see cref="StsService.AssumeRootAuthorization"/>).
/// </summary>
internal static class StsModule
{
    public const string XmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    public static ServiceModule Create(StsService sts) => new()
    {
        Name = "sts",
        SigningName = "sts",
        QueryVersion = "2011-06-15",
        QueryProtocol = new AwsQueryProtocol(XmlNamespace),
        Actions = new[]
        {
            ActionSpec.Define<IRequestReader>("GetCallerIdentity", [], r => r, (_, _) => [], (c, _) =>
            {
                var (userId, account, arn) = StsService.GetCallerIdentity(c.Caller);
                return Output(w =>
                {
                    w.String("Arn", arn);
                    w.String("UserId", userId);
                    w.String("Account", account);
                });
            }),
            ActionSpec.Define("AssumeRole", ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], DecodeAssumeRole,
                (c, input) => sts.AssumeRoleAuthorization(c.Caller, input, c.Facts),
                (c, input) =>
                {
                    var result = sts.AssumeRole(c.Caller, input);
                    return Output(w =>
                    {
                        w.String("SourceIdentity", result.SourceIdentity);
                        w.Structure("AssumedRoleUser", u =>
                        {
                            u.String("AssumedRoleId", result.AssumedRoleId);
                            u.String("Arn", result.AssumedRoleArn);
                        });
                        Credentials(w, result.Credentials);
                        w.Number("PackedPolicySize", result.PackedPolicySize);
                    });
                }) with
            {
                // AWS names the caller and the role, without a reason clause (STS AssumeRole reference, errors).
                Denied = (c, _, query, _) => StsErrors.NotAuthorized(c.Caller.Arn, query.Action, query.ResourceArn),
            },
            ActionSpec.Define("AssumeRoot", ["sts:AssumeRoot"],
                r => new AssumeRootInput(r.GetString("TargetPrincipal"), r.GetString("TaskPolicyArn.arn"), r.GetInt("DurationSeconds")),
                (c, input) => sts.AssumeRootAuthorization(c.Caller, input, c.Facts),
                (_, input) =>
                {
                    var issued = sts.AssumeRoot(input);
                    return Output(w => Credentials(w, issued));
                }) with
            {
                Denied = (c, _, query, _) => StsErrors.NotAuthorized(c.Caller.Arn, query.Action, query.ResourceArn),
            },
            ActionSpec.Define<IRequestReader>("GetSessionToken", [], r => r, (_, _) => [], (c, r) =>
            {
                var issued = sts.GetSessionToken(c.Caller, r.GetInt("DurationSeconds"));
                return Output(w => Credentials(w, issued));
            }),
        }.ToDictionary(a => a.Name, StringComparer.Ordinal),
    };

    private static AssumeRoleInput DecodeAssumeRole(IRequestReader request) => new(
        request.GetString("RoleArn"),
        request.GetString("RoleSessionName"),
        request.GetInt("DurationSeconds"),
        request.GetString("ExternalId"),
        request.GetString("Policy"),
        [.. (request.GetList("PolicyArns", "PolicyArns.member") ?? []).Select(p => p.GetString("arn") ?? "")],
        [.. (request.GetList("Tags", "Tags.member") ?? []).Select(t => new IamTag(t.GetString("Key") ?? "", t.GetString("Value") ?? ""))],
        request.GetStringList("TransitiveTagKeys", "TransitiveTagKeys.member") ?? [],
        request.GetString("SourceIdentity"));

    private static Task<Action<IResponseWriter>?> Output(Action<IResponseWriter> write) => Task.FromResult<Action<IResponseWriter>?>(write);

    private static void Credentials(IResponseWriter w, IssuedCredentials c) => w.Structure("Credentials", x =>
    {
        x.String("AccessKeyId", c.AccessKeyId);
        x.String("SecretAccessKey", c.SecretAccessKey);
        x.String("SessionToken", c.SessionToken);
        x.String("Expiration", c.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
    });
}

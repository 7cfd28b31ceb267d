using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Sts;

namespace Gatehouse.Server.Sts;

/// <summary>The STS API over the Query protocol (<c>Version=2011-06-15</c>).</summary>
internal sealed class StsQueryApi(StsService sts) : IQueryApi
{
    public string SigningName => "sts";

    public string Version => "2011-06-15";

    public string XmlNamespace => "https://sts.amazonaws.com/doc/2011-06-15/";

    public async Task<Action<IResponseWriter>?> HandleAsync(ControlPlaneCall call, string action, IRequestReader request)
    {
        switch (action)
        {
            case "GetCallerIdentity":
                var (userId, account, arn) = StsService.GetCallerIdentity(call.Caller);
                return w =>
                {
                    w.String("Arn", arn);
                    w.String("UserId", userId);
                    w.String("Account", account);
                };
            case "AssumeRole":
                var input = new AssumeRoleInput(
                    request.GetString("RoleArn"),
                    request.GetString("RoleSessionName"),
                    request.GetInt("DurationSeconds"),
                    request.GetString("ExternalId"),
                    request.GetString("Policy"),
                    [.. (request.GetList("PolicyArns", "PolicyArns.member") ?? []).Select(p => p.GetString("arn") ?? "")],
                    [.. (request.GetList("Tags", "Tags.member") ?? []).Select(t => new IamTag(t.GetString("Key") ?? "", t.GetString("Value") ?? ""))],
                    request.GetStringList("TransitiveTagKeys", "TransitiveTagKeys.member") ?? [],
                    request.GetString("SourceIdentity"));
                var result = await sts.AssumeRoleAsync(call.Caller, input, call.Aborted);
                return w =>
                {
                    w.String("SourceIdentity", result.SourceIdentity);
                    w.Structure("AssumedRoleUser", u =>
                    {
                        u.String("AssumedRoleId", result.AssumedRoleId);
                        u.String("Arn", result.AssumedRoleArn);
                    });
                    Credentials(w, result.Credentials);
                    w.Number("PackedPolicySize", result.PackedPolicySize);
                };
            case "GetSessionToken":
                var issued = sts.GetSessionToken(call.Caller, request.GetInt("DurationSeconds"));
                return w => Credentials(w, issued);
            default:
                throw new AwsErrorException(CommonErrors.InvalidAction(action));
        }
    }

    private static void Credentials(IResponseWriter w, IssuedCredentials c) => w.Structure("Credentials", x =>
    {
        x.String("AccessKeyId", c.AccessKeyId);
        x.String("SecretAccessKey", c.SecretAccessKey);
        x.String("SessionToken", c.SessionToken);
        x.String("Expiration", c.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
    });
}

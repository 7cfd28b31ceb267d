using Gatehouse.Services.Iam;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>
/// Switch role, as AWS's console does it: <c>sts:AssumeRole</c> called as the signed-in principal (so the role's
/// trust policy and the caller's permissions decide), after which every console call is made as the role session;
/// switching back returns to the signed-in identity and revokes the role session's credentials.
/// </summary>
public sealed class SwitchRoleModel(IdentityRegistry registry) : ConsolePage
{
    [BindProperty]
    public string? RoleArn { get; set; }

    [BindProperty]
    public string? SessionName { get; set; }

    public Refusal? Refusal { get; private set; }

    public string? SignedInArn => Session.SignedIn?.Arn;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var name = string.IsNullOrWhiteSpace(SessionName) ? "console" : SessionName.Trim();
        var result = await Api.QueryAsync(Session, "sts", "2011-06-15", "AssumeRole",
            [new("RoleArn", (RoleArn ?? "").Trim()), new("RoleSessionName", name)], Aborted);
        if (!result.Ok)
        {
            Refusal = Refused("sts:AssumeRole", result);
            return Page();
        }

        string Value(string element) => result.Elements(element).First().Value;
        Session.SignedIn ??= (Session.Credentials, Session.CredentialsExpire, Session.Arn);
        var previous = Session.Credentials;
        Session.Credentials = new SigV4SigningCredentials(Value("AccessKeyId"), Value("SecretAccessKey"), Value("SessionToken"));
        Session.CredentialsExpire = DateTimeOffset.Parse(Value("Expiration"), System.Globalization.CultureInfo.InvariantCulture);
        Session.Arn = result.Elements("AssumedRoleUser").First().Elements().First(e => e.Name.LocalName == "Arn").Value;
        if (previous.AccessKeyId != Session.SignedIn.Value.Credentials.AccessKeyId)
        {
            // Chained switch: the role session it replaces is ended.
            registry.RevokeSession(previous.AccessKeyId);
        }

        return RedirectToPage("/Index");
    }

    public IActionResult OnPostBack()
    {
        if (Session.SignedIn is { } signedIn)
        {
            registry.RevokeSession(Session.Credentials.AccessKeyId);
            Session.Credentials = signedIn.Credentials;
            Session.CredentialsExpire = signedIn.Expire;
            Session.Arn = signedIn.Arn;
            Session.SignedIn = null;
        }

        return RedirectToPage("/Index");
    }
}

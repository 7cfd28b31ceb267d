using Gatehouse.Services.Iam;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>
/// Sign-in as AWS's sign-in page does it (docs/console.md, "Sign-in"): an IAM user with account id, user name and
/// console password, or the account's root user with the account's configured root secret access key. One message
/// for every failure, so the page does not reveal which users exist.
/// </summary>
public sealed class SignInModel(IdentityRegistry registry, ConsoleSessions sessions, GatehouseOptions options) : PageModel
{
    public const string Failed = "Your authentication information is incorrect. Please try again.";

    [BindProperty]
    public string? Account { get; set; }

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? RootSecret { get; set; }

    public string? Error { get; private set; }

    public string? Notice { get; private set; }

    public string DefaultAccount => options.AccountId;

    public void OnGet(string? expired, string? signedOut)
    {
        Notice = signedOut is not null ? "You have signed out." : expired is not null ? "Your session has expired. Please sign in again." : null;
    }

    public IActionResult OnPostUser()
    {
        var account = (Account ?? "").Trim();
        var name = (UserName ?? "").Trim();
        if (account.Length == 0 || name.Length == 0 || string.IsNullOrEmpty(Password))
        {
            Error = "Enter the account ID, the IAM user name and the password.";
            return Page();
        }

        if (sessions.Throttled(account, name))
        {
            Error = "Too many failed sign-in attempts. Wait a few minutes and try again.";
            return Page();
        }

        var result = registry.ConsoleSignIn(account, name, Password);
        if (result.Credentials is not { } c)
        {
            sessions.Failed(account, name);
            Error = Failed;
            return Page();
        }

        sessions.Succeeded(account, name);
        var session = sessions.Create(account, result.Arn!, new SigV4SigningCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.Expiration, result.PasswordResetRequired);
        ConsoleSetup.SetSessionCookie(HttpContext, session);
        return result.PasswordResetRequired ? RedirectToPage("/Password") : RedirectToPage("/Index");
    }

    public IActionResult OnPostRoot()
    {
        var account = (Account ?? "").Trim();
        if (account.Length == 0 || string.IsNullOrEmpty(RootSecret))
        {
            Error = "Enter the account ID and the root user's secret access key.";
            return Page();
        }

        if (sessions.Throttled(account, ":root"))
        {
            Error = "Too many failed sign-in attempts. Wait a few minutes and try again.";
            return Page();
        }

        if (registry.RootSignIn(account, RootSecret) is not { } c)
        {
            sessions.Failed(account, ":root");
            Error = Failed;
            return Page();
        }

        sessions.Succeeded(account, ":root");
        var session = sessions.Create(account, $"arn:aws:iam::{account}:root", new SigV4SigningCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.Expiration, false);
        ConsoleSetup.SetSessionCookie(HttpContext, session);
        return RedirectToPage("/Index");
    }
}

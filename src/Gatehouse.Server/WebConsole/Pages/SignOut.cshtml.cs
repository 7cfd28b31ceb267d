using Gatehouse.Services.Iam;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>Sign-out (POST only, with the antiforgery token): the session is forgotten, its temporary credentials
/// are revoked so they stop working at once, and the cookie is cleared.</summary>
public sealed class SignOutModel(IdentityRegistry registry, ConsoleSessions sessions) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public IActionResult OnPost()
    {
        if (sessions.Remove(ConsoleSetup.SessionId(HttpContext)) is { } session)
        {
            registry.RevokeSession(session.Credentials.AccessKeyId);
            if (session.SignedIn is { } signedIn)
            {
                registry.RevokeSession(signedIn.Credentials.AccessKeyId);
            }
        }

        ConsoleSetup.ClearSessionCookie(HttpContext);
        return RedirectToPage("/SignIn", new { signedOut = "1" });
    }
}

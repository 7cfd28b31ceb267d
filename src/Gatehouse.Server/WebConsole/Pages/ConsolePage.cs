using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>An API refusal or error as a page shows it: the action, AWS's code and message, and the link to why.</summary>
public sealed record Refusal(string Action, object ResultObject)
{
    internal ApiResult Result => (ApiResult)ResultObject;
}

/// <summary>
/// A console page that needs a signed-in session: without a live one the browser is sent to the sign-in page.
/// Everything a page reads or changes goes through <see cref="Api"/> as the session's principal.
/// </summary>
public abstract class ConsolePage : PageModel
{
    internal ConsoleSession Session { get; private set; } = null!;

    internal ConsoleApi Api => HttpContext.RequestServices.GetRequiredService<ConsoleApi>();

    internal ConsoleSessions Sessions => HttpContext.RequestServices.GetRequiredService<ConsoleSessions>();

    /// <summary>Whether a session whose password must be changed may use this page.</summary>
    protected virtual bool AllowedBeforePasswordChange => false;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var id = ConsoleSetup.SessionId(HttpContext);
        var session = Sessions.Find(id);
        if (session is null)
        {
            if (id is not null)
            {
                ConsoleSetup.ClearSessionCookie(HttpContext);
            }

            context.Result = RedirectToPage("/SignIn", new { expired = id is null ? null : "1" });
            return;
        }

        if (session.PasswordResetRequired && !AllowedBeforePasswordChange)
        {
            context.Result = RedirectToPage("/Password");
            return;
        }

        Session = session;
        ViewData["Arn"] = session.Arn;
        await next();
    }

    internal static Refusal Refused(string action, ApiResult result) => new(action, result);

    internal CancellationToken Aborted => HttpContext.RequestAborted;
}

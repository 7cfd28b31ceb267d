using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>Change your own password: IAM <c>ChangePassword</c> as the signed-in user (required first when the
/// login profile says the password must be reset).</summary>
public sealed class PasswordModel : ConsolePage
{
    protected override bool AllowedBeforePasswordChange => true;

    [BindProperty]
    public string? OldPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public Refusal? Refusal { get; private set; }

    public string? Error { get; private set; }

    public bool Changed { get; private set; }

    public bool ResetRequired => Session.PasswordResetRequired;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (NewPassword != ConfirmPassword)
        {
            Error = "The new passwords do not match.";
            return Page();
        }

        var result = await Api.QueryAsync(Session, "iam", "2010-05-08", "ChangePassword",
            [new("OldPassword", OldPassword ?? ""), new("NewPassword", NewPassword ?? "")], Aborted);
        if (!result.Ok)
        {
            Refusal = Refused("iam:ChangePassword", result);
            return Page();
        }

        Session.PasswordResetRequired = false;
        Changed = true;
        return Page();
    }
}

using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>IAM users, roles, groups and customer managed policies (ListUsers, ListRoles, ListGroups, ListPolicies
/// with <c>Scope=Local</c>), creating a user and attaching a managed policy to one: each a real IAM call, each
/// refusal shown.</summary>
public sealed class IamModel : ConsolePage
{
    public sealed record Section(string Title, string Action, IReadOnlyList<(string Name, string Arn)> Items, Refusal? Refusal);

    public IReadOnlyList<Section> Sections { get; private set; } = [];

    public Refusal? ActionRefusal { get; private set; }

    public string? Done { get; private set; }

    [BindProperty]
    public string? NewUserName { get; set; }

    [BindProperty]
    public string? AttachUserName { get; set; }

    [BindProperty]
    public string? PolicyArn { get; set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateUserAsync()
    {
        await ActAsync("iam:CreateUser", "CreateUser", [new("UserName", (NewUserName ?? "").Trim())], $"Created user {NewUserName}.");
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAttachAsync()
    {
        await ActAsync("iam:AttachUserPolicy", "AttachUserPolicy", [new("UserName", (AttachUserName ?? "").Trim()), new("PolicyArn", (PolicyArn ?? "").Trim())],
            $"Attached {PolicyArn} to {AttachUserName}.");
        await LoadAsync();
        return Page();
    }

    private async Task ActAsync(string permission, string action, KeyValuePair<string, string>[] parameters, string done)
    {
        var result = await Api.QueryAsync(Session, "iam", "2010-05-08", action, parameters, Aborted);
        if (result.Ok)
        {
            Done = done;
        }
        else
        {
            ActionRefusal = Refused(permission, result);
        }
    }

    private async Task LoadAsync()
    {
        Sections =
        [
            await ListAsync("Users", "ListUsers", "UserName", "Arn", []),
            await ListAsync("Roles", "ListRoles", "RoleName", "Arn", []),
            await ListAsync("Groups", "ListGroups", "GroupName", "Arn", []),
            await ListAsync("Customer managed policies", "ListPolicies", "PolicyName", "Arn", [new("Scope", "Local")]),
        ];
    }

    private async Task<Section> ListAsync(string title, string action, string nameElement, string arnElement, KeyValuePair<string, string>[] parameters)
    {
        var result = await Api.QueryAsync(Session, "iam", "2010-05-08", action, parameters, Aborted);
        if (!result.Ok)
        {
            return new(title, action, [], Refused("iam:" + action, result));
        }

        var items = result.Elements("member")
            .Select(m => (m.Elements().FirstOrDefault(e => e.Name.LocalName == nameElement)?.Value, m.Elements().FirstOrDefault(e => e.Name.LocalName == arnElement)?.Value))
            .Where(x => x.Item1 is not null)
            .Select(x => (x.Item1!, x.Item2 ?? ""))
            .ToList();
        return new(title, action, items, null);
    }
}

using Amazon.SQS.Model;
using Microsoft.Playwright;

namespace Gatehouse.Console.Tests;

/// <summary>The console in Chromium: what a signed-in IAM user sees and may do is what the one authorizer allows,
/// and every refusal links to its explanation (docs/console.md).</summary>
[Collection("console")]
public sealed class ConsoleTests(ConsoleServer server)
{
    private const string Password = "Corr3ct-Horse-Battery!";

    private static string Policy(params string[] statements) =>
        $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""";

    private static string Allow(string action, string resource) =>
        $$"""{"Effect":"Allow","Action":"{{action}}","Resource":"{{resource}}"}""";

    private async Task<string> QueueAsync(string name)
    {
        using var sqs = server.RootSqs();
        return (await sqs.CreateQueueAsync(name)).QueueUrl;
    }

    [BrowserFact]
    public async Task Queue_scoped_ListQueues_shows_not_authorized_with_its_explanation_and_the_account_wide_grant_shows_the_list()
    {
        await QueueAsync("console-orders");
        server.User("viewer", Password, Policy(
            Allow("sqs:ListQueues", $"arn:aws:sqs:us-east-1:{ConsoleServer.Account}:console-orders"),
            Allow("sqs:GetQueueAttributes", "*"),
            Allow("gatehouse:GetDecision", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "viewer", Password);

        Assert.Equal($"arn:aws:iam::{ConsoleServer.Account}:user/viewer", await page.Locator("#principal").TextContentAsync());
        var refused = await page.Locator("#list-refused").TextContentAsync();
        Assert.Contains("You don't have permission to sqs:ListQueues", refused, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", refused, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#queues").CountAsync());

        // One click to why: the decision log's record of that very request, with its explanation.
        await page.Locator("#list-refused a.why").ClickAsync();
        var decision = await page.Locator(".decision").First.TextContentAsync();
        Assert.Contains("sqs:ListQueues", decision, StringComparison.Ordinal);
        Assert.Contains("ImplicitDeny", decision, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{ConsoleServer.Account}:user/viewer", decision, StringComparison.Ordinal);
        Assert.True(await page.Locator(".decision .summary").CountAsync() > 0, "the explanation's summary is shown");

        server.User("viewer", Password, Policy(
            Allow("sqs:ListQueues", $"arn:aws:sqs:us-east-1:{ConsoleServer.Account}:*"),
            Allow("sqs:GetQueueAttributes", "*")));
        await page.GotoAsync(server.Console);
        Assert.Contains("console-orders", await page.Locator("#queues").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#list-refused").CountAsync());
    }

    [BrowserFact]
    public async Task Send_and_poll_a_message()
    {
        var url = await QueueAsync("console-send");
        server.User("sender", Password, Policy(Allow("sqs:*", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "sender", Password);
        await page.Locator("a.queue-link", new() { HasText = "console-send" }).ClickAsync();
        Assert.Equal("console-send", await page.Locator("#queue-name").TextContentAsync());

        await page.FillAsync("#MessageBody", "hello from the console");
        await page.ClickAsync("#send");
        Assert.Contains("Sent message", await page.Locator("#done").TextContentAsync(), StringComparison.Ordinal);
        await page.ClickAsync("#poll");
        Assert.Contains("hello from the console", await page.Locator("#messages").TextContentAsync(), StringComparison.Ordinal);

        // The message really went through the API: it is in flight now.
        using var sqs = server.RootSqs();
        var attributes = await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal(1, attributes.ApproximateNumberOfMessagesNotVisible);
    }

    [BrowserFact]
    public async Task A_deny_all_queue_policy_locks_the_user_out_and_root_removes_it()
    {
        var url = await QueueAsync("console-lockout");
        server.User("admin", Password, Policy(Allow("sqs:*", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "admin", Password);
        await page.GotoAsync(server.Console + "Queue?QueueUrl=" + Uri.EscapeDataString(url));
        await page.FillAsync("#Policy", $$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:{{ConsoleServer.Account}}:console-lockout"}]}
            """);
        await page.ClickAsync("#save-policy");
        Assert.Contains("Saved the access policy", await page.Locator("#done").TextContentAsync(), StringComparison.Ordinal);

        // Locked out: the page's own reads are refused now, by the queue policy's explicit deny.
        var refusals = await page.Locator("#read-refusals").TextContentAsync();
        Assert.Contains("You don't have permission to sqs:GetQueueAttributes", refusals, StringComparison.Ordinal);
        Assert.Contains("explicit deny in a resource-based policy", refusals, StringComparison.Ordinal);
        await page.ClickAsync("#poll");
        Assert.Contains("sqs:ReceiveMessage", await page.Locator("#action-refused").TextContentAsync(), StringComparison.Ordinal);

        // The queue owner's root user removes the policy.
        var root = await server.NewPageAsync();
        await server.SignInRootAsync(root);
        await root.GotoAsync(server.Console + "Queue?QueueUrl=" + Uri.EscapeDataString(url));
        Assert.Contains("DenyAll", await root.InputValueAsync("#Policy"), StringComparison.Ordinal);
        // The linter's finding is shown inline with the policy.
        Assert.Contains("error Lockout", await root.Locator("#findings").TextContentAsync(), StringComparison.Ordinal);
        await root.FillAsync("#Policy", "");
        await root.ClickAsync("#save-policy");
        Assert.Contains("Removed the access policy", await root.Locator("#done").TextContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync(server.Console + "Queue?QueueUrl=" + Uri.EscapeDataString(url));
        Assert.DoesNotContain("sqs:GetQueueAttributes", await page.Locator("#read-refusals").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("QueueArn", await page.Locator("#attributes").TextContentAsync(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task A_forged_post_without_the_antiforgery_token_is_refused()
    {
        var url = await QueueAsync("console-forgery");
        server.User("forgery", Password, Policy(Allow("sqs:*", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "forgery", Password);

        // The browser's own cookies go with it, but no antiforgery token: refused before the handler runs.
        var forged = await page.Context.APIRequest.PostAsync(server.Console + "Queue?handler=Send&QueueUrl=" + Uri.EscapeDataString(url),
            new() { Form = FormOf(page, ("MessageBody", "forged")) });
        Assert.Equal(400, forged.Status);
        var wrongToken = await page.Context.APIRequest.PostAsync(server.Console + "Queue?handler=Send&QueueUrl=" + Uri.EscapeDataString(url),
            new() { Form = FormOf(page, ("MessageBody", "forged"), ("__RequestVerificationToken", "CfDJ8-not-a-token")) });
        Assert.Equal(400, wrongToken.Status);

        using var sqs = server.RootSqs();
        var attributes = await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages"]);
        Assert.Equal(0, attributes.ApproximateNumberOfMessages);
    }

    [BrowserFact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Strict_and_holds_no_secret()
    {
        server.User("cookies", Password, Policy(Allow("sqs:ListQueues", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "cookies", Password);
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "gatehouse-console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Equal("/console", session.Path);
        Assert.Equal(43, session.Value.Length);
        var antiforgery = Assert.Single(cookies, c => c.Name == "gatehouse-console-antiforgery");
        Assert.True(antiforgery.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, antiforgery.SameSite);

        // No secret in the page: neither the password nor the session's credentials.
        var html = await page.ContentAsync();
        Assert.DoesNotContain(Password, html, StringComparison.Ordinal);
        Assert.DoesNotContain("ASIA", html, StringComparison.Ordinal);
        Assert.DoesNotContain("SessionToken", html, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Sign_out_ends_the_session()
    {
        server.User("leaver", Password, Policy(Allow("sqs:ListQueues", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "leaver", Password);
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "gatehouse-console");
        await page.ClickAsync("#sign-out");
        Assert.Contains("You have signed out", await page.Locator("#notice").TextContentAsync(), StringComparison.Ordinal);

        // The old session id no longer works, even if presented again.
        await page.Context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Domain = cookie.Domain, Path = cookie.Path }]);
        await page.GotoAsync(server.Console);
        Assert.Contains("/console/SignIn", page.Url, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Wrong_passwords_get_one_message_and_a_weak_new_password_gets_the_policy_violation()
    {
        server.User("changer", Password, Policy(Allow("sqs:ListQueues", "*"), Allow("iam:ChangePassword", $"arn:aws:iam::{ConsoleServer.Account}:user/changer")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "changer", "not-the-password");
        Assert.Equal("Your authentication information is incorrect. Please try again.", await page.Locator("#sign-in-error").TextContentAsync());
        await server.SignInAsync(page, "nobody-at-all", "not-the-password");
        Assert.Equal("Your authentication information is incorrect. Please try again.", await page.Locator("#sign-in-error").TextContentAsync());

        await server.SignInAsync(page, "changer", Password);
        await page.GotoAsync(server.Console + "Password");
        await page.FillAsync("#OldPassword", Password);
        await page.FillAsync("#NewPassword", "weak");
        await page.FillAsync("#ConfirmPassword", "weak");
        await page.ClickAsync("#change-password");
        var refused = await page.Locator("#password-refused").TextContentAsync();
        Assert.Contains("PasswordPolicyViolation", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("weak", refused, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task A_password_that_must_be_reset_is_changed_first_then_the_console_opens()
    {
        server.User("newcomer", Password, Policy(Allow("sqs:ListQueues", "*"), Allow("iam:ChangePassword", $"arn:aws:iam::{ConsoleServer.Account}:user/newcomer")));
        server.Registry.UpdateLoginProfile(ConsoleServer.Account, "newcomer", null, resetRequired: true);
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "newcomer", Password);
        Assert.Contains("/console/Password", page.Url, StringComparison.Ordinal);
        await page.GotoAsync(server.Console);
        Assert.Contains("/console/Password", page.Url, StringComparison.Ordinal);

        await page.FillAsync("#OldPassword", Password);
        await page.FillAsync("#NewPassword", "An0ther-Good-Passw0rd!");
        await page.FillAsync("#ConfirmPassword", "An0ther-Good-Passw0rd!");
        await page.ClickAsync("#change-password");
        Assert.Contains("has been changed", await page.Locator("#done").TextContentAsync(), StringComparison.Ordinal);
        await page.GotoAsync(server.Console);
        Assert.Equal(1, await page.Locator("#queues").CountAsync());
        Assert.False(server.Registry.GetLoginProfile(ConsoleServer.Account, "newcomer").PasswordResetRequired);
    }

    [BrowserFact]
    public async Task Repeated_failures_throttle_sign_in_even_with_the_right_password()
    {
        server.User("guessed", Password, Policy(Allow("sqs:ListQueues", "*")));
        var page = await server.NewPageAsync();
        for (var i = 0; i < 5; i++)
        {
            await server.SignInAsync(page, "guessed", "wrong-" + i);
        }

        await server.SignInAsync(page, "guessed", Password);
        Assert.Contains("Too many failed sign-in attempts", await page.Locator("#sign-in-error").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await page.Context.CookiesAsync()).Count(c => c.Name == "gatehouse-console"));
    }

    [BrowserFact]
    public async Task Purge_and_delete_need_their_confirmation_and_DLQ_redrive_moves_messages_back()
    {
        using var sqs = server.RootSqs();
        var dlq = await QueueAsync("console-dlq");
        var dlqArn = (await sqs.GetQueueAttributesAsync(dlq, ["QueueArn"])).QueueARN;
        var source = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "console-source",
            Attributes = new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":"1"}""" },
        })).QueueUrl;
        // Dead-lettered the real way: received once (maxReceiveCount 1), then moved on the next receive.
        await sqs.SendMessageAsync(source, "dead letter");
        await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = source, VisibilityTimeout = 0 });
        await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = source, VisibilityTimeout = 0 });
        Assert.Equal(1, (await sqs.GetQueueAttributesAsync(dlq, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages);
        server.User("operator", Password, Policy(Allow("sqs:*", "*")));
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "operator", Password);

        await page.GotoAsync(server.Console + "Queue?QueueUrl=" + Uri.EscapeDataString(dlq));
        Assert.Contains("console-source", await page.Locator("#redrive").TextContentAsync(), StringComparison.Ordinal);
        await page.ClickAsync("#start-redrive");
        Assert.Contains("Started a DLQ redrive", await page.Locator("#done").TextContentAsync(), StringComparison.Ordinal);
        var moved = false;
        for (var i = 0; i < 50 && !moved; i++)
        {
            moved = (await sqs.GetQueueAttributesAsync(source, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages == 1;
            await Task.Delay(100);
        }

        Assert.True(moved, "the redrive moved the message back to its source queue");

        await page.GotoAsync(server.Console + "Queue?QueueUrl=" + Uri.EscapeDataString(source));
        await page.FillAsync("#PurgeConfirm", "yes");
        await page.ClickAsync("#purge");
        Assert.Equal("Type purge to confirm.", await page.Locator("#confirm-error").TextContentAsync());
        await page.FillAsync("#PurgeConfirm", "purge");
        await page.ClickAsync("#purge");
        Assert.Contains("Purging the queue", await page.Locator("#done").TextContentAsync(), StringComparison.Ordinal);

        await page.FillAsync("#DeleteConfirm", "console-dlq");
        await page.ClickAsync("#delete-queue");
        Assert.Equal("Type console-source to confirm.", await page.Locator("#confirm-error").TextContentAsync());
        await page.FillAsync("#DeleteConfirm", "console-source");
        await page.ClickAsync("#delete-queue");
        await page.WaitForURLAsync(u => !u.Contains("Queue?", StringComparison.Ordinal));
        Assert.DoesNotContain("console-source", await page.Locator("#queues").TextContentAsync(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task The_decision_log_filters_denials_and_refuses_a_user_without_the_permission()
    {
        server.User("nosy", Password, Policy(Allow("sqs:ListQueues", "*")));
        var user = await server.NewPageAsync();
        await server.SignInAsync(user, "nosy", Password);
        await user.GotoAsync(server.Console + "Decisions");
        Assert.Contains("You don't have permission to gatehouse:QueryDecisions", await user.Locator(".refusal").TextContentAsync(), StringComparison.Ordinal);

        var root = await server.NewPageAsync();
        await server.SignInRootAsync(root);
        await root.GotoAsync(server.Console + "Decisions?DeniedOnly=true&Principal=" + Uri.EscapeDataString($"arn:aws:iam::{ConsoleServer.Account}:user/nosy"));
        var table = await root.Locator("#decisions").TextContentAsync();
        Assert.Contains("gatehouse:QueryDecisions", table, StringComparison.Ordinal);
        Assert.Contains("(refused)", table, StringComparison.Ordinal);
        Assert.DoesNotContain("arn:aws:iam::000000000000:root", table, StringComparison.Ordinal);
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}

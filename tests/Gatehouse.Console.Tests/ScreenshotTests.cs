using Microsoft.Playwright;

namespace Gatehouse.Console.Tests;

/// <summary>Renders the main pages and saves them as PNGs: into the directory <c>GATEHOUSE_CONSOLE_SCREENSHOTS</c>
/// names (the README's pictures are made with <c>GATEHOUSE_CONSOLE_SCREENSHOTS=docs/console</c>), else a temporary
/// directory. Each page must render without a server error.</summary>
[Collection("console")]
public sealed class ScreenshotTests(ConsoleServer server)
{
    [BrowserFact]
    public async Task The_main_pages_render_and_are_saved_as_screenshots()
    {
        var directory = Environment.GetEnvironmentVariable("GATEHOUSE_CONSOLE_SCREENSHOTS") is { Length: > 0 } d
            ? Path.GetFullPath(d)
            : Directory.CreateTempSubdirectory("gatehouse-console-").FullName;
        Directory.CreateDirectory(directory);
        using (var sqs = server.RootSqs())
        {
            var dlq = (await sqs.CreateQueueAsync("payments-dlq")).QueueUrl;
            var dlqArn = (await sqs.GetQueueAttributesAsync(dlq, ["QueueArn"])).QueueARN;
            var url = (await sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest
            {
                QueueName = "payments",
                Attributes = new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":"3"}""" },
                Tags = new() { ["team"] = "billing" },
            })).QueueUrl;
            await sqs.SendMessageAsync(url, """{"order":1042,"amount":"19.99"}""");
            await sqs.SendMessageAsync(url, """{"order":1043,"amount":"5.00"}""");
        }

        server.User("auditor", "Corr3ct-Horse-Battery!", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"arn:aws:sqs:us-east-1:000000000000:payments"},
              {"Effect":"Allow","Action":"gatehouse:GetDecision","Resource":"*"}]}
            """);

        async Task Shot(IPage page, string name)
        {
            Assert.DoesNotContain("An unhandled exception", await page.ContentAsync(), StringComparison.Ordinal);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }

        var user = await server.NewPageAsync();
        await user.GotoAsync(server.Console + "SignIn");
        await Shot(user, "sign-in");
        await server.SignInAsync(user, "auditor", "Corr3ct-Horse-Battery!");
        await Shot(user, "not-authorized");
        await user.Locator("#list-refused a.why").ClickAsync();
        await user.Locator(".decision").First.WaitForAsync();
        await Shot(user, "why");

        var root = await server.NewPageAsync();
        await server.SignInRootAsync(root);
        await Shot(root, "queues");
        await root.Locator("a.queue-link", new() { HasText = "payments" }).First.ClickAsync();
        await root.ClickAsync("#poll");
        await root.Locator("#messages").WaitForAsync();
        await Shot(root, "queue");
        await root.GotoAsync(server.Console + "Decisions?DeniedOnly=true");
        await Shot(root, "decisions");
        await root.GotoAsync(server.Console + "Iam");
        await Shot(root, "iam");
        await root.GotoAsync(server.Console + "Resources");
        await Shot(root, "resources");
        Assert.True(File.Exists(Path.Combine(directory, "queue.png")));
    }
}

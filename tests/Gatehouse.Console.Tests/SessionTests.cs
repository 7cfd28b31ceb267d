using Gatehouse.Services.Iam;

namespace Gatehouse.Console.Tests;

/// <summary>Sessions end when they idle out; switch role acts as the role session and switching back returns.</summary>
public sealed class SessionExpiryTests(ShortSessionServer server) : IClassFixture<ShortSessionServer>
{
    [BrowserFact]
    public async Task An_idle_session_expires_and_sends_the_browser_to_sign_in()
    {
        server.User("idler", "Corr3ct-Horse-Battery!", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"*"}]}""");
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "idler", "Corr3ct-Horse-Battery!");
        Assert.NotNull(await page.Locator("#queues").TextContentAsync());
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await page.GotoAsync(server.Console);
        Assert.Contains("/console/SignIn", page.Url, StringComparison.Ordinal);
        Assert.Contains("Your session has expired", await page.Locator("#notice").TextContentAsync(), StringComparison.Ordinal);
    }
}

[Collection("console")]
public sealed class SwitchRoleTests(ConsoleServer server)
{
    [BrowserFact]
    public async Task Switch_role_acts_as_the_role_session_and_switching_back_returns()
    {
        var account = ConsoleServer.Account;
        try
        {
            server.Registry.CreateRole(account, "console-operator", "/",
                $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:user/switcher"},"Action":"sts:AssumeRole"}]}""");
        }
        catch (Gatehouse.Protocol.AwsErrorException)
        {
        }

        server.Registry.PutInlinePolicy(IamEntityKind.Role, account, "console-operator", "sqs",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ListQueues","sqs:GetQueueAttributes"],"Resource":"*"}]}""");
        server.User("switcher", "Corr3ct-Horse-Battery!",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{{account}}:role/console-operator"}]}""");
        var page = await server.NewPageAsync();
        await server.SignInAsync(page, "switcher", "Corr3ct-Horse-Battery!");
        Assert.Equal(1, await page.Locator("#list-refused").CountAsync());

        await page.GotoAsync(server.Console + "SwitchRole");
        await page.FillAsync("#RoleArn", $"arn:aws:iam::{account}:role/console-operator");
        await page.FillAsync("#SessionName", "ops");
        await page.ClickAsync("#switch");
        Assert.Equal($"arn:aws:sts::{account}:assumed-role/console-operator/ops", await page.Locator("#principal").TextContentAsync());
        Assert.Equal(0, await page.Locator("#list-refused").CountAsync());
        Assert.Equal(1, await page.Locator("#queues").CountAsync());

        await page.GotoAsync(server.Console + "SwitchRole");
        await page.ClickAsync("#switch-back");
        Assert.Equal($"arn:aws:iam::{account}:user/switcher", await page.Locator("#principal").TextContentAsync());
        Assert.Equal(1, await page.Locator("#list-refused").CountAsync());
    }
}

/// <summary>With an HTTPS listener the console is served only there, and its cookies are Secure.</summary>
public sealed class HttpsConsoleTests(HttpsConsoleServer server) : IClassFixture<HttpsConsoleServer>
{
    [BrowserFact]
    public async Task Plain_HTTP_is_redirected_to_the_HTTPS_listener_and_the_cookies_are_Secure()
    {
        // A "deny unless HTTPS" policy: the console's own API calls are made over the HTTPS listener too.
        server.User("secure", "Corr3ct-Horse-Battery!", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"*"},
              {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}
            """);
        var page = await server.NewPageAsync();
        await page.GotoAsync(server.Console + "SignIn");
        Assert.StartsWith($"https://127.0.0.1:{server.HttpsPort}/console/SignIn", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#UserName", "secure");
        await page.FillAsync("#Password", "Corr3ct-Horse-Battery!");
        await page.ClickAsync("#sign-in");
        Assert.Equal($"arn:aws:iam::{ConsoleServer.Account}:user/secure", await page.Locator("#principal").TextContentAsync());
        Assert.Equal(1, await page.Locator("#queues").CountAsync());
        var cookies = await page.Context.CookiesAsync();
        Assert.True(cookies.Single(c => c.Name == "gatehouse-console").Secure);
        Assert.True(cookies.Single(c => c.Name == "gatehouse-console-antiforgery").Secure);
    }
}

/// <summary>The console and the API never see each other's requests, and console pages carry their security headers.</summary>
[Collection("console")]
public sealed class ConsoleRoutingTests(ConsoleServer server)
{
    [BrowserFact]
    public async Task Console_paths_never_reach_the_API_and_pages_carry_security_headers()
    {
        using var http = new HttpClient();
        var missing = await http.GetAsync(server.Console + "no-such-page");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.False(missing.Headers.Contains("x-amzn-RequestId"), "the API pipeline never answers under /console");
        Assert.StartsWith("Not found.", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var api = new HttpRequestMessage(HttpMethod.Post, server.Console) { Content = new StringContent("{}") };
        api.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS.ListQueues");
        api.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        var refused = await http.SendAsync(api);
        Assert.False(refused.Headers.Contains("x-amzn-RequestId"));
        Assert.DoesNotContain("QueueUrls", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = await http.GetAsync(server.Console + "SignIn");
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());

        // A console body is bounded before anything reads it (the sign-in form is anonymous).
        using var huge = new ByteArrayContent(new byte[(4 * 1024 * 1024) + 1]);
        huge.Headers.ContentType = new("application/x-www-form-urlencoded");
        var tooBig = await http.PostAsync(server.Console + "SignIn", huge);
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);

        // And the API at the root still answers as SQS does.
        using var sqs = server.RootSqs();
        Assert.NotNull((await sqs.ListQueuesAsync(new Amazon.SQS.Model.ListQueuesRequest())).HttpStatusCode.ToString());
    }
}

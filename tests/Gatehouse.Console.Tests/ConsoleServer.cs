using Amazon.Runtime;
using Amazon.SQS;
using Gatehouse.Server;
using Gatehouse.Services.Iam;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Gatehouse.Console.Tests;

/// <summary>
/// The real server in process on a free loopback port (in memory), and Debian's Chromium driven by Playwright:
/// never a downloaded browser (docs/testing.md, "Console tests"). Test set-up makes users through the registry;
/// the console itself only ever calls the API.
/// </summary>
public class ConsoleServer : IAsyncLifetime
{
    public const string Account = "000000000000";

    private WebApplication? _app;
    private IPlaywright? _playwright;

    public string Endpoint { get; private set; } = "";

    public string Console => Endpoint + "/console/";

    public IBrowser Browser { get; private set; } = null!;

    internal IdentityRegistry Registry => _app!.Services.GetRequiredService<IdentityRegistry>();

    protected virtual GatehouseOptions Options(GatehouseOptions defaults) => defaults;

    public async Task InitializeAsync()
    {
        if (!Chromium.Available)
        {
            return;
        }

        _app = await GatehouseApp.BuildAsync(Options(new GatehouseOptions { Port = 0, InMemory = true, NoCooldowns = true }), TimeProvider.System);
        await _app.StartAsync();
        Endpoint = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http:", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>A fresh browser context (its own cookies) and page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            // The HTTPS listener's certificate is self-signed (HttpsConsoleServer).
            IgnoreHTTPSErrors = true,
        });
        return await context.NewPageAsync();
    }

    /// <summary>The management account's root user as an SQS SDK client.</summary>
    public AmazonSQSClient RootSqs() =>
        new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });

    /// <summary>Makes an IAM user with a console password and the given inline policy.</summary>
    public void User(string name, string password, string policy)
    {
        try
        {
            Registry.CreateUser(Account, name, "/");
        }
        catch (Gatehouse.Protocol.AwsErrorException)
        {
        }

        Registry.PutInlinePolicy(IamEntityKind.User, Account, name, "console", policy);
        try
        {
            Registry.CreateLoginProfile(Account, name, password, resetRequired: false);
        }
        catch (Gatehouse.Protocol.AwsErrorException)
        {
        }
    }

    public async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync(Console + "SignIn");
        await page.FillAsync("#Account", Account);
        await page.FillAsync("#UserName", user);
        await page.FillAsync("#Password", password);
        await page.ClickAsync("#sign-in");
        await LeftSignInAsync(page, u => !u.Contains("SignIn", StringComparison.Ordinal) || u.Contains("handler", StringComparison.Ordinal));
    }

    public async Task SignInRootAsync(IPage page)
    {
        await page.GotoAsync(Console + "SignIn");
        await page.FillAsync("#RootAccount", Account);
        await page.FillAsync("#RootSecret", "test");
        await page.ClickAsync("#sign-in-root");
        await LeftSignInAsync(page, u => !u.Contains("SignIn", StringComparison.Ordinal));
    }

    /// <summary>Waits for the sign-in to navigate away; when it does not, the failure says where the page stayed and
    /// what the sign-in page said, if anything (a refused sign-in renders the page again with its reason).</summary>
    private static async Task LeftSignInAsync(IPage page, Func<string, bool> signedIn)
    {
        try
        {
            await page.WaitForURLAsync(signedIn);
        }
        catch (TimeoutException e)
        {
            var said = await page.Locator("#sign-in-error").CountAsync() > 0
                ? await page.Locator("#sign-in-error").TextContentAsync()
                : "(no error shown)";
            throw new TimeoutException($"The sign-in did not leave the sign-in page: at {page.Url}, which says: {said}", e);
        }
    }
}

/// <summary>A server whose console sessions idle out after two seconds.</summary>
public sealed class ShortSessionServer : ConsoleServer
{
    protected override GatehouseOptions Options(GatehouseOptions defaults) => defaults with { ConsoleIdleTimeout = TimeSpan.FromSeconds(2) };
}

/// <summary>A server with an HTTPS listener (its generated self-signed certificate): the console is served there.</summary>
public sealed class HttpsConsoleServer : ConsoleServer
{
    public int HttpsPort { get; } = FreePort();

    protected override GatehouseOptions Options(GatehouseOptions defaults) => defaults with { HttpsPort = HttpsPort };

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Debian's Chromium, which CI installs (<c>.ci/run</c>). Without it the browser tests are skipped, except
/// under <c>CI=true</c>, where they must run.</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static bool Available => File.Exists(Path);

    public static string? SkipReason =>
        Available || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Chromium is not installed at {Path} (apt-get install chromium); the console's browser tests are skipped.";
}

/// <summary>A browser test: skipped with a clear reason when Chromium is absent outside CI.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

[CollectionDefinition("console")]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleServer>;

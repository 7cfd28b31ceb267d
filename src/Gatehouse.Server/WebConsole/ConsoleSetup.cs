using Gatehouse.Server.WebConsole.Pages;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.ApplicationParts;

namespace Gatehouse.Server.WebConsole;

/// <summary>
/// The web console under <c>/console</c> (docs/console.md): server-rendered Razor Pages, no JavaScript. Requests
/// under <c>/console</c> end in the console (a page, its stylesheet or a 404) and never reach the API pipeline;
/// the API's requests never reach a page.
/// </summary>
internal static class ConsoleSetup
{
    public const string Prefix = "/console";

    /// <summary>Largest console request body: a form with a 1 MiB message body (SQS's largest) URL-encoded.</summary>
    public const long MaxFormBytes = 4 * 1024 * 1024;

    /// <summary>Content security policy: no scripts at all, styles and forms only from the console itself.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void AddConsole(IServiceCollection services)
    {
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleApi>();
        // Antiforgery tokens are protected with keys that live only in memory: a restart signs everyone out anyway.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "gatehouse-console-antiforgery";
            o.Cookie.Path = Prefix;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__RequestVerificationToken";
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/WebConsole/Pages";
            o.Conventions.AddFolderRouteModelConvention("/", model =>
            {
                foreach (var selector in model.Selectors)
                {
                    selector.AttributeRouteModel = AttributeRouteModel.CombineAttributeRouteModel(new AttributeRouteModel { Template = "console" }, selector.AttributeRouteModel);
                }
            });
        }).ConfigureApplicationPartManager(parts =>
        {
            // The pages are compiled into the server's assembly; when another program hosts the server (the test
            // host, Gatehouse.Testing) that assembly is not the entry assembly MVC looks in by default.
            var assembly = typeof(ConsoleSetup).Assembly;
            if (!parts.ApplicationParts.Any(p => p is AssemblyPart a && a.Assembly == assembly))
            {
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                {
                    parts.ApplicationParts.Add(part);
                }
            }
        });
    }

    /// <summary>Mounts the console; call before the API's catch-all.</summary>
    public static void UseConsole(WebApplication app, GatehouseOptions options)
    {
        // Explicit, so that the pages' endpoints are matched here; API requests match none and pass on untouched.
        app.UseRouting();
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Prefix), console =>
        {
            console.Use(async (http, next) =>
            {
                // The server lifts Kestrel's body limit because the API bounds its own reads; the console's forms are
                // bounded here, before anything (sign-in included) reads them: a message of 1 MiB, base64-free, fits.
                if (http.Request.ContentLength > MaxFormBytes)
                {
                    http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                    return;
                }

                // A body without a length (chunked) is cut off by Kestrel at the same size while it is read.
                if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = MaxFormBytes;
                }

                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
                if (options.HttpsPort is not null && !http.Request.IsHttps && HttpsPort(http) is { } port)
                {
                    // With an HTTPS listener the console is served only there (docs/console.md, "Security").
                    http.Response.Redirect($"https://{http.Request.Host.Host}:{port}{http.Request.PathBase}{http.Request.Path}{http.Request.QueryString}");
                    return;
                }

                if (http.Request.Path.Equals(Prefix + "/console.css", StringComparison.Ordinal))
                {
                    http.Response.ContentType = "text/css; charset=utf-8";
                    await http.Response.WriteAsync(ConsoleStyle.Css);
                    return;
                }

                try
                {
                    await next();
                }
                catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
                {
                    // A page that fails is a bug: logged, and answered with a plain page rather than a dropped
                    // connection or a stack trace.
                    http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.Console")
                        .LogError(e, "Console page {Path} failed", http.Request.Path.Value);
                    http.Response.Clear();
                    http.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    http.Response.ContentType = "text/plain; charset=utf-8";
                    await http.Response.WriteAsync("The console could not show this page; the server log has the details.");
                }
            });
            console.UseEndpoints(_ => { });
            console.Run(http =>
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                http.Response.ContentType = "text/plain; charset=utf-8";
                return http.Response.WriteAsync("Not found. The console starts at " + Prefix + "/");
            });
        });
        app.MapRazorPages();
    }

    private static int? HttpsPort(HttpContext http)
    {
        var address = http.RequestServices.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal));
        return address is not null && Uri.TryCreate(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? uri.Port
            : null;
    }

    /// <summary>Sets the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to the console.</summary>
    public static void SetSessionCookie(HttpContext http, ConsoleSession session) =>
        http.Response.Cookies.Append(ConsoleSessions.CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = Prefix,
            IsEssential = true,
        });

    public static void ClearSessionCookie(HttpContext http) =>
        http.Response.Cookies.Delete(ConsoleSessions.CookieName, new CookieOptions { Path = Prefix, HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps });

    internal static string? SessionId(HttpContext http) => http.Request.Cookies[ConsoleSessions.CookieName];

    internal static Type FirstPage => typeof(IndexModel);
}

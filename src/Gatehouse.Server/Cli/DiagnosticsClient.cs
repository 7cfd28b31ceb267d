using System.CommandLine;
using System.Text.Json;
using Gatehouse.SigV4;

namespace Gatehouse.Server.Cli;

/// <summary>
/// The diagnostics commands' connection to a running server: the diagnostics API under <c>/_gatehouse/</c>, signed
/// with SigV4 (signing name <c>gatehouse</c>) with the credentials the AWS CLI would use: <c>AWS_ACCESS_KEY_ID</c>,
/// <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c>, else the profile (<c>--profile</c>,
/// <c>AWS_PROFILE</c>, <c>default</c>) of the shared credentials file (AWS SDKs and Tools reference guide,
/// "Shared config and credentials files").
/// </summary>
internal sealed class DiagnosticsClient(string endpoint, string region, SigV4SigningCredentials credentials, HttpClient http)
{
    /// <summary>For tests: the environment the commands read (one override per async flow).</summary>
    internal static readonly AsyncLocal<Func<string, string?>?> EnvironmentOverride = new();

    private static Func<string, string?> Env => EnvironmentOverride.Value ?? Environment.GetEnvironmentVariable;

    public string Endpoint => endpoint;

    public static DiagnosticsClient Create(ParseResult parse, CommonOptions common)
    {
        var endpoint = (parse.GetValue(common.Endpoint) ?? Env("GATEHOUSE_ENDPOINT") ?? Env("AWS_ENDPOINT_URL") ?? "http://127.0.0.1:4566").TrimEnd('/');
        var region = parse.GetValue(common.Region) ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? "us-east-1";
        return new DiagnosticsClient(endpoint, region, Credentials(parse.GetValue(common.Profile)), new HttpClient());
    }

    private static SigV4SigningCredentials Credentials(string? profileOption)
    {
        if (Env("AWS_ACCESS_KEY_ID") is { Length: > 0 } key && Env("AWS_SECRET_ACCESS_KEY") is { Length: > 0 } secret)
        {
            return new SigV4SigningCredentials(key, secret, Env("AWS_SESSION_TOKEN") is { Length: > 0 } token ? token : null);
        }

        var profile = profileOption ?? Env("AWS_PROFILE") ?? "default";
        var file = Env("AWS_SHARED_CREDENTIALS_FILE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        if (File.Exists(file))
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? section = null;
            foreach (var raw in File.ReadAllLines(file))
            {
                var line = raw.Trim();
                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    section = line[1..^1].Trim();
                    continue;
                }

                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (section == profile && eq > 0)
                {
                    values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
                }
            }

            if (values.TryGetValue("aws_access_key_id", out var id) && values.TryGetValue("aws_secret_access_key", out var s))
            {
                return new SigV4SigningCredentials(id, s, values.GetValueOrDefault("aws_session_token"));
            }
        }

        throw new CliException($"No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile [{profile}] in {file}.");
    }

    /// <summary>GETs a diagnostics path; an error answer becomes a <see cref="CliException"/> with the server's text.</summary>
    public async Task<JsonElement> GetAsync(string path, IEnumerable<KeyValuePair<string, string>> query, CancellationToken ct)
    {
        var rawQuery = string.Join('&', query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        var rawPath = "/_gatehouse/" + path;
        var uri = new Uri(endpoint + rawPath + (rawQuery.Length > 0 ? "?" + rawQuery : ""));
        var headers = new SigV4Headers().Add("Host", uri.Authority);
        var signature = SigV4Signer.Sign(new SigV4Request { Method = "GET", RawPath = rawPath, RawQuery = rawQuery, Headers = headers },
            credentials, region, "gatehouse", TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"Cannot reach Gatehouse at {endpoint}: {e.Message} (set --endpoint-url or GATEHOUSE_ENDPOINT).");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new CliException($"{endpoint} answered {(int)response.StatusCode} without JSON; is it a Gatehouse server?");
            }

            if (!response.IsSuccessStatusCode)
            {
                var type = json.TryGetProperty("__type", out var t) ? t.GetString() : response.StatusCode.ToString();
                var message = json.TryGetProperty("message", out var m) ? m.GetString() : "";
                throw new CliException($"{type}: {message}");
            }

            return json;
        }
    }
}

/// <summary>A failure to report on stderr with exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>The options every diagnostics command has.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Endpoint { get; } = new("--endpoint-url") { Description = "Gatehouse's URL (default: GATEHOUSE_ENDPOINT, else http://127.0.0.1:4566)" };

    public Option<string?> Profile { get; } = new("--profile") { Description = "Credentials profile (default: AWS_PROFILE, else default)" };

    public Option<string?> Region { get; } = new("--region") { Description = "Signing region (default: AWS_REGION, else us-east-1)" };

    public Option<string> Output { get; } = new("--output") { Description = "text (for a terminal) or json (for scripts)", DefaultValueFactory = _ => "text" };

    public Command AddTo(Command command)
    {
        Output.AcceptOnlyFromAmong("text", "json");
        command.Options.Add(Endpoint);
        command.Options.Add(Profile);
        command.Options.Add(Region);
        command.Options.Add(Output);
        return command;
    }

    /// <summary>Runs a command body: a <see cref="CliException"/> becomes a message on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<TextWriter, Task<int>> body)
    {
        var output = parse.InvocationConfiguration.Output;
        try
        {
            return await body(output);
        }
        catch (CliException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync("gatehouse: " + e.Message);
            return 1;
        }
    }
}

using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gatehouse.Server.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests;

/// <summary>
/// The catalogue check (design rule 2, docs/architecture.md): every action of every module has a decoder, a handler and an
/// authorization mapping; every action a module claims exists in the AWS service model botocore keeps on this
/// machine, with the module's signing name, target prefix, version and protocols; and every action has a test in
/// each protocol the module speaks, wherever a client of that protocol can call it (found in the test sources: an
/// AWS SDK for .NET call, a boto3 call, or the raw wire name).
/// </summary>
public sealed partial class CatalogueTests
{
    /// <summary>Actions that need no permission, as AWS documents: they have no IAM action to map.</summary>
    private static readonly HashSet<string> PermissionFree = new(StringComparer.Ordinal)
    {
        "sts:GetCallerIdentity", // STS API reference: no permission is required, an explicit deny does not apply
        "sts:GetSessionToken", // STS API reference: no permission is required
        "gatehouse:GetHealth", // liveness only
    };

    private static async Task<IReadOnlyList<ServiceModule>> ModulesAsync()
    {
        await using var app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true }, TimeProvider.System);
        return app.Services.GetRequiredService<ServiceRouter>().Modules;
    }

    [Fact]
    public async Task Every_action_has_a_decoder_a_handler_and_an_authorization_mapping()
    {
        var problems = new List<string>();
        foreach (var module in await ModulesAsync())
        {
            foreach (var (name, spec) in module.Actions)
            {
                if (spec.Name != name)
                {
                    problems.Add($"{module.Name}:{name} is registered under another name ({spec.Name})");
                }

                if (spec.Decode is null || spec.Handle is null || spec.Authorize is null)
                {
                    problems.Add($"{module.Name}:{name} lacks a step");
                }

                if (spec.IamActions.Count == 0 && !PermissionFree.Contains($"{module.Name}:{name}"))
                {
                    problems.Add($"{module.Name}:{name} maps to no IAM action and is not known to need none");
                }

                problems.AddRange(spec.IamActions.Where(a => !a.StartsWith(module.Name + ":", StringComparison.Ordinal))
                    .Select(a => $"{module.Name}:{name} maps to {a}, outside its service"));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_claimed_action_and_setting_matches_the_botocore_service_model()
    {
        var models = ServiceModels();
        Assert.NotEmpty(models);
        var problems = new List<string>();
        foreach (var module in (await ModulesAsync()).Where(m => m.PathPrefix is null))
        {
            var ofService = models.Where(m => m.EndpointPrefix == module.Name).ToList();
            if (ofService.Count == 0)
            {
                problems.Add($"no botocore model of {module.Name} on this machine");
                continue;
            }

            problems.AddRange(module.Actions.Keys.Where(a => !ofService.Any(m => m.Operations.Contains(a)))
                .Select(a => $"{module.Name}:{a} is not an operation of any {module.Name} model"));
            foreach (var protocol in module.Protocols)
            {
                var model = ofService.FirstOrDefault(m => m.Protocols.Contains(protocol.Name));
                if (model is null)
                {
                    problems.Add($"{module.Name} speaks {protocol.Name}, which no botocore model of it lists");
                    continue;
                }

                if (model.SigningName != module.SigningName)
                {
                    problems.Add($"{module.Name}: signing name {module.SigningName}, model says {model.SigningName}");
                }

                if (protocol == module.JsonProtocol && model.TargetPrefix + "." != module.JsonTargetPrefix)
                {
                    problems.Add($"{module.Name}: target prefix {module.JsonTargetPrefix}, model says {model.TargetPrefix}");
                }

                if (protocol == module.QueryProtocol && model.Version != module.QueryVersion)
                {
                    problems.Add($"{module.Name}: Query version {module.QueryVersion}, model says {model.Version}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_action_is_tested_in_each_protocol_it_speaks()
    {
        var sources = TestSources();
        var models = ServiceModels();
        var missing = new List<string>();
        foreach (var module in await ModulesAsync())
        {
            foreach (var name in module.Actions.Keys)
            {
                if (module.PathPrefix is { } prefix)
                {
                    var path = module.PathActions.First(p => p.Value == name).Key;
                    if (!sources.Cs.Contains(prefix + path, StringComparison.Ordinal))
                    {
                        missing.Add($"{module.Name}:{name} (no test requests {prefix}{path})");
                    }

                    continue;
                }

                // Evidence per protocol. The AWS SDK for .NET speaks a service's JSON protocol where it has one, else its
                // Query protocol. A boto3 call counts for a module's only protocol; for SQS, which speaks both, the
                // Python scenarios (Debian's botocore 1.29) are its Query-protocol clients.
                var sdkCall = sources.Cs.Contains(name + "Async(", StringComparison.Ordinal);
                var boto3Call = "." + SnakeCase(name) + "(";
                var single = module.Protocols.Count() == 1;
                if (module.JsonProtocol is not null && CallableOver(models, module, "json", name)
                    && !sdkCall && !sources.Cs.Contains($"\"{module.JsonTargetPrefix}{name}\"", StringComparison.Ordinal)
                    && !(single && sources.All.Contains(boto3Call, StringComparison.Ordinal)))
                {
                    missing.Add($"{module.Name}:{name} over {module.JsonProtocol.Name}");
                }

                if (module.QueryProtocol is not null && CallableOver(models, module, module.QueryProtocol.Name, name)
                    && !(sdkCall && module.JsonProtocol is null)
                    && !(single ? sources.All : sources.Py).Contains(boto3Call, StringComparison.Ordinal)
                    && !sources.All.Contains("Action=" + name, StringComparison.Ordinal))
                {
                    missing.Add($"{module.Name}:{name} over {module.QueryProtocol.Name}");
                }
            }
        }

        Assert.True(missing.Count == 0, "Actions without a test:\n" + string.Join("\n", missing));
    }

    /// <summary>A client of the protocol can call the action: a model of the service in that protocol lists it
    /// (SQS's move-task actions came after its Query-protocol model).</summary>
    private static bool CallableOver(List<Model> models, ServiceModule module, string protocol, string action) =>
        models.Any(m => m.EndpointPrefix == module.Name && m.Protocols.Contains(protocol) && m.Operations.Contains(action));

    /// <summary>botocore's operation-to-method naming (<c>GetQueueUrl</c> → <c>get_queue_url</c>).</summary>
    internal static string SnakeCase(string name) => UpperRun().Replace(name, m => (m.Index > 0 ? "_" : "") + m.Value.ToLowerInvariant());

    [GeneratedRegex("[A-Z]+(?![a-z])|[A-Z]")]
    private static partial Regex UpperRun();

    private sealed record Model(string EndpointPrefix, string Version, string SigningName, string? TargetPrefix, HashSet<string> Protocols, HashSet<string> Operations);

    /// <summary>Every service model of the botocore installations on this machine: the current one (JSON SQS) and
    /// Debian's older one (Query SQS).</summary>
    private static List<Model> ServiceModels()
    {
        var models = new List<Model>();
        foreach (var python in new[] { "python3", "/usr/bin/python3" })
        {
            var dir = BotocoreData(python);
            if (dir is null)
            {
                continue;
            }

            foreach (var service in new[] { "sqs", "iam", "sts", "kms", "organizations", "ec2" })
            {
                var serviceDir = Path.Combine(dir, service);
                if (!Directory.Exists(serviceDir))
                {
                    continue;
                }

                var version = Directory.GetDirectories(serviceDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Last()!;
                var file = Path.Combine(serviceDir, version, "service-2.json");
                using var stream = File.Exists(file) ? File.OpenRead(file) : (Stream)new GZipStream(File.OpenRead(file + ".gz"), CompressionMode.Decompress);
                using var doc = JsonDocument.Parse(stream);
                var meta = doc.RootElement.GetProperty("metadata");
                var protocols = meta.TryGetProperty("protocols", out var list)
                    ? list.EnumerateArray().Select(p => p.GetString()!).ToHashSet(StringComparer.Ordinal)
                    : [meta.GetProperty("protocol").GetString()!];
                var prefix = meta.GetProperty("endpointPrefix").GetString()!;
                models.Add(new Model(
                    prefix,
                    meta.GetProperty("apiVersion").GetString()!,
                    meta.TryGetProperty("signingName", out var signing) ? signing.GetString()! : prefix,
                    meta.TryGetProperty("targetPrefix", out var target) ? target.GetString() : null,
                    protocols,
                    doc.RootElement.GetProperty("operations").EnumerateObject().Select(o => o.Name).ToHashSet(StringComparer.Ordinal)));
            }
        }

        return models;
    }

    private static string? BotocoreData(string python)
    {
        try
        {
            var psi = new ProcessStartInfo(python, ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? Path.Combine(output, "data") : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The text of every test source of the repository: C# (SDK calls, raw wire names, embedded boto3
    /// scripts) and Python scenarios.</summary>
    private static (string Cs, string Py, string All) TestSources()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gatehouse.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var tests = Path.Combine(dir.FullName, "tests");
        static bool Source(string f) => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !f.EndsWith("CatalogueTests.cs", StringComparison.Ordinal);
        var cs = string.Join("\n", Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories).Where(Source).Select(File.ReadAllText));
        var py = string.Join("\n", Directory.EnumerateFiles(tests, "*.py", SearchOption.AllDirectories).Where(Source).Select(File.ReadAllText));
        return (cs, py, cs + "\n" + py);
    }
}

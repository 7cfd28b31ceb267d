using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Gatehouse.QueryProtocol.Tests;

/// <summary>
/// The real Query-protocol client: Debian's python3-boto3 (botocore 1.29), run as <c>/usr/bin/python3</c>.
/// The <c>python3</c> on PATH may carry a newer botocore that speaks JSON, so the Debian interpreter is named.
/// </summary>
public static partial class QueryClient
{
    /// <summary>The Debian interpreter whose botocore is 1.29 (Query protocol).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Version = new(ProbeBotocore);

    /// <summary>True when <see cref="Python"/> imports botocore 1.29.x.</summary>
    public static bool IsAvailable => Version.Value is { } v && v.StartsWith("1.29.", StringComparison.Ordinal);

    /// <summary>Why the scenarios are skipped when <see cref="IsAvailable"/> is false.</summary>
    public static string SkipReason => Version.Value is null
        ? $"{Python} with botocore is not installed (apt-get install python3-boto3)"
        : $"{Python} has botocore {Version.Value}, not the Query-protocol botocore 1.29";

    /// <summary>Directory of the scenario scripts, copied next to the test assembly.</summary>
    public static string ScenarioDirectory => Path.Combine(AppContext.BaseDirectory, "scenarios");

    /// <summary>Every scenario name: functions <c>scenario_&lt;name&gt;</c> in the scenario modules.</summary>
    public static IReadOnlyList<string> ScenarioNames()
    {
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(ScenarioDirectory, "*.py"))
        {
            foreach (Match m in ScenarioDefinition().Matches(File.ReadAllText(file)))
                names.Add(m.Groups[1].Value);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Runs <c>run.py &lt;endpoint&gt; &lt;scenario&gt;</c>; returns the exit code and combined output.</summary>
    /// <param name="httpsEndpoint">The server's HTTPS listener, given to scenarios as <c>GATEHOUSE_HTTPS_ENDPOINT</c>.</param>
    public static (int ExitCode, string Output) RunScenario(string endpoint, string scenario, TimeSpan timeout, string? httpsEndpoint = null)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ScenarioDirectory,
        };
        start.ArgumentList.Add("-B"); // no __pycache__ in the output directory
        start.ArgumentList.Add(Path.Combine(ScenarioDirectory, "run.py"));
        start.ArgumentList.Add(endpoint);
        start.ArgumentList.Add(scenario);
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment.Remove("PYTHONPATH");
        if (httpsEndpoint is not null)
            start.Environment["GATEHOUSE_HTTPS_ENDPOINT"] = httpsEndpoint;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"scenario {scenario} timed out after {timeout}\n{Text(output)}");
        }

        process.WaitForExit(); // drain the asynchronous readers
        return (process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
            return output.ToString();
    }

    private static string? ProbeBotocore()
    {
        if (!File.Exists(Python))
            return null;
        try
        {
            var start = new ProcessStartInfo(Python, ["-c", "import botocore; print(botocore.__version__)"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment.Remove("PYTHONPATH");
            using var process = Process.Start(start)!;
            var version = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit(30_000);
            return process.ExitCode == 0 && version.Length > 0 ? version : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^def scenario_(\w+)\(", RegexOptions.Multiline)]
    private static partial Regex ScenarioDefinition();
}

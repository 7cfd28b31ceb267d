namespace Gatehouse.QueryProtocol.Tests;

/// <summary>A theory that is skipped, with the reason, when the Query-protocol client is not installed.</summary>
public sealed class QueryClientTheoryAttribute : TheoryAttribute
{
    public QueryClientTheoryAttribute()
    {
        if (!QueryClient.IsAvailable)
            Skip = QueryClient.SkipReason;
    }
}

/// <summary>
/// The Query-protocol conformance suite: each Python scenario under <c>scenarios/</c> drives the server through
/// botocore 1.29 (and hand-built Query requests for wire-level checks) and asserts AWS's exact answers.
/// </summary>
public sealed class QueryScenarioTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(3);

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var name in QueryClient.ScenarioNames().Distinct(StringComparer.Ordinal))
            data.Add(name);
        return data;
    }

    [QueryClientTheory]
    [MemberData(nameof(Scenarios))]
    public void Scenario(string name)
    {
        var (exitCode, output) = QueryClient.RunScenario(server.Endpoint, name, ScenarioTimeout, server.HttpsEndpoint);
        Assert.True(server.IsRunning, $"the server died during scenario {name}:\n{output}\n--- server log ---\n{server.ServerLog}");
        Assert.True(exitCode == 0, $"scenario {name} failed (exit {exitCode}):\n{output}");
    }

    [Fact]
    public void Catalogue_has_a_scenario_per_area()
    {
        var names = QueryClient.ScenarioNames();
        Assert.True(names.Count >= 50, $"only {names.Count} scenarios found in {QueryClient.ScenarioDirectory}");
        var duplicates = names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
    }
}

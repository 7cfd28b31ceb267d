namespace Gatehouse.Server.Tests;

/// <summary>Checks on the documentation a new user follows.</summary>
public sealed class DocsTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gatehouse.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static IEnumerable<(string File, string Text)> MarkdownFiles() =>
        Directory.GetFiles(RepoRoot(), "*.md", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(RepoRoot(), f), File.ReadAllText(f)));

    [Fact]
    public void Every_page_that_recommends_AWS_ENDPOINT_URL_says_which_CLI_versions_ignore_it()
    {
        foreach (var (file, text) in MarkdownFiles().Where(f => f.Text.Contains("export AWS_ENDPOINT_URL", StringComparison.Ordinal)))
        {
            Assert.True(text.Contains("before 2.13", StringComparison.Ordinal) && text.Contains("v1", StringComparison.Ordinal),
                $"{file} recommends AWS_ENDPOINT_URL without saying that AWS CLI v2 before 2.13 and v1 (for sqs) ignore it");
        }
    }

    [Fact]
    public void The_readme_starts_with_the_zero_setup_command_and_says_how_to_install_gatehouse()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var firstCommand = readme.Split('\n').First(l => l.StartsWith("dotnet ", StringComparison.Ordinal));
        Assert.StartsWith("dotnet run --project src/Gatehouse.Server", firstCommand, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install", readme, StringComparison.Ordinal);
        Assert.Contains("scripts/publish", readme, StringComparison.Ordinal);
    }
}

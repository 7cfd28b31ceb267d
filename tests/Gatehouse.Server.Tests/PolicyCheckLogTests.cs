using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.SQS;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests;

/// <summary>The policy checks warn in the server log when a policy with a finding is stored, and the store succeeds.</summary>
public sealed class PolicyCheckLogTests
{
    private sealed class Capture : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel} {formatter(state, exception)}");

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Storing_an_open_queue_policy_logs_a_warning_and_a_conditioned_one_does_not()
    {
        var capture = new Capture();
        await using var app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true }, TimeProvider.System,
            configureServices: s => s.AddSingleton<ILoggerProvider>(capture));
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1" });
        var url = (await sqs.CreateQueueAsync("checked")).QueueUrl;
        const string arn = "arn:aws:sqs:us-east-1:000000000000:checked";

        await sqs.SetQueueAttributesAsync(url, new Dictionary<string, string>
        {
            ["Policy"] = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sqs:SendMessage","Resource":"{{arn}}"}]}""",
        });
        Assert.DoesNotContain(capture.Lines, l => l.Contains("Policy check", StringComparison.Ordinal));

        await sqs.SetQueueAttributesAsync(url, new Dictionary<string, string>
        {
            ["Policy"] = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{{arn}}"}]}""",
        });
        var line = Assert.Single(capture.Lines, l => l.Contains("Policy check", StringComparison.Ordinal));
        Assert.StartsWith("Warning", line, StringComparison.Ordinal);
        Assert.Contains("PublicAllow at $.Statement[0].Principal", line, StringComparison.Ordinal);
        Assert.Contains("Principal", (await sqs.GetQueueAttributesAsync(url, ["Policy"])).Policy, StringComparison.Ordinal);
        await app.StopAsync();
    }
}

using System.Diagnostics;
using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests;

/// <summary>The <c>gatehouse</c> command as a user runs it: the built executable, its stderr and exit code
/// (README, "Command line" and "Exit codes").</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gatehouse-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Help_lists_the_options_with_their_environment_variables_and_exits_0()
    {
        var (code, stdout, _) = await ServerProcess.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("--port <port>", stdout, StringComparison.Ordinal);
        Assert.Contains("GATEHOUSE_PORT", stdout, StringComparison.Ordinal);
        Assert.Contains("serve", stdout, StringComparison.Ordinal);
        Assert.Contains("--any-access-key", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        var (code, stdout, _) = await ServerProcess.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Equal(Pipeline.RequestPipeline.Version, stdout.Trim());
    }

    [Theory]
    [InlineData(new[] { "--prot", "4619" }, "unknown option '--prot'; did you mean '--port'?")]
    [InlineData(new[] { "serve", "--in-memroy" }, "unknown option '--in-memroy'; did you mean '--in-memory'?")]
    [InlineData(new[] { "--port", "abc" }, "--port must be a port number from 0 to 65535 (got 'abc')")]
    [InlineData(new[] { "--port", "70000" }, "--port must be a port number from 0 to 65535 (got '70000')")]
    [InlineData(new[] { "--enforcement", "bogus" }, "--enforcement must be on, soft or off (got 'bogus')")]
    [InlineData(new[] { "--bind", "localhost:1" }, "--bind must be an IP address")]
    [InlineData(new[] { "--any-access-key" }, "--any-access-key accepts unsigned guesses as root")]
    [InlineData(new[] { "--store", "mysql://db/gatehouse" }, "--store must be sqlite, a postgres://user:password@host:port/database URL or an Npgsql connection string")]
    [InlineData(new[] { "--store", "postgres://u:p@db:5432/gatehouse" }, "--in-memory and --store postgres://… exclude each other")]
    [InlineData(new[] { "--store", "postgres://" }, "--store: The PostgreSQL URL cannot be read; expected postgres://user:password@host:port/database.")]
    public async Task A_mistake_on_the_command_line_is_one_line_on_stderr_and_exit_code_2(string[] args, string message)
    {
        var (code, stdout, stderr) = await ServerProcess.RunAsync([.. args, "--in-memory"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("gatehouse: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_environment_variable_with_a_bad_value_names_the_variable()
    {
        var psi = ServerProcess.StartInfo(["--in-memory"]);
        psi.Environment["GATEHOUSE_PORT"] = "abc";
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(ExitCodes.Usage, process.ExitCode);
        Assert.Equal("gatehouse: GATEHOUSE_PORT must be a port number from 0 to 65535 (got 'abc')", stderr.Trim());
    }

    [Fact]
    public async Task The_sweep_interval_knob_refuses_a_value_it_cannot_use()
    {
        // GATEHOUSE_SWEEP_INTERVAL: a test and tuning knob read from the environment only (docs/postgres.md, "Leases").
        var psi = ServerProcess.StartInfo(["--in-memory"]);
        psi.Environment["GATEHOUSE_SWEEP_INTERVAL"] = "0";
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(ExitCodes.Usage, process.ExitCode);
        Assert.Equal("gatehouse: GATEHOUSE_SWEEP_INTERVAL must be a number of seconds from 0.1 to 3600 (got '0')", stderr.Trim());
    }

    [Fact]
    public async Task A_postgres_store_needs_the_shared_server_key_and_an_unreachable_database_is_one_line_and_exit_code_7()
    {
        var (code, _, stderr) = await ServerProcess.RunAsync("--port", "0", "--store", "postgres://gh:secret-pw@127.0.0.1:1/gatehouse");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("every node must be given the same server key: set --server-key or GATEHOUSE_SERVER_KEY", stderr, StringComparison.Ordinal);

        var psi = ServerProcess.StartInfo(["--port", "0", "--data-dir", _dir]);
        psi.Environment["GATEHOUSE_STORE"] = "Host=127.0.0.1;Port=1;Username=gh;Password=secret-pw;Database=gatehouse;Timeout=3";
        psi.Environment["GATEHOUSE_SERVER_KEY"] = Convert.ToBase64String(new byte[32]);
        using var process = Process.Start(psi)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(ExitCodes.Database, process.ExitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("gatehouse: cannot use the database postgres://127.0.0.1:1/gatehouse: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_world_file_is_one_line_and_exit_code_3()
    {
        var (code, _, stderr) = await ServerProcess.RunAsync("--in-memory", "--port", "0", "--world", Path.Combine(_dir, "missing.json"));
        Assert.Equal(ExitCodes.Configuration, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("missing.json", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_and_a_data_directory_already_owned_are_one_line_each_with_their_exit_codes()
    {
        using var first = await ServerProcess.StartAsync(_dir);
        var port = new Uri(first.Endpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, _, stderr) = await ServerProcess.RunAsync("--in-memory", "--port", port);
        Assert.Equal(ExitCodes.Listen, code);
        Assert.Equal($"gatehouse: cannot listen on 127.0.0.1 port {port}: the address is already in use (another server? choose another with --port)", stderr.Trim());

        (code, _, stderr) = await ServerProcess.RunAsync("--data-dir", _dir, "--port", "0");
        Assert.Equal(ExitCodes.DataDirectory, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("is in use by another process", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_banner_lists_every_listener_with_its_real_port_and_the_advertised_url()
    {
        using var server = await ServerProcess.StartAsync(_dir, null, "--https-port", "0", "--advertised-url", "http://sqs.test:9324");
        // The banner's last line of these: the output up to it holds the others.
        var output = await server.WaitForOutputAsync("secrets encrypted at rest with the server key", TimeSpan.FromSeconds(15));
        Assert.DoesNotContain(":0 and", output, StringComparison.Ordinal);
        Assert.DoesNotContain(":0;", output, StringComparison.Ordinal);
        Assert.Matches(@"listening on http://127\.0\.0\.1:[1-9][0-9]* and https://127\.0\.0\.1:[1-9][0-9]*;", output);
        Assert.Contains("Queue URLs use http://sqs.test:9324", output, StringComparison.Ordinal);
        Assert.Contains("server key from ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("server key from generated", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_ends_open_long_polls_at_once_with_no_messages_and_logs_the_shutdown()
    {
        using var server = await ServerProcess.StartAsync(_dir);
        using var sqs = server.Client();
        var url = (await sqs.CreateQueueAsync("waiting")).QueueUrl;
        var poll = sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, WaitTimeSeconds = 20 });
        await Task.Delay(500);
        var clock = Stopwatch.StartNew();
        await server.TerminateAsync(TimeSpan.FromSeconds(10));
        var answer = await poll;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"shutdown took {clock.Elapsed}");
        Assert.Empty(answer.Messages ?? []);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("Stopping: 1 open long poll(s) answered with no messages", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_and_peek_commands_print_depths_and_messages_of_a_running_server()
    {
        using var server = await ServerProcess.StartAsync(_dir);
        using var sqs = server.Client();
        var url = (await sqs.CreateQueueAsync("orders")).QueueUrl;
        await sqs.SendMessageAsync(new Amazon.SQS.Model.SendMessageRequest(url, "{\"id\":1}")
        {
            MessageAttributes = new()
            {
                ["tenant"] = new() { DataType = "String", StringValue = "acme" },
                ["blob"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([1, 2, 3]) },
            },
        });

        var (code, stdout, stderr) = await ServerProcess.RunAsync("queues", "--endpoint", server.Endpoint);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"000000000000 +us-east-1 +orders +1 +0 +0", stdout);

        (code, stdout, stderr) = await ServerProcess.RunAsync("peek", "orders", "--endpoint", server.Endpoint);
        Assert.True(code == 0, stderr);
        Assert.Contains("orders (000000000000, us-east-1): 1 visible, 0 in flight, 0 delayed", stdout, StringComparison.Ordinal);
        Assert.Contains("visible   sent", stdout, StringComparison.Ordinal);
        Assert.Contains("{\"id\":1}", stdout, StringComparison.Ordinal);
        Assert.Contains("    tenant (String): acme", stdout, StringComparison.Ordinal);
        Assert.Contains("    blob (Binary): (base64) AQID", stdout, StringComparison.Ordinal);

        (code, _, stderr) = await ServerProcess.RunAsync("peek", "missing", "--endpoint", server.Endpoint);
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("No queue missing", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_command_without_a_server_is_one_line_and_exit_code_6()
    {
        var (code, _, stderr) = await ServerProcess.RunAsync("queues", "--endpoint", $"http://127.0.0.1:{ServerProcess.FreePort()}");
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.StartsWith("gatehouse: cannot reach", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_s3_call_against_gatehouse_gets_an_error_botocore_shows_with_its_code_and_message()
    {
        // aws s3 ls is botocore's ListBuckets; the README's test prerequisites include python3-boto3.
        using var server = await ServerProcess.StartAsync(_dir);
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($$"""
            import boto3, botocore
            s3 = boto3.client("s3", endpoint_url="{{server.Endpoint}}", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
            try:
                s3.list_buckets()
                print("no error")
            except botocore.exceptions.ClientError as e:
                print(e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"])
            """);
        using var python = Process.Start(psi)!;
        var output = await python.StandardOutput.ReadToEndAsync();
        var errors = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, errors);
        Assert.StartsWith("UnknownService: Gatehouse does not serve the s3 API; it serves ec2, iam, kms, organizations, sqs, sts.", output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_logs_are_one_json_object_per_line()
    {
        using var server = await ServerProcess.StartAsync(_dir, null, "--log-format", "json");
        var banner = (await server.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(15))).Split('\n').First(l => l.Contains("listening on", StringComparison.Ordinal));
        using var doc = System.Text.Json.JsonDocument.Parse(banner);
        Assert.Equal("Gatehouse", doc.RootElement.GetProperty("Category").GetString());
        Assert.Equal("Information", doc.RootElement.GetProperty("LogLevel").GetString());
    }
}

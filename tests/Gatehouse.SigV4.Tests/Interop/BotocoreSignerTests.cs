using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gatehouse.SigV4.Tests.Interop;

/// <summary>
/// Requests signed by botocore (the AWS CLI's and boto3's signer) through python3 must verify. Skipped only
/// when python3 with botocore is not on the machine.
/// </summary>
public sealed class BotocoreSignerTests
{
    private const string Key = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string Timestamp = "20260314T150926Z";
    private static readonly Lazy<bool> Available = new(() => Run("import botocore", "") is not null);

    private static string? Run(string? code, string stdin)
    {
        try
        {
            var script = Path.Combine(AppContext.BaseDirectory, "Interop", "botocore_sign.py");
            var start = new ProcessStartInfo("python3")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (code is null)
                start.ArgumentList.Add(script);
            else
            {
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(code);
            }
            using var process = Process.Start(start)!;
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit(30_000);
            if (process.ExitCode != 0)
                return code is null ? throw new InvalidOperationException("botocore_sign.py failed: " + error) : null;
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // python3 is not installed
        }
    }

    private static SigV4Result SignWithBotocoreAndVerify(
        string method, string url, string body, (string, string)[] headers, string service = "sqs",
        string? token = null, bool presign = false, string region = "us-east-1")
    {
        var spec = new JsonObject
        {
            ["method"] = method,
            ["url"] = url,
            ["body"] = body,
            ["headers"] = new JsonArray(headers.Select(h => (JsonNode)new JsonArray(h.Item1, h.Item2)).ToArray()),
            ["accessKey"] = Key,
            ["secretKey"] = Secret,
            ["token"] = token,
            ["region"] = region,
            ["service"] = service,
            ["timestamp"] = Timestamp,
            ["presign"] = presign,
        };
        using var signed = JsonDocument.Parse(Run(null, spec.ToJsonString())!);
        var signedUrl = new Uri(signed.RootElement.GetProperty("url").GetString()!);
        var sigHeaders = new SigV4Headers();
        foreach (var header in signed.RootElement.GetProperty("headers").EnumerateArray())
            sigHeaders.Add(header[0].GetString()!, header[1].GetString()!);
        if (sigHeaders.GetValues("Host") is null)
            sigHeaders.Add("Host", signedUrl.Authority);
        var request = new SigV4Request
        {
            Method = method,
            RawPath = signedUrl.AbsolutePath,
            RawQuery = signedUrl.Query.TrimStart('?'),
            Headers = sigHeaders,
            Body = Encoding.UTF8.GetBytes(body),
        };
        var now = TestSupport.ParseAmzDate(Timestamp).AddSeconds(42);
        return new SigV4Verifier().Verify(request, now, id => id == Key ? new SigV4Credential(Secret, null, token) : null, service);
    }

    [Fact]
    public void Query_protocol_post_verifies()
    {
        if (!Available.Value)
            return;
        var result = SignWithBotocoreAndVerify("POST", "https://sqs.us-east-1.amazonaws.com/",
            "Action=SendMessage&MessageBody=hello+w%C3%B6rld%21&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F000000000000%2Fq1&Version=2012-11-05",
            [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]);
        Assert.True(result.IsAuthenticated, result.ToString());
    }

    [Fact]
    public void Json_protocol_post_verifies()
    {
        if (!Available.Value)
            return;
        var result = SignWithBotocoreAndVerify("POST", "https://sqs.eu-west-1.amazonaws.com/",
            """{"QueueName":"orders","Attributes":{"VisibilityTimeout":"40"}}""",
            [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.CreateQueue"), ("x-amzn-query-mode", "true")],
            region: "eu-west-1");
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal("eu-west-1", result.Identity.Region);
    }

    [Fact]
    public void Queue_path_with_encoded_characters_verifies()
    {
        if (!Available.Value)
            return;
        var result = SignWithBotocoreAndVerify("GET",
            "https://sqs.us-east-1.amazonaws.com/000000000000/my%20queue?Action=ReceiveMessage&MaxNumberOfMessages=10&Version=2012-11-05",
            "", []);
        Assert.True(result.IsAuthenticated, result.ToString());
    }

    [Fact]
    public void Session_token_verifies()
    {
        if (!Available.Value)
            return;
        var result = SignWithBotocoreAndVerify("POST", "https://sts.amazonaws.com/", "Action=GetCallerIdentity&Version=2011-06-15",
            [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], "sts", token: "FQoGZXIvYXdzEXAMPLE/+token==");
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.Equal("FQoGZXIvYXdzEXAMPLE/+token==", result.Identity.SessionToken);
    }

    [Fact]
    public void Presigned_url_verifies()
    {
        if (!Available.Value)
            return;
        var result = SignWithBotocoreAndVerify("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", "", [],
            "sts", token: "FQoGZXIvYXdzEXAMPLE/+token==", presign: true);
        Assert.True(result.IsAuthenticated, result.ToString());
        Assert.True(result.Identity.IsPresigned);
    }
}

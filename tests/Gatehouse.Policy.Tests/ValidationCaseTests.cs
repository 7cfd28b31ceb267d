using System.Text.Json.Nodes;
using Xunit;

namespace Gatehouse.Policy.Tests;

/// <summary>Runner for validation cases: a case with "kind" parses a policy and checks problems and each API's error.</summary>
public class ValidationCaseTests
{
    public static IEnumerable<object[]> Cases => CaseCorpus.Ids("parse");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string id)
    {
        var c = CaseCorpus.Get(id);
        Assert.False(string.IsNullOrWhiteSpace((string?)c["source"]), "every case names the AWS document it follows");
        var kind = Enum.Parse<PolicyKind>((string)c["kind"]!);
        var text = CaseCorpus.Text(c["policy"]!);
        var result = PolicyDocument.Parse(text, kind, new PolicyParseOptions { ResourceAccountId = (string?)c["resourceAccount"] });
        var expect = c["expect"]!.AsObject();
        var because = $"{id}: problems: {string.Join("; ", result.Problems)}";
        Assert.True((bool)expect["valid"]! == result.IsValid, because);
        if (expect["problems"] is JsonArray codes)
        {
            foreach (var code in codes)
                Assert.True(result.Problems.Any(p => p.Code.ToString() == (string)code!), $"{because}\nexpected {code}");
        }
        if (expect["path"] is { } path)
            Assert.True(result.Problems.Any(p => p.Path == (string)path!), $"{because}\nexpected path {path}");
        Check(expect["iam"], PolicyErrors.ForIam(result.Problems, kind), because);
        Check(expect["sqs"], PolicyErrors.ForSqs(result.Problems), because);
        Check(expect["kms"], PolicyErrors.ForKms(result.Problems), because);
        Check(expect["organizations"], PolicyErrors.ForOrganizations(result.Problems), because);
        if (expect["stored"] is { } stored)
            Assert.Equal((string)stored!, PolicyDocument.WithDefaultQueuePolicyVersion(text));
    }

    private static void Check(JsonNode? expected, PolicyApiError? actual, string because)
    {
        if (expected is null)
            return;
        Assert.True(actual is not null, because);
        Assert.Equal((string)expected["code"]!, actual!.Code);
        if (expected["message"] is { } m)
            Assert.Equal((string)m!, actual.Message);
    }
}

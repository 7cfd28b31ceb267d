namespace Gatehouse.Policy;

/// <summary>
/// A validated, compiled policy document. Create with <see cref="Parse"/>; store it and reuse it for every
/// request (compilation happens once, here). Immutable and thread-safe.
/// </summary>
public sealed partial class PolicyDocument
{
    public const string Version2008 = "2008-10-17";
    public const string Version2012 = "2012-10-17";

    private PolicyDocument(PolicyKind kind, string? name, string? version, string? id, IReadOnlyList<PolicyStatement> statements, bool statementIsArray)
    {
        Kind = kind;
        Name = name;
        Version = version;
        Id = id;
        Statements = statements;
        StatementIsArray = statementIsArray;
        // IAM User Guide, "IAM JSON policy elements: Version": policy variables are substituted only under 2012-10-17.
        var variables = version == Version2012;
        Compiled = statements.Select((s, i) => new CompiledStatement(this, s, i, variables)).ToArray();
    }

    public PolicyKind Kind { get; }

    /// <summary>The name given in <see cref="PolicyParseOptions.Name"/> (shown in traces).</summary>
    public string? Name { get; }

    /// <summary>The Version as written; null when absent (AWS then applies 2008-10-17 rules).</summary>
    public string? Version { get; }

    public string? Id { get; }

    public IReadOnlyList<PolicyStatement> Statements { get; }

    internal bool StatementIsArray { get; }

    internal CompiledStatement[] Compiled { get; }

    /// <summary>Parses, validates (collecting every problem with its JSON path) and compiles.</summary>
    public static PolicyParseResult Parse(string json, PolicyKind kind, PolicyParseOptions? options = null)
    {
        options ??= new PolicyParseOptions();
        var problems = new List<PolicyProblem>();
        var (limit, unit) = PolicyLimits.For(kind);
        limit = options.MaxSize ?? limit;
        var size = PolicyLimits.Measure(json, unit);
        if (size > limit)
            problems.Add(new(PolicyProblemCode.PolicyTooLarge, "$", $"the policy is {size} {unit} long; the limit is {limit}", size));
        CheckCharacters(json, kind, problems);

        var parser = new PolicyParser(problems);
        if (parser.Parse(json))
            PolicyValidator.Validate(kind, parser, options, problems);
        if (problems.Count > 0)
            return new PolicyParseResult(null, problems);
        var doc = new PolicyDocument(kind, options.Name, parser.Version, parser.Id, parser.Statements, parser.StatementIsArray);
        return new PolicyParseResult(doc, problems);
    }

    /// <summary>Parses a document known to be valid (tests, built-in policies); throws when it is not.</summary>
    public static PolicyDocument ParseValid(string json, PolicyKind kind, string? name = null)
    {
        var r = Parse(json, kind, new PolicyParseOptions { Name = name });
        return r.Document ?? throw new ArgumentException("invalid policy: " + string.Join("; ", r.Problems), nameof(json));
    }

    // IAM User Guide, "IAM and AWS STS quotas": IAM documents allow TAB, LF, CR and U+0020–U+00FF; KMS Developer Guide: KMS key policies the same range.
    private static void CheckCharacters(string json, PolicyKind kind, List<PolicyProblem> problems)
    {
        if (kind is PolicyKind.QueuePolicy or PolicyKind.ServiceControlPolicy or PolicyKind.ResourceControlPolicy or PolicyKind.VpcEndpointPolicy)
            return;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (c is not ('\t' or '\n' or '\r') && (c < '\u0020' || c > '\u00FF'))
            {
                problems.Add(new(PolicyProblemCode.InvalidCharacter, "$", $"character U+{(int)c:X4} at offset {i} is not allowed"));
                return;
            }
        }
    }

    /// <summary>SQS stores a queue policy without Version with <c>"Version":"2008-10-17"</c> added, keeping the
    /// rest of the caller's text (reported in terraform-provider-aws issue #29497).</summary>
    public static string WithDefaultQueuePolicyVersion(string json)
    {
        var r = Parse(json, PolicyKind.QueuePolicy);
        if (r.Document is null || r.Document.Version is not null)
            return json;
        var brace = json.IndexOf('{', StringComparison.Ordinal);
        return json[..(brace + 1)] + "\"Version\":\"" + Version2008 + "\"," + json[(brace + 1)..];
    }

    public override string ToString() => ToJson();
}

namespace Gatehouse.Services.Iam;

/// <summary>
/// The AWS managed policies users reach for, with AWS's documents (AWS Managed Policy reference). They live in the
/// pseudo-account <c>aws</c> (<c>arn:aws:iam::aws:policy/…</c>), can be attached and used as boundaries, and cannot
/// be changed. <c>ReadOnlyAccess</c> is a faithful subset: its SQS, IAM, STS and KMS statements only.
/// </summary>
public static class AwsManagedPolicies
{
    public static IReadOnlyList<(string Name, string Description, string Version, string Document)> All { get; } =
    [
        ("AdministratorAccess", "Provides full access to AWS services and resources.", "v1", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}
            """),
        ("AmazonSQSFullAccess", "Provides full access to Amazon SQS via the AWS Management Console.", "v3", """
            {"Version":"2012-10-17","Statement":[{"Sid":"SQSFullAccess","Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]}
            """),
        ("AmazonSQSReadOnlyAccess", "Provides read only access to Amazon SQS via the AWS Management Console.", "v4", """
            {"Version":"2012-10-17","Statement":[{"Sid":"AmazonSQSReadOnlyAccess","Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ListDeadLetterSourceQueues","sqs:ListQueues","sqs:ListMessageMoveTasks","sqs:ListQueueTags"],"Resource":"*"}]}
            """),
        ("PowerUserAccess", "Provides full access to AWS services and resources, but does not allow management of Users and groups.", "v12", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["account:GetAccountInformation","account:GetGovCloudAccountInformation","account:GetPrimaryEmail","account:ListRegions","iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeEffectivePolicy","organizations:DescribeOrganization"],"Resource":"*"}]}
            """),
        ("ReadOnlyAccess", "Provides read-only access to AWS services and resources.", "v1", """
            {"Version":"2012-10-17","Statement":[{"Sid":"ReadOnlyActions","Effect":"Allow","Action":["iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","kms:Describe*","kms:Get*","kms:List*","sqs:Get*","sqs:List*","sts:GetAccessKeyInfo","sts:GetCallerIdentity","sts:GetSessionToken"],"Resource":"*"}]}
            """),
    ];

    /// <summary>The built-in policies as entities, created once (2015-02-06, as AWS dates them).</summary>
    internal static IReadOnlyList<IamManagedPolicy> Entities { get; } = Build();

    private static List<IamManagedPolicy> Build()
    {
        var created = new DateTimeOffset(2015, 2, 6, 18, 39, 46, TimeSpan.Zero);
        return [.. All.Select(p => new IamManagedPolicy
        {
            Account = "aws",
            Name = p.Name,
            Path = "/",
            Id = "ANPA" + StableSuffix(p.Name),
            Description = p.Description,
            CreateDate = created,
            UpdateDate = created,
            DefaultVersionId = p.Version,
            Versions = [new IamPolicyVersion { VersionId = p.Version, Document = p.Document.Trim(), CreateDate = created }],
        })];
    }

    /// <summary>A fixed 17-character id per policy so AWS managed policy ids do not change between runs.</summary>
    private static string StableSuffix(string name)
    {
        const string base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        return string.Concat(hash.Take(17).Select(b => base32[b % 32]));
    }
}

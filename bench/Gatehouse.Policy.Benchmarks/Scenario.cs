namespace Gatehouse.Policy.Benchmarks;

/// <summary>The benchmark request: a role session sending to a queue in its own account, through an SCP'd
/// member account, with two identity policies (12 statements), a queue policy (6) and an SCP (2).</summary>
internal static class Scenario
{
    private const string Account = "111111111111";
    private const string Queue = "arn:aws:sqs:us-east-1:111111111111:orders";

    internal static AuthorizationRequest Request(string action)
    {
        var principal = RequestPrincipal.AssumedRole($"arn:aws:iam::{Account}:role/app/OrderService", "i-0abc", "AROAEXAMPLEROLEID123")
            .WithTags(new Dictionary<string, string> { ["team"] = "orders", ["env"] = "prod" });
        var context = new RequestContext()
            .SetTime(new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero))
            .Set("aws:SourceIp", "10.1.2.3")
            .Set("aws:SecureTransport", true)
            .Set("aws:RequestedRegion", "us-east-1")
            .Set("aws:PrincipalOrgID", "o-abc123")
            .Set("aws:ResourceTag/team", "orders")
            .Set("aws:UserAgent", "aws-sdk-dotnet/4.0");
        return new AuthorizationRequest(principal, action, Queue, Account, context);
    }

    internal static PolicySet Policies() => new()
    {
        IdentityPolicies =
        [
            Parse(PolicyKind.Identity, """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"S3Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::orders-bucket","arn:aws:s3:::orders-bucket/*"]},
              {"Sid":"Dynamo","Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:111111111111:table/orders"},
              {"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"},
              {"Sid":"KmsUse","Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"arn:aws:kms:us-east-1:111111111111:key/*",
               "Condition":{"StringEquals":{"kms:ViaService":"sqs.us-east-1.amazonaws.com"}}},
              {"Sid":"SqsTeam","Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"arn:aws:sqs:us-east-1:111111111111:*",
               "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"},"Bool":{"aws:SecureTransport":"true"}}},
              {"Sid":"DenyOutsideNet","Effect":"Deny","Action":"sqs:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}},
              {"Sid":"DenyOldTls","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
              {"Sid":"Xray","Effect":"Allow","Action":["xray:PutTraceSegments"],"Resource":"*"}
            ]}
            """),
            Parse(PolicyKind.Identity, """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Cw","Effect":"Allow","Action":"cloudwatch:PutMetricData","Resource":"*","Condition":{"StringEquals":{"cloudwatch:namespace":"Orders"}}},
              {"Sid":"Ssm","Effect":"Allow","Action":["ssm:GetParameter*"],"Resource":"arn:aws:ssm:us-east-1:111111111111:parameter/orders/*"},
              {"Sid":"Secrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:111111111111:secret:orders-*"},
              {"Sid":"Region","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}
            ]}
            """),
        ],
        ResourcePolicy = Parse(PolicyKind.QueuePolicy, """
        {"Version":"2012-10-17","Id":"orders-policy","Statement":[
          {"Sid":"Producers","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/Producer"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111111111111:orders"},
          {"Sid":"Sns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111111111111:orders",
           "Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:orders-topic"}}},
          {"Sid":"Consumers","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"arn:aws:sqs:us-east-1:111111111111:orders"},
          {"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:111111111111:orders",
           "Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"},"Bool":{"aws:PrincipalIsAWSService":"false"}}},
          {"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:111111111111:orders","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
          {"Sid":"NoPurge","Effect":"Deny","Principal":"*","Action":"sqs:PurgeQueue","Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/admin/*"}}}
        ]}
        """),
        ServiceControlPolicies =
        [
            new PolicyLevel("r-root", [Parse(PolicyKind.ServiceControlPolicy, """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"},
              {"Sid":"NoLeaveOrg","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}
            ]}
            """)]),
        ],
    };

    private static PolicyDocument Parse(PolicyKind kind, string json) => PolicyDocument.ParseValid(json, kind);
}

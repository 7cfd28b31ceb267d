"""Organizations through botocore 1.29 (its Organizations client speaks AWS JSON 1.1) with SQS over the Query
protocol: a member account made with CreateAccount, reached through OrganizationAccountAccessRole, refused by an
SCP with AWS's text, and granted a queue by aws:PrincipalOrgID."""

import json
import time

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from sqslib import REGION, check, eq


def _client(ctx, service, key="test", secret="test", token=None):
    return botocore.session.get_session().create_client(
        service, endpoint_url=ctx.endpoint, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token, config=Config(retries={"max_attempts": 1}))


def _member(ctx):
    """The organization (created if missing, SCPs enabled), a new member account and an admin session in it."""
    org = _client(ctx, "organizations")
    try:
        org.describe_organization()
    except ClientError:
        org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]
    if "SERVICE_CONTROL_POLICY" not in [p["Type"] for p in root.get("PolicyTypes", [])]:
        org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    status = org.create_account(Email="member-%s@example.com" % ctx.suffix, AccountName="member")["CreateAccountStatus"]
    while status["State"] == "IN_PROGRESS":
        time.sleep(0.2)
        status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    eq(status["State"], "SUCCEEDED", "CreateAccount state")
    iam = _client(ctx, "iam")
    admin = "org-admin-" + ctx.suffix
    iam.create_user(UserName=admin)
    iam.attach_user_policy(UserName=admin, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName=admin)["AccessKey"]
    creds = _client(ctx, "sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % status["AccountId"],
        RoleSessionName="query")["Credentials"]
    session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    return org, status["AccountId"], session


def scenario_organizations_scp_denial_and_principal_org_id(ctx):
    org, account, session = _member(ctx)
    org_id = org.describe_organization()["Organization"]["Id"]
    member_sqs = _client(ctx, "sqs", *session)
    name = ctx.name("scp")
    url = member_sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = "arn:aws:sqs:%s:%s:%s" % (REGION, account, name)
    member_sqs.send_message(QueueUrl=url, MessageBody="before")

    policy = org.create_policy(Name="deny-" + ctx.suffix, Description="", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": arn}]}))
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=account)
    ctx.expect_error(member_sqs.send_message, "AccessDenied", 403,
                     "User: arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/query is not authorized to perform: "
                     "sqs:sendmessage on resource: %s with an explicit deny in a service control policy" % (account, arn),
                     QueueUrl=url, MessageBody="x")

    # A management-account queue shared with the whole organization: the member's role may send, a stranger may not.
    shared = ctx.create("orgwide")
    shared_arn = ctx.arn(shared)
    ctx.sqs.set_queue_attributes(QueueUrl=shared, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": shared_arn,
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}}}]})})
    member_sqs.send_message(QueueUrl=shared, MessageBody="from the organization")
    got = ctx.sqs.receive_message(QueueUrl=shared, WaitTimeSeconds=1)["Messages"]
    check(got and got[0]["Body"] == "from the organization", "the member's message arrived")

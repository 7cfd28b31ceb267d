"""Enforcement through a real Query-protocol client: identities made with botocore 1.29's IAM client, SQS calls
signed with their keys, AWS's AccessDenied code, status and message checked on the wire."""

import json

import botocore.session
from botocore.config import Config

from sqslib import ACCOUNT, REGION, check, eq


def _client(ctx, service, key_id, secret):
    return botocore.session.get_session().create_client(
        service, endpoint_url=ctx.endpoint, region_name=REGION,
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}))


def _user(ctx, label, policy=None, boundary=None):
    """A new IAM user with an access key (and an inline policy / permissions boundary); returns (name, sqs client)."""
    iam = _client(ctx, "iam", "test", "test")
    name = ("%s-%s" % (label, ctx.suffix))[:64]
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    if boundary is not None:
        arn = iam.create_policy(PolicyName="boundary-" + name, PolicyDocument=json.dumps(boundary))["Policy"]["Arn"]
        iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, _client(ctx, "sqs", key["AccessKeyId"], key["SecretAccessKey"])


def _allow(actions, resource="*"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}


def _denied(ctx, call, user, action, arn, reason, **kwargs):
    ctx.expect_error(call, "AccessDenied", 403,
                     "User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: %s %s"
                     % (ACCOUNT, user, action, arn, reason), **kwargs)


def scenario_enforcement_identity_policy(ctx):
    url = ctx.create("idp")
    arn = ctx.arn(url)
    user, sqs = _user(ctx, "nobody")
    _denied(ctx, sqs.send_message, user, "sqs:sendmessage", arn,
            "because no identity-based policy allows the sqs:sendmessage action", QueueUrl=url, MessageBody="x")
    # Batch calls are authorized as their single action.
    _denied(ctx, sqs.send_message_batch, user, "sqs:sendmessage", arn,
            "because no identity-based policy allows the sqs:sendmessage action",
            QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    sender, sender_sqs = _user(ctx, "sender", _allow("sqs:SendMessage"))
    sender_sqs.send_message(QueueUrl=url, MessageBody="from sender")
    got = ctx.sqs.receive_message(QueueUrl=url, AttributeNames=["SenderId"], WaitTimeSeconds=1)["Messages"][0]
    user_id = _client(ctx, "iam", "test", "test").get_user(UserName=sender)["User"]["UserId"]
    eq(got["Attributes"]["SenderId"], user_id, "SenderId is the sending user's unique id")


def scenario_enforcement_explicit_deny_and_queue_policy(ctx):
    url = ctx.create("deny")
    arn = ctx.arn(url)
    user, sqs = _user(ctx, "denied", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": arn}]})
    _denied(ctx, sqs.send_message, user, "sqs:sendmessage", arn,
            "with an explicit deny in an identity-based policy", QueueUrl=url, MessageBody="x")
    # A queue policy alone grants a same-account user.
    granted = ctx.create("grant")
    grant_arn = ctx.arn(granted)
    guest, guest_sqs = _user(ctx, "guest")
    ctx.sqs.set_queue_attributes(QueueUrl=granted, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/%s" % (ACCOUNT, guest)},
                                                "Action": "sqs:SendMessage", "Resource": grant_arn}]})})
    guest_sqs.send_message(QueueUrl=granted, MessageBody="ok")


def scenario_enforcement_boundary_and_listqueues(ctx):
    url = ctx.create("bnd")
    arn = ctx.arn(url)
    user, sqs = _user(ctx, "bounded", _allow("sqs:*"), _allow(["sqs:ReceiveMessage", "sqs:ListQueues"]))
    _denied(ctx, sqs.send_message, user, "sqs:sendmessage", arn,
            "because no permissions boundary allows the sqs:sendmessage action", QueueUrl=url, MessageBody="x")
    sqs.receive_message(QueueUrl=url)
    sqs.list_queues()
    # ListQueues cannot be granted on one queue: the resource has no queue name.
    narrow, narrow_sqs = _user(ctx, "narrow", _allow("sqs:ListQueues", arn))
    _denied(ctx, narrow_sqs.list_queues, narrow, "sqs:listqueues", "arn:aws:sqs:%s:%s:" % (REGION, ACCOUNT),
            "because no identity-based policy allows the sqs:listqueues action")


def scenario_enforcement_foranyvalue_ifexists_absent_key(ctx):
    # AWS: ForAnyValue is false when the key is absent, IfExists or not (real AWS: this Allow does not allow an
    # untagged ListQueues), and the Deny form on an absent aws:SourceVpce does not deny.
    user, sqs = _user(ctx, "anyifx", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*",
         "Condition": {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["team"]}}}]})
    _denied(ctx, sqs.list_queues, user, "sqs:listqueues", "arn:aws:sqs:%s:%s:" % (REGION, ACCOUNT),
            "because no identity-based policy allows the sqs:listqueues action")
    url = ctx.create("vpce")
    _, deny_sqs = _user(ctx, "anynotifx", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sqs:*", "Resource": "*",
         "Condition": {"ForAnyValue:StringNotEqualsIfExists": {"aws:SourceVpce": ["vpce-1a2b3c4d"]}}}]})
    deny_sqs.list_queues()
    deny_sqs.send_message(QueueUrl=url, MessageBody="not denied")


def scenario_enforcement_deny_all_and_root(ctx):
    url = ctx.create("lock")
    arn = ctx.arn(url)
    admin, admin_sqs = _user(ctx, "admin", _allow("*"))
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "deny-sqs-actions", "Effect": "Deny", "Principal": "*",
                                                "Action": "SQS:*", "Resource": arn}]})})
    _denied(ctx, admin_sqs.send_message, admin, "sqs:sendmessage", arn,
            "with an explicit deny in a resource-based policy", QueueUrl=url, MessageBody="x")
    # The root user can still read and remove the policy, then everyone is back.
    policy = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    check("deny-sqs-actions" in policy, "root reads the deny-all policy")
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    admin_sqs.send_message(QueueUrl=url, MessageBody="back in")

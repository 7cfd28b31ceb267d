"""SSE-KMS queues through the Query protocol (botocore 1.29): KMS.AccessDeniedException for a producer without
kms:GenerateDataKey and a consumer without kms:Decrypt, KMS.DisabledException, InvalidSecurity over plain HTTP.
Encrypted queues need HTTPS, so these scenarios use the server's HTTPS listener (GATEHOUSE_HTTPS_ENDPOINT)."""

import json
import os

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from sqslib import ACCOUNT, REGION, check, eq

SUFFIX = " (Service: AWSKMS; Status Code: 400; Error Code: "


def _https():
    return os.environ["GATEHOUSE_HTTPS_ENDPOINT"]


def _client(service, key_id="test", secret="test", endpoint=None):
    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint or _https(), region_name=REGION, verify=False,
        aws_access_key_id=key_id, aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def _user(ctx, label, actions):
    iam = _client("iam")
    name = ("%s-%s" % (label, ctx.suffix))[:64]
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, key["AccessKeyId"], key["SecretAccessKey"]


def _encrypted_queue(ctx, label):
    key = _client("kms").create_key(Description=ctx.scenario)["KeyMetadata"]
    url = _client("sqs").create_queue(QueueName=ctx.name(label), Attributes={"KmsMasterKeyId": key["KeyId"]})["QueueUrl"]
    return key, url


def _expect_kms_error(call, code, start, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        eq(err["Code"], code, "error code")
        eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 400, "HTTP status of %s" % code)
        eq(err["Type"], "Sender", "error type")
        check(err["Message"].startswith(start), "message %r starts with %r" % (err["Message"], start))
        check(err["Message"].endswith("; Proxy: null)"), "message %r ends with SQS's KMS suffix" % err["Message"])
        return err
    raise AssertionError("expected %s but the call succeeded" % code)


def scenario_kms_sse_producer_and_consumer_permissions(ctx):
    key, url = _encrypted_queue(ctx, "perm")
    user, key_id, secret = _user(ctx, "sqsonly", "sqs:*")
    sqs = _client("sqs", key_id, secret)
    _expect_kms_error(sqs.send_message, "KMS.AccessDeniedException",
                      "User: arn:aws:iam::%s:user/%s is not authorized to perform: kms:GenerateDataKey on resource: %s "
                      "because no identity-based policy allows the kms:GenerateDataKey action%sAccessDeniedException; Request ID: "
                      % (ACCOUNT, user, key["Arn"], SUFFIX), QueueUrl=url, MessageBody="x")
    # The owner's root user is allowed by the default key policy; the consumer without kms:Decrypt is not.
    _client("sqs").send_message(QueueUrl=url, MessageBody="sealed at rest")
    _expect_kms_error(sqs.receive_message, "KMS.AccessDeniedException",
                      "User: arn:aws:iam::%s:user/%s is not authorized to perform: kms:Decrypt on resource: %s "
                      "because no identity-based policy allows the kms:Decrypt action" % (ACCOUNT, user, key["Arn"]),
                      QueueUrl=url)
    _, key_id, secret = _user(ctx, "kmsuser", ["sqs:*", "kms:GenerateDataKey", "kms:Decrypt"])
    allowed = _client("sqs", key_id, secret)
    allowed.send_message(QueueUrl=url, MessageBody="from an allowed producer",
                         MessageAttributes={"a": {"DataType": "String", "StringValue": "v"}})
    bodies = set()
    for _ in range(10):
        for m in allowed.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", []):
            bodies.add(m["Body"])
        if len(bodies) == 2:
            break
    eq(bodies, {"sealed at rest", "from an allowed producer"}, "bodies decrypted for an allowed consumer")


def scenario_kms_sse_disabled_key_and_plain_http(ctx):
    key, url = _encrypted_queue(ctx, "state")
    plain = _client("sqs", endpoint=ctx.endpoint)
    try:
        plain.send_message(QueueUrl=url, MessageBody="x")
        raise AssertionError("plain HTTP to an SSE-KMS queue succeeded")
    except ClientError as e:
        eq(e.response["Error"]["Code"], "AWS.SimpleQueueService.InvalidSecurity", "error code over plain HTTP")
        eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 403, "HTTP status of InvalidSecurity")
    _client("kms").disable_key(KeyId=key["KeyId"])
    _expect_kms_error(_client("sqs").send_message, "KMS.DisabledException", "%s is disabled.%sDisabledException;" % (key["Arn"], SUFFIX),
                      QueueUrl=url, MessageBody="x")
    # A default (SSE-SQS) queue needs no KMS permission and works over plain HTTP.
    default = plain.create_queue(QueueName=ctx.name("default"))["QueueUrl"]
    eq(plain.get_queue_attributes(QueueUrl=default, AttributeNames=["SqsManagedSseEnabled"])["Attributes"]["SqsManagedSseEnabled"],
       "true", "SSE-SQS is the default")
    plain.send_message(QueueUrl=default, MessageBody="plain")

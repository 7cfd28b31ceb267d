"""VPC endpoints through real Query-protocol clients (botocore 1.29): the endpoint made with its EC2 client, SQS
reached through the endpoint's DnsEntries[0].DnsName, the endpoint policy and aws:SourceVpce in the decisions,
AWS's AccessDenied code, status and message checked on the wire."""

import json

import botocore.exceptions
import botocore.session
from botocore.config import Config

from sqslib import ACCOUNT, REGION, check, eq


def _client(service, endpoint, key_id="test", secret="test"):
    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}))


def _user(ctx, label):
    """A new IAM user whose identity policy allows sqs:*; returns (arn, key id, secret)."""
    iam = _client("iam", ctx.endpoint)
    name = ("%s-%s" % (label, ctx.suffix))[:64]
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="sqs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return "arn:aws:iam::%s:user/%s" % (ACCOUNT, name), key["AccessKeyId"], key["SecretAccessKey"]


def _endpoint(ctx, policy=None):
    """A VPC and an SQS interface endpoint; returns (ec2 client, endpoint id, endpoint URL)."""
    ec2 = _client("ec2", ctx.endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.0.0/24")["Subnet"]["SubnetId"]
    args = {"VpcId": vpc, "ServiceName": "com.amazonaws.%s.sqs" % REGION, "VpcEndpointType": "Interface",
            "SubnetIds": [subnet]}
    if policy is not None:
        args["PolicyDocument"] = json.dumps(policy)
    endpoint = ec2.create_vpc_endpoint(**args)["VpcEndpoint"]
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    eq([e["VpcEndpointId"] for e in found], [endpoint["VpcEndpointId"]], "the endpoint is described by its VPC")
    return ec2, endpoint["VpcEndpointId"], "http://" + endpoint["DnsEntries"][0]["DnsName"]


def _via(ctx, url, endpoint_url):
    return url.replace(ctx.endpoint, endpoint_url)


def _denied(ctx, call, user_arn, action, arn, reason, **kwargs):
    ctx.expect_error(call, "AccessDenied", 403, "User: %s is not authorized to perform: %s on resource: %s %s"
                     % (user_arn, action, arn, reason), **kwargs)


def scenario_vpce_endpoint_policy(ctx):
    mine = ctx.create("mine")
    other = ctx.create("other")
    mine_arn, other_arn = ctx.arn(mine), ctx.arn(other)
    my_arn, my_key, my_secret = _user(ctx, "MyUser")
    someone_arn, someone_key, someone_secret = _user(ctx, "Someone")
    ec2, endpoint_id, endpoint_url = _endpoint(ctx, {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": my_arn}, "Action": "sqs:SendMessage", "Resource": mine_arn}]})
    me = _client("sqs", endpoint_url, my_key, my_secret)
    someone = _client("sqs", endpoint_url, someone_key, someone_secret)
    me.send_message(QueueUrl=_via(ctx, mine, endpoint_url), MessageBody="through the endpoint")
    reason = "because no VPC endpoint policy allows the %s action"
    _denied(ctx, me.receive_message, my_arn, "sqs:receivemessage", mine_arn, reason % "sqs:receivemessage",
            QueueUrl=_via(ctx, mine, endpoint_url))
    _denied(ctx, me.send_message, my_arn, "sqs:sendmessage", other_arn, reason % "sqs:sendmessage",
            QueueUrl=_via(ctx, other, endpoint_url), MessageBody="x")
    _denied(ctx, someone.send_message, someone_arn, "sqs:sendmessage", mine_arn, reason % "sqs:sendmessage",
            QueueUrl=_via(ctx, mine, endpoint_url), MessageBody="x")
    # Not through the endpoint, the same users are governed by their identity policies only.
    direct = _client("sqs", ctx.endpoint, my_key, my_secret)
    got = direct.receive_message(QueueUrl=mine, WaitTimeSeconds=1).get("Messages", [])
    eq([m["Body"] for m in got], ["through the endpoint"], "the message sent through the endpoint")
    direct.send_message(QueueUrl=other, MessageBody="direct")
    _client("sqs", ctx.endpoint, someone_key, someone_secret).send_message(QueueUrl=mine, MessageBody="direct")

    # ModifyVpcEndpoint takes effect at once; DeleteVpcEndpoints closes the entry point.
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"},
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}))
    _denied(ctx, me.send_message, my_arn, "sqs:sendmessage", mine_arn, "with an explicit deny in a VPC endpoint policy",
            QueueUrl=_via(ctx, mine, endpoint_url), MessageBody="x")
    someone.receive_message(QueueUrl=_via(ctx, mine, endpoint_url))
    eq(ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])["Unsuccessful"], [], "nothing left undeleted")
    try:
        me.list_queues()
    except botocore.exceptions.EndpointConnectionError:
        pass
    else:
        raise AssertionError("the deleted endpoint still answers")


def scenario_vpce_queue_policy_requires_endpoint(ctx):
    url = ctx.create("only-vpce")
    arn = ctx.arn(url)
    user_arn, key, secret = _user(ctx, "VpceOnly")
    _, endpoint_id, endpoint_url = _endpoint(ctx)
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint_id}}}]})})
    _client("sqs", endpoint_url, key, secret).send_message(QueueUrl=_via(ctx, url, endpoint_url), MessageBody="via")
    _denied(ctx, _client("sqs", ctx.endpoint, key, secret).send_message, user_arn, "sqs:sendmessage", arn,
            "with an explicit deny in a resource-based policy", QueueUrl=url, MessageBody="direct")
    # Requests through an endpoint carry no aws:SourceIp: an IpAddress allow cannot match there.
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]})})
    _client("sqs", ctx.endpoint, key, secret).send_message(QueueUrl=url, MessageBody="direct from loopback")
    _denied(ctx, _client("sqs", endpoint_url, key, secret).send_message, user_arn, "sqs:sendmessage", arn,
            "with an explicit deny in a resource-based policy", QueueUrl=_via(ctx, url, endpoint_url), MessageBody="x")
    check(endpoint_id.startswith("vpce-"), "endpoint id shape")

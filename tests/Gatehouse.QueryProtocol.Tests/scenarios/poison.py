"""Poison input (hardening): characters a client must not be able to store, and XML that stays well-formed
whatever is echoed. AWS refuses such values with InvalidParameterValue (SQS developer guide, quotas related to
messages and to queues)."""

from sqslib import eq, check

BELL = "\u0007"


def _well_formed(resp, what):
    check(resp.xml is not None, "%s: the response is not well-formed XML: %r" % (what, resp.text))


def scenario_poison_attribute_data_type(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="x",
                     MessageAttributes={"a": {"DataType": "String." + BELL, "StringValue": "v"}})
    batch = ctx.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Number." + BELL, "StringValue": "1"}}}])
    eq([(f["Id"], f["Code"]) for f in batch.get("Failed", [])], [("1", "InvalidParameterValue")], "batch entry refused")
    # Nothing was stored: the queue still answers ReceiveMessage with well-formed XML, through botocore too.
    resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url, "MessageAttributeName.1": "All"})
    _well_formed(resp, "ReceiveMessage")
    eq(resp.findall("ReceiveMessageResult/Message"), [], "no message was stored")
    eq(ctx.sqs.receive_message(QueueUrl=url).get("Messages", []), [], "botocore receive")


def scenario_poison_trace_header(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, QueueUrl=url, MessageBody="x",
                     MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=" + BELL}})
    # A name that is not a system attribute is echoed in the error: the error stays well-formed.
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "x",
                      "MessageSystemAttribute.1.Name": "Bad" + BELL + "\u0001",
                      "MessageSystemAttribute.1.Value.DataType": "String",
                      "MessageSystemAttribute.1.Value.StringValue": "v"})
    ctx.expect_query_error(resp, "InvalidParameterValue", 400)
    eq(ctx.sqs.receive_message(QueueUrl=url, AttributeNames=["All"]).get("Messages", []), [], "nothing stored")


def scenario_poison_tags(ctx):
    url = ctx.create()
    for key, value in (("k" + BELL, "v"), ("k", "v" + BELL), ("k\u0001", "v"), ("k#", "v")):
        ctx.expect_error(ctx.sqs.tag_queue, "InvalidParameterValue", 400, QueueUrl=url, Tags={key: value})
    ctx.expect_error(ctx.sqs.create_queue, "InvalidParameterValue", 400, QueueName=ctx.name("tagged"),
                     tags={"k" + BELL: "v"})
    # What AWS allows: Unicode letters and digits, white space, _ . : / = + - @
    ctx.sqs.tag_queue(QueueUrl=url, Tags={"Team name_1.x:y/z=+-@": "Ünïcode välue 42"})
    eq(ctx.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"Team name_1.x:y/z=+-@": "Ünïcode välue 42"}, "tags")
    resp = ctx.query({"Action": "ListQueueTags", "QueueUrl": url})
    _well_formed(resp, "ListQueueTags")


def scenario_poison_queue_attribute_value(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeValue", 400, QueueUrl=url,
                     Attributes={"KmsMasterKeyId": "alias/" + BELL})
    resp = ctx.query({"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "All"})
    _well_formed(resp, "GetQueueAttributes")

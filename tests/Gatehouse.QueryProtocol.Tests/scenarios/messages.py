"""SendMessage: body, MD5 digests, size and character rules, message attributes (reference 4.1, 4.2, 4.13)."""

import re

from sqslib import eq, check, md5_hex, md5_of_attributes

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INVALID_CHAR = ("Invalid binary character '#x%s' was found in the message body, the set of allowed characters is "
                "#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].")
TRACE = b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01"


def scenario_send_receive_delete(ctx):
    url = ctx.create()
    sent = ctx.sqs.send_message(QueueUrl=url, MessageBody="test")
    check(UUID.match(sent["MessageId"]), "MessageId is a UUID: %r" % sent["MessageId"])
    eq(sent["MD5OfMessageBody"], "098f6bcd4621d373cade4e832627b4f6", "MD5OfMessageBody of 'test'")
    check("MD5OfMessageAttributes" not in sent, "no attribute MD5 without attributes")
    msgs = ctx.receive_all(url, 1)
    eq(len(msgs), 1, "one message received")
    msg = msgs[0]
    eq(msg["MessageId"], sent["MessageId"], "MessageId")
    eq(msg["Body"], "test", "Body")
    eq(msg["MD5OfBody"], "098f6bcd4621d373cade4e832627b4f6", "MD5OfBody")
    check(msg["ReceiptHandle"], "ReceiptHandle present")
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    eq(attrs["ApproximateNumberOfMessages"], "0", "queue empty after delete")
    eq(attrs["ApproximateNumberOfMessagesNotVisible"], "0", "nothing in flight after delete")


def scenario_md5_vectors(ctx):
    url = ctx.create()
    for body, digest in [("msg", "6e2baaf3b97dbeef01c0043275f9a0e7"), ("a", "0cc175b9c0f1b6a831c399e269772661")]:
        eq(ctx.sqs.send_message(QueueUrl=url, MessageBody=body)["MD5OfMessageBody"], digest, "MD5 of %r" % body)
    vectors = [
        ({"Help.Me": {"DataType": "String", "StringValue": "Me"},
          "Hello": {"DataType": "String", "StringValue": "There"},
          "General": {"DataType": "String", "StringValue": "Kenobi"}}, "4c360f3fdafd970e05fae2f149d997f5"),
        ({"MyAttribute": {"DataType": "String", "StringValue": "foobar"}}, "adb59cd4678ea5a855436b949cd07ab6"),
        ({"attr1": {"DataType": "Binary", "BinaryValue": TRACE}}, "8cbe4db156db8a94db8b801b7addb984"),
        ({"k": {"DataType": "String", "StringValue": "x"}}, "a45daa70926828a2f0a1db3418e6feb4"),
    ]
    for attributes, digest in vectors:
        eq(md5_of_attributes(attributes), digest, "local MD5 helper agrees with the reference")
        sent = ctx.sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attributes)
        eq(sent["MD5OfMessageAttributes"], digest, "MD5OfMessageAttributes for %s" % sorted(attributes))


def scenario_md5_filtered_on_receive(ctx):
    url = ctx.create()
    attributes = {"Help.Me": {"DataType": "String", "StringValue": "Me"},
                  "Hello": {"DataType": "String", "StringValue": "There"},
                  "General": {"DataType": "String", "StringValue": "Kenobi"}}
    ctx.sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attributes)
    for names, digest, expected in [
            (["Hello"], "a311262e065454b75da111d535b8dacd", ["Hello"]),
            (["Hello", "Help.Me"], "83fee93c1bcd8b9a5a923ffacdc636c7", ["Hello", "Help.Me"]),
            (["Help.*", "Hello"], "83fee93c1bcd8b9a5a923ffacdc636c7", ["Hello", "Help.Me"]),
            # the dot belongs to the wildcard: "Hel.*" selects every name starting with "Hel" (as on AWS)
            (["Hel.*"], "83fee93c1bcd8b9a5a923ffacdc636c7", ["Hello", "Help.Me"]),
            (["Help.*"], None, ["Help.Me"]),
            (["All"], "4c360f3fdafd970e05fae2f149d997f5", ["General", "Hello", "Help.Me"]),
            ([".*"], "4c360f3fdafd970e05fae2f149d997f5", ["General", "Hello", "Help.Me"])]:
        msgs = ctx.receive_all(url, 1, MessageAttributeNames=names, VisibilityTimeout=0)
        eq(len(msgs), 1, "message received for %r" % names)
        eq(sorted(msgs[0].get("MessageAttributes", {})), expected, "attributes returned for %r" % names)
        if digest is None:
            digest = md5_of_attributes({k: attributes[k] for k in expected})
        eq(msgs[0].get("MD5OfMessageAttributes"), digest, "filtered MD5 for %r" % names)
    msgs = ctx.receive_all(url, 1, MessageAttributeNames=["Nope"], VisibilityTimeout=0)
    check("MessageAttributes" not in msgs[0], "unknown name returns no attributes")
    check("MD5OfMessageAttributes" not in msgs[0], "no attribute MD5 when no attributes are returned")


def scenario_message_attribute_types(ctx):
    url = ctx.create()
    attributes = {
        "s": {"DataType": "String", "StringValue": "hello \u00e9"},
        "n": {"DataType": "Number", "StringValue": "-12.5e3"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "c": {"DataType": "String.custom-label", "StringValue": "v"},
        "nb": {"DataType": "Number.int", "StringValue": "7"},
        "bc": {"DataType": "Binary.gz", "BinaryValue": b"zz"},
    }
    sent = ctx.sqs.send_message(QueueUrl=url, MessageBody="typed", MessageAttributes=attributes)
    eq(sent["MD5OfMessageAttributes"], md5_of_attributes(attributes), "MD5OfMessageAttributes")
    msg = ctx.receive_all(url, 1, MessageAttributeNames=["All"])[0]
    got = msg["MessageAttributes"]
    eq(sorted(got), sorted(attributes), "attribute names round-trip")
    for key, value in attributes.items():
        eq(got[key]["DataType"], value["DataType"], key + " DataType")
        field = "BinaryValue" if "BinaryValue" in value else "StringValue"
        eq(got[key].get(field), value[field], key + " " + field)
    eq(msg["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"], "receive MD5 equals send MD5")


def scenario_message_body_size(ctx):
    url = ctx.create()
    limit = 1048576
    ctx.sqs.send_message(QueueUrl=url, MessageBody="x" * (limit - 8),
                         MessageAttributes={"k": {"DataType": "String", "StringValue": "x"}})
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
                     QueueUrl=url, MessageBody="x" * (limit - 7),
                     MessageAttributes={"k": {"DataType": "String", "StringValue": "x"}})
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    ctx.sqs.send_message(QueueUrl=url, MessageBody="y" * 1024)
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
                     QueueUrl=url, MessageBody="y" * 1025)
    # multi-byte characters count as their UTF-8 bytes
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
                     QueueUrl=url, MessageBody="\u00e9" * 513)


def scenario_message_body_characters(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.send_message, "MissingParameter", 400,
                     "The request must contain the parameter MessageBody.", QueueUrl=url, MessageBody="")
    ctx.expect_error(ctx.sqs.send_message, "InvalidMessageContents", 400, INVALID_CHAR % "7",
                     QueueUrl=url, MessageBody="bell\x07")
    ctx.expect_error(ctx.sqs.send_message, "InvalidMessageContents", 400, INVALID_CHAR % "1F",
                     QueueUrl=url, MessageBody="\x1f")
    ctx.expect_error(ctx.sqs.send_message, "InvalidMessageContents", 400, INVALID_CHAR % "FFFE",
                     QueueUrl=url, MessageBody="x\ufffe")
    body = "tab\t nl\n cr\r \u00e9 \ud7ff \ue000 \ufffd \U0001f600 <&>\"'"
    sent = ctx.sqs.send_message(QueueUrl=url, MessageBody=body)
    eq(sent["MD5OfMessageBody"], md5_hex(body), "MD5 over the exact UTF-8 body")
    msg = ctx.receive_all(url, 1)[0]
    eq(msg["Body"], body, "body with allowed characters round-trips (including CR)")


def scenario_message_attribute_validation(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
                     QueueUrl=url, MessageBody="m",
                     MessageAttributes={"ErrorDetails": {"DataType": "String", "StringValue": ""}})
    for bad_name in ["AWS.reserved", "amazon.x", ".lead", "trail.", "dou..ble", "sp ace"]:
        ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, None, QueueUrl=url, MessageBody="m",
                         MessageAttributes={bad_name: {"DataType": "String", "StringValue": "v"}})
    for bad_type in ["Strin", "Integer", "string"]:
        ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, None, QueueUrl=url, MessageBody="m",
                         MessageAttributes={"a": {"DataType": bad_type, "StringValue": "v"}})
    too_many = {"a%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(11)}
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, None, QueueUrl=url, MessageBody="m",
                     MessageAttributes=too_many)
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, None, QueueUrl=url, MessageBody="m",
                     MessageAttributes={"a": {"DataType": "String", "StringValue": "bad\x08"}})
    ten = {"a%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(10)}
    ctx.sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=ten)
    ctx.sqs.send_message(QueueUrl=url, MessageBody="m",
                         MessageAttributes={"attr.1\u00f8\u00df\u00e4": {"DataType": "String", "StringValue": "v"}})


def scenario_system_attributes(ctx):
    url = ctx.create()
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    sent = ctx.sqs.send_message(
        QueueUrl=url, MessageBody="sys",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "x"}},
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
    eq(sent["MD5OfMessageAttributes"], "a45daa70926828a2f0a1db3418e6feb4",
       "system attributes do not change MD5OfMessageAttributes")
    check(sent.get("MD5OfMessageSystemAttributes"), "MD5OfMessageSystemAttributes returned when sent")
    msg = ctx.receive_all(url, 1, AttributeNames=["All"])[0]
    attrs = msg["Attributes"]
    eq(attrs.get("AWSTraceHeader"), trace, "AWSTraceHeader")
    eq(attrs.get("ApproximateReceiveCount"), "1", "ApproximateReceiveCount")
    for key in ["SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp"]:
        check(key in attrs, "%s present in %r" % (key, attrs))
    check(len(attrs["SentTimestamp"]) == 13, "SentTimestamp in epoch milliseconds: %r" % attrs["SentTimestamp"])
    for key in ["SequenceNumber", "MessageDeduplicationId"]:
        check(key not in attrs, "standard queue omits %s" % key)
    plain = ctx.sqs.send_message(QueueUrl=url, MessageBody="plain")
    check("MD5OfMessageSystemAttributes" not in plain, "no system MD5 without system attributes")

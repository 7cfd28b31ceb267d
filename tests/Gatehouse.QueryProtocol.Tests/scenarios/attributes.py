"""GetQueueAttributes / SetQueueAttributes and attribute validation (reference 4.5)."""

import time

from sqslib import ACCOUNT, REGION, eq, check

RANGES = {
    "DelaySeconds": ("0", "900", ["-1", "901"]),
    "MaximumMessageSize": ("1024", "1048576", ["1023", "1048577"]),
    "MessageRetentionPeriod": ("60", "1209600", ["59", "1209601"]),
    "ReceiveMessageWaitTimeSeconds": ("0", "20", ["-1", "21"]),
    "VisibilityTimeout": ("0", "43200", ["-1", "43201"]),
    "KmsDataKeyReusePeriodSeconds": ("60", "86400", ["59", "86401"]),
}


def scenario_get_queue_attributes_defaults(ctx):
    before = int(time.time())
    name = ctx.name()
    url = ctx.create()
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    expected = {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "DelaySeconds": "0",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "QueueArn": "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name),
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "30",
    }
    eq(sorted(attrs), sorted(list(expected) + ["CreatedTimestamp", "LastModifiedTimestamp"]), "All attribute names")
    for key, value in expected.items():
        eq(attrs[key], value, key)
    for key in ["CreatedTimestamp", "LastModifiedTimestamp"]:
        stamp = int(attrs[key])
        check(before - 5 <= stamp <= time.time() + 5, "%s %s is epoch seconds of now" % (key, stamp))
    one = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    eq(one, {"VisibilityTimeout": "30"}, "single attribute")
    eq(ctx.sqs.get_queue_attributes(QueueUrl=url).get("Attributes", {}), {}, "no AttributeNames returns none")


def scenario_set_queue_attributes(ctx):
    url = ctx.create()
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "DelaySeconds": "10", "MaximumMessageSize": "2048", "MessageRetentionPeriod": "120",
        "ReceiveMessageWaitTimeSeconds": "3", "VisibilityTimeout": "45"})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    for key, value in [("DelaySeconds", "10"), ("MaximumMessageSize", "2048"), ("MessageRetentionPeriod", "120"),
                       ("ReceiveMessageWaitTimeSeconds", "3"), ("VisibilityTimeout", "45")]:
        eq(attrs[key], value, key)


def scenario_attribute_ranges(ctx):
    url = ctx.create()
    for attr, (low, high, bad_values) in RANGES.items():
        ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={attr: low})
        ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={attr: high})
        for bad in bad_values:
            message = "Invalid value for the parameter %s." % attr
            ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeValue", 400, message,
                             QueueUrl=url, Attributes={attr: bad})
            ctx.expect_error(ctx.sqs.create_queue, "InvalidAttributeValue", 400, message,
                             QueueName=ctx.name("r"), Attributes={attr: bad})


def scenario_unknown_attributes(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.get_queue_attributes, "InvalidAttributeName", 400, "Unknown Attribute Foobar.",
                     QueueUrl=url, AttributeNames=["Foobar"])
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeName", 400, "Unknown Attribute Foobar.",
                     QueueUrl=url, Attributes={"Foobar": "1"})
    ctx.expect_error(ctx.sqs.create_queue, "InvalidAttributeName", 400, "Unknown Attribute Foobar.",
                     QueueName=ctx.name("u"), Attributes={"Foobar": "1"})


def scenario_fifo_only_attributes_on_standard(ctx):
    url = ctx.create()
    cases = [
        ("FifoQueue", "false", "Unknown Attribute FifoQueue."),
        ("FifoQueue", "true", "Unknown Attribute FifoQueue."),
        ("ContentBasedDeduplication", "true", "Unknown Attribute ContentBasedDeduplication."),
        ("DeduplicationScope", "queue",
         "You can specify the DeduplicationScope only when FifoQueue is set to true."),
        ("FifoThroughputLimit", "perQueue",
         "You can specify the FifoThroughputLimit only when FifoQueue is set to true."),
    ]
    for attr, value, message in cases:
        ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeName", 400, message,
                         QueueUrl=url, Attributes={attr: value})
        if attr != "FifoQueue" or value == "false":
            ctx.expect_error(ctx.sqs.create_queue, "InvalidAttributeName", 400, message,
                             QueueName=ctx.name("s"), Attributes={attr: value})


def scenario_fifo_queue_type_is_fixed(ctx):
    url = ctx.create_fifo()
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeValue", 400,
                     "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
                     QueueUrl=url, Attributes={"FifoQueue": "false"})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    for key, value in [("FifoQueue", "true"), ("ContentBasedDeduplication", "false"),
                       ("DeduplicationScope", "queue"), ("FifoThroughputLimit", "perQueue")]:
        eq(attrs.get(key), value, "FIFO default " + key)


def scenario_sse_attributes(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidAttributeName", 400,
                     "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS "
                     "SSE or SQS SSE.", QueueUrl=url,
                     Attributes={"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"})
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    eq(attrs.get("KmsMasterKeyId"), "alias/aws/sqs", "KmsMasterKeyId")
    eq(attrs.get("SqsManagedSseEnabled"), "false", "setting a KMS key turns SQS SSE off")
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsDataKeyReusePeriodSeconds": "600"})
    eq(ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["KmsDataKeyReusePeriodSeconds"])[
        "Attributes"].get("KmsDataKeyReusePeriodSeconds"), "600", "KmsDataKeyReusePeriodSeconds")
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": ""})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    check("KmsMasterKeyId" not in attrs, "empty KmsMasterKeyId removes it: %r" % attrs)
    check("KmsDataKeyReusePeriodSeconds" not in attrs, "and its data key reuse period: %r" % attrs)
    eq(attrs.get("SqsManagedSseEnabled"), "false", "SQS-managed SSE stays off after the KMS key is removed")


def scenario_redrive_policy_normalised(ctx):
    # AWS stores the redrive policy re-serialised: deadLetterTargetArn then maxReceiveCount (a number), no spaces.
    dlq_arn = ctx.arn(ctx.create("dlq"))
    written = '{ "maxReceiveCount" : "1",\n  "deadLetterTargetArn" : "%s" }' % dlq_arn
    url = ctx.create("src", attributes={"RedrivePolicy": written})
    expected = '{"deadLetterTargetArn":"%s","maxReceiveCount":1}' % dlq_arn
    got = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    eq(got, expected, "RedrivePolicy as stored after CreateQueue")
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn": "%s", "maxReceiveCount": 7}' % dlq_arn})
    got = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["RedrivePolicy"]
    eq(got, '{"deadLetterTargetArn":"%s","maxReceiveCount":7}' % dlq_arn, "RedrivePolicy as stored after SetQueueAttributes")


def scenario_redrive_policy_validation(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidParameterValue", 400,
                     "Value {} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain "
                     "mandatory attribute: maxReceiveCount.", QueueUrl=url, Attributes={"RedrivePolicy": "{}"})
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    check("RedrivePolicy" not in attrs, "empty RedrivePolicy leaves none")

"""FIFO basics through the Query protocol: ordering, deduplication, MessageGroupId rules (reference 4.10)."""

import hashlib
import re
import time

from sqslib import eq, check

NO_DEDUP = ("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
            "explicitly")


def scenario_fifo_ordering_and_dedup(ctx):
    url = ctx.create_fifo()
    seqs = []
    for i in range(5):
        sent = ctx.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i, MessageGroupId="g1",
                                    MessageDeduplicationId="d%d" % i)
        check(re.match(r"^[0-9]+$", sent.get("SequenceNumber", "")), "SequenceNumber is decimal: %r" % sent)
        seqs.append(int(sent["SequenceNumber"]))
    eq(seqs, sorted(seqs), "sequence numbers increase")
    dup = ctx.sqs.send_message(QueueUrl=url, MessageBody="again", MessageGroupId="g1", MessageDeduplicationId="d0")
    check(dup.get("MessageId"), "a duplicate is accepted")
    got = []
    while len(got) < 5:
        resp = ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       AttributeNames=["All"])
        msgs = resp.get("Messages", [])
        check(msgs, "FIFO messages keep coming until all five are received")
        for m in msgs:
            ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got.extend(msgs)
    eq([m["Body"] for m in got], ["m0", "m1", "m2", "m3", "m4"], "strict order within the group")
    attrs = got[0]["Attributes"]
    eq(attrs.get("MessageGroupId"), "g1", "MessageGroupId system attribute")
    eq(attrs.get("MessageDeduplicationId"), "d0", "MessageDeduplicationId system attribute")
    eq(attrs.get("SequenceNumber"), str(seqs[0]), "SequenceNumber system attribute")
    check("Messages" not in ctx.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1), "the duplicate is not delivered")


def scenario_fifo_group_blocking(ctx):
    url = ctx.create_fifo(attributes={"ContentBasedDeduplication": "true"})
    for body, group in [("a1", "a"), ("a2", "a"), ("b1", "b")]:
        ctx.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    eq(first["Body"], "a1", "group a head first")
    others = ctx.receive_all(url, 1, timeout=3)
    eq([m["Body"] for m in others], ["b1"], "group a is blocked while a1 is in flight; group b continues")
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    nxt = ctx.receive_all(url, 1, timeout=3)
    eq([m["Body"] for m in nxt], ["a2"], "a2 after a1 is deleted")


def scenario_fifo_content_based_dedup(ctx):
    url = ctx.create_fifo(attributes={"ContentBasedDeduplication": "true"})
    ctx.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    ctx.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    got = ctx.receive_all(url, 2, timeout=3, AttributeNames=["MessageDeduplicationId"])
    eq(len(got), 1, "content-based duplicates collapse")
    eq(got[0]["Attributes"]["MessageDeduplicationId"], hashlib.sha256(b"same").hexdigest(),
       "dedup id is the SHA-256 of the body")


def scenario_fifo_required_parameters(ctx):
    url = ctx.create_fifo()
    ctx.expect_error(ctx.sqs.send_message, "MissingParameter", 400,
                     "The request must contain the parameter MessageGroupId.", QueueUrl=url, MessageBody="x",
                     MessageDeduplicationId="d")
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, NO_DEDUP, QueueUrl=url, MessageBody="x",
                     MessageGroupId="g")
    ctx.expect_error(ctx.sqs.send_message_batch, "InvalidParameterValue", 400,
                     "The request must contain the parameter MessageGroupId.", QueueUrl=url,
                     Entries=[{"Id": "a", "MessageBody": "x", "MessageDeduplicationId": "d"}])
    ctx.expect_error(ctx.sqs.send_message_batch, "InvalidParameterValue", 400, NO_DEDUP, QueueUrl=url,
                     Entries=[{"Id": "a", "MessageBody": "x", "MessageGroupId": "g"}])
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is "
                     "not valid for this queue type.", QueueUrl=url, MessageBody="x", MessageGroupId="g",
                     MessageDeduplicationId="d", DelaySeconds=2)
    ctx.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d",
                         DelaySeconds=0)
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "Value group 123 for parameter MessageGroupId is invalid. Reason: MessageGroupId can only "
                     "include alphanumeric and punctuation characters. 1 to 128 in length.",
                     QueueUrl=url, MessageBody="x", MessageGroupId="group 123", MessageDeduplicationId="d2")
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400,
                     "Value  for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can "
                     "only include alphanumeric and punctuation characters. 1 to 128 in length.",
                     QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="")
    ctx.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d" * 128)


def scenario_fifo_expired_receipt_handle(ctx):
    url = ctx.create_fifo(attributes={"ContentBasedDeduplication": "true"})
    ctx.sqs.send_message(QueueUrl=url, MessageBody="expire", MessageGroupId="g")
    handle = ctx.receive_all(url, 1, VisibilityTimeout=1)[0]["ReceiptHandle"]
    time.sleep(1.3)
    message = ("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired." % handle)
    ctx.expect_error(ctx.sqs.delete_message, "InvalidParameterValue", 400, message, QueueUrl=url,
                     ReceiptHandle=handle)
    ctx.expect_error(ctx.sqs.change_message_visibility, "InvalidParameterValue", 400, message, QueueUrl=url,
                     ReceiptHandle=handle, VisibilityTimeout=5)
    again = ctx.receive_all(url, 1, timeout=3)
    eq([m["Body"] for m in again], ["expire"], "the message is still there")
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])


def scenario_fifo_group_release_before_first_in_flight(ctx):
    # AWS: foo, bar, baz of one group received (VisibilityTimeout 1); baz extended to 4 s; 2.5 s later a receive
    # returns foo and bar (everything ahead of the first message still in flight), not baz.
    url = ctx.create_fifo(attributes={"ContentBasedDeduplication": "true", "VisibilityTimeout": "1"})
    for body in ["foo", "bar", "baz"]:
        ctx.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    got = ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    eq([m["Body"] for m in got], ["foo", "bar", "baz"], "the whole group on the first receive")
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[2]["ReceiptHandle"], VisibilityTimeout=4)
    time.sleep(2.5)
    again = ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    eq([m["Body"] for m in again], ["foo", "bar"], "messages ahead of the one still in flight")


def scenario_fifo_deduplication_scope_change_is_not_immediate(ctx):
    # AWS applies attribute changes with a delay (up to 60 s); right after DeduplicationScope changes to
    # messageGroup, deduplication is still queue-wide. GetQueueAttributes shows the new value at once.
    url = ctx.create_fifo()
    first = ctx.sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g1", MessageDeduplicationId="d")
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup",
                                                           "FifoThroughputLimit": "perMessageGroupId"})
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    eq((attrs["DeduplicationScope"], attrs["FifoThroughputLimit"]), ("messageGroup", "perMessageGroupId"),
       "new values shown at once")
    second = ctx.sqs.send_message(QueueUrl=url, MessageBody="b", MessageGroupId="g2", MessageDeduplicationId="d")
    eq(second["MessageId"], first["MessageId"], "still deduplicated across groups right after the change")

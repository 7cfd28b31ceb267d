"""ReceiveMessage parameters, long polling, visibility and delays (reference 4.8, 4.12)."""

import threading
import time

from sqslib import eq, check


def scenario_receive_parameter_ranges(ctx):
    url = ctx.create()
    for n in [0, 11]:
        ctx.expect_error(ctx.sqs.receive_message, "InvalidParameterValue", 400,
                         "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
                         "if provided." % n, QueueUrl=url, MaxNumberOfMessages=n)
    for n in [-1, 21]:
        ctx.expect_error(ctx.sqs.receive_message, "InvalidParameterValue", 400,
                         "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if "
                         "provided." % n, QueueUrl=url, WaitTimeSeconds=n)
    for n in [-1, 43201]:
        ctx.expect_error(ctx.sqs.receive_message, "InvalidParameterValue", 400, None, QueueUrl=url,
                         VisibilityTimeout=n)
    eq(ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"), None,
       "empty receive has no Messages")


def scenario_receive_max_number(ctx):
    url = ctx.create()
    for i in range(15):
        ctx.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
    one = ctx.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    eq(len(one), 1, "default MaxNumberOfMessages is 1")
    got = ctx.receive_all(url, 14)
    eq(len(got), 14, "the remaining 14 messages")
    check(all(len(ctx.sqs.receive_message(QueueUrl=url).get("Messages", [])) == 0 for _ in range(2)),
          "all messages in flight")
    bodies = sorted(m["Body"] for m in got + one)
    eq(bodies, sorted("m%d" % i for i in range(15)), "every message received once")


def scenario_long_poll_returns_early(ctx):
    url = ctx.create()
    start = time.time()
    empty = ctx.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    elapsed = time.time() - start
    check("Messages" not in empty, "empty long poll")
    check(0.8 <= elapsed < 5, "empty 1 s long poll lasted %.2f s" % elapsed)
    timer = threading.Timer(1.0, lambda: ctx.sqs.send_message(QueueUrl=url, MessageBody="late"))
    timer.start()
    start = time.time()
    resp = ctx.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.time() - start
    timer.join()
    eq([m["Body"] for m in resp.get("Messages", [])], ["late"], "long poll delivers the late message")
    check(elapsed < 5, "long poll returned %.2f s after the start, not at the 10 s timeout" % elapsed)
    # the queue's ReceiveMessageWaitTimeSeconds applies when WaitTimeSeconds is omitted
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "1"})
    start = time.time()
    ctx.sqs.receive_message(QueueUrl=url)
    check(time.time() - start >= 0.8, "queue default wait time applied")


def scenario_visibility_timeout(ctx):
    url = ctx.create(attributes={"VisibilityTimeout": "60"})
    ctx.sqs.send_message(QueueUrl=url, MessageBody="v")
    msg = ctx.receive_all(url, 1, VisibilityTimeout=2)[0]
    check("Messages" not in ctx.sqs.receive_message(QueueUrl=url), "invisible right after receive")
    again = ctx.receive_all(url, 1, timeout=8, AttributeNames=["ApproximateReceiveCount"])
    eq(len(again), 1, "visible again after the 2 s per-call visibility timeout (not the queue's 60 s)")
    eq(again[0]["Attributes"]["ApproximateReceiveCount"], "2", "receive count")
    check(again[0]["ReceiptHandle"] != msg["ReceiptHandle"], "a new receipt handle on every receive")
    # ChangeMessageVisibility to 0 makes it visible at once
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"], VisibilityTimeout=0)
    third = ctx.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
    eq(len(third), 1, "visible after ChangeMessageVisibility 0")
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=third[0]["ReceiptHandle"], VisibilityTimeout=300)
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    eq(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1", "in flight count")


def scenario_visibility_limits(ctx):
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="v")
    handle = ctx.receive_all(url, 1)[0]["ReceiptHandle"]
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43000)
    ctx.expect_error(ctx.sqs.change_message_visibility, "InvalidParameterValue", 400, None,
                     QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43201)
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=10)
    time.sleep(1.2)
    ctx.expect_error(ctx.sqs.change_message_visibility, "InvalidParameterValue", 400,
                     "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for "
                     "the message is beyond the limit [43200 seconds].",
                     QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43200)


def scenario_delay_queue_and_message_delay(ctx):
    url = ctx.create(attributes={"DelaySeconds": "2"})
    ctx.sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    eq(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"], "1", "delayed count")
    check("Messages" not in ctx.sqs.receive_message(QueueUrl=url), "delayed message invisible")
    got = ctx.receive_all(url, 1, timeout=6)
    eq([m["Body"] for m in got], ["queue-delay"], "delivered after the queue delay")
    ctx.sqs.send_message(QueueUrl=url, MessageBody="no-delay", DelaySeconds=0)
    eq([m["Body"] for m in ctx.receive_all(url, 1, timeout=2)], ["no-delay"], "per-message 0 overrides queue")
    ctx.expect_error(ctx.sqs.send_message, "InvalidParameterValue", 400, None, QueueUrl=url, MessageBody="x",
                     DelaySeconds=901)


def scenario_receive_system_attribute_names(ctx):
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="a")
    msg = ctx.receive_all(url, 1, AttributeNames=["SentTimestamp"], VisibilityTimeout=0)[0]
    eq(sorted(msg["Attributes"]), ["SentTimestamp"], "only the requested system attribute")
    msg = ctx.receive_all(url, 1, AttributeNames=["All"], VisibilityTimeout=0)[0]
    eq(sorted(msg["Attributes"]), ["ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SenderId",
                                   "SentTimestamp"], "All on a standard queue")
    msg = ctx.receive_all(url, 1, VisibilityTimeout=0)[0]
    check("Attributes" not in msg, "no attributes unless asked")


def scenario_fair_queue_message_group_id(ctx):
    # Fair queues: a MessageGroupId sent to a standard queue is kept and returned exactly as the producer gave it
    # (botocore 1.29 asks for system attributes through AttributeNames).
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="single", MessageGroupId="tenant-A.1")
    ctx.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "batched", "MessageGroupId": "tenant/B"},
        {"Id": "b", "MessageBody": "no group"}])
    got = ctx.receive_all(url, 3, AttributeNames=["MessageGroupId"], VisibilityTimeout=0)
    groups = {m["Body"]: m.get("Attributes", {}).get("MessageGroupId") for m in got}
    eq(groups, {"single": "tenant-A.1", "batched": "tenant/B", "no group": None}, "MessageGroupId as sent")
    got = ctx.receive_all(url, 3, AttributeNames=["All"], VisibilityTimeout=0)
    eq(sorted(m["Attributes"].get("MessageGroupId", "-") for m in got), ["-", "tenant-A.1", "tenant/B"],
       "MessageGroupId under All")
    check(all("MessageDeduplicationId" not in m["Attributes"] and "SequenceNumber" not in m["Attributes"] for m in got),
          "no FIFO-only attributes on a standard queue")

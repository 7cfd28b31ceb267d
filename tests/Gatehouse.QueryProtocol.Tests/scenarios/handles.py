"""Receipt handles, PurgeQueue and missing parameters (reference 4.7, 4.8, 4.9)."""

import time

from sqslib import eq, check


def scenario_receipt_handle_invalid(ctx):
    url = ctx.create()
    err = ctx.expect_error(ctx.sqs.delete_message, "ReceiptHandleIsInvalid", 404,
                           'The input receipt handle "garbage" is not a valid receipt handle.',
                           QueueUrl=url, ReceiptHandle="garbage")
    check(err, "error details")
    ctx.expect_error(ctx.sqs.change_message_visibility, "ReceiptHandleIsInvalid", 404,
                     'The input receipt handle "garbage" is not a valid receipt handle.',
                     QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5)


def scenario_stale_receipt_handles(ctx):
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="h")
    first = ctx.receive_all(url, 1, VisibilityTimeout=1)[0]["ReceiptHandle"]
    time.sleep(1.2)
    # standard queue: changing visibility after it expired succeeds
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first, VisibilityTimeout=0)
    second = ctx.receive_all(url, 1)[0]["ReceiptHandle"]
    check(second != first, "new receipt handle")
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=second)
    # deleting again (message gone) still succeeds; changing its visibility fails
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=second)
    ctx.expect_error(ctx.sqs.change_message_visibility, "InvalidParameterValue", 400,
                     "Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
                     "available for visibility timeout change." % second,
                     QueueUrl=url, ReceiptHandle=second, VisibilityTimeout=10)


def scenario_older_receipt_handles_on_standard_queues(ctx):
    # AWS: on a standard queue a message received twice (h1, then h2) still answers to h1: the visibility change
    # takes effect and the delete deletes, single and batch forms alike.
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="single")
    ctx.sqs.send_message(QueueUrl=url, MessageBody="batched")
    first = {m["Body"]: m["ReceiptHandle"] for m in ctx.receive_all(url, 2, VisibilityTimeout=1)}
    time.sleep(1.2)
    second = {m["Body"]: m["ReceiptHandle"] for m in ctx.receive_all(url, 2, VisibilityTimeout=1)}
    check(all(first[b] != second[b] for b in first), "new handles on the second receive")
    ctx.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["single"], VisibilityTimeout=30)
    resp = ctx.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "b", "ReceiptHandle": first["batched"], "VisibilityTimeout": 30}])
    eq([e["Id"] for e in resp.get("Successful", [])], ["b"], "batch visibility change with the older handle")
    time.sleep(1.5)
    check("Messages" not in ctx.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10),
          "both messages stay hidden: the older handles' changes took effect")
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    eq(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "2", "in flight")
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["single"])
    resp = ctx.sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "b", "ReceiptHandle": first["batched"]}])
    eq([e["Id"] for e in resp.get("Successful", [])], ["b"], "batch delete with the older handle")
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                       "ApproximateNumberOfMessagesNotVisible"])
    eq((attrs["Attributes"]["ApproximateNumberOfMessages"], attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"]),
       ("0", "0"), "both messages deleted with their older handles")


def scenario_delete_after_visibility_expired(ctx):
    url = ctx.create()
    ctx.sqs.send_message(QueueUrl=url, MessageBody="late-delete")
    handle = ctx.receive_all(url, 1, VisibilityTimeout=1)[0]["ReceiptHandle"]
    time.sleep(1.3)
    ctx.sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)


def scenario_purge_queue(ctx):
    url = ctx.create()
    name = ctx.name()
    ctx.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "p"} for i in range(5)])
    ctx.receive_all(url, 2)
    ctx.sqs.purge_queue(QueueUrl=url)

    def empty():
        attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    ctx.wait_for(empty, "purge to remove visible and in-flight messages")
    ctx.expect_error(ctx.sqs.purge_queue, "AWS.SimpleQueueService.PurgeQueueInProgress", 403,
                     "Only one PurgeQueue operation on %s is allowed every 60 seconds." % name, QueueUrl=url)


def scenario_missing_parameters(ctx):
    url = ctx.create()
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url})
    ctx.expect_query_error(resp, "MissingParameter", 400, "The request must contain the parameter MessageBody.")
    resp = ctx.query({"Action": "CreateQueue"})
    ctx.expect_query_error(resp, "MissingParameter", 400, "The request must contain the parameter QueueName.")
    resp = ctx.query({"Action": "DeleteMessage", "QueueUrl": url})
    ctx.expect_query_error(resp, "MissingParameter", 400, "The request must contain the parameter ReceiptHandle.")
    resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url, "MaxNumberOfMessages": "lots"})
    check(resp.status == 400, "mistyped integer is a 400, not %r" % resp)
    eq(ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"], "0", "no message was sent")

"""CreateQueue, GetQueueUrl, ListQueues, DeleteQueue and queue-level errors (reference 4.4, 4.6, 3.3)."""

from sqslib import ACCOUNT, eq, check

BAD_NAME = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
BAD_FIFO_NAME = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                 "must end with .fifo suffix and be 1 to 80 in length.")


def scenario_create_get_list_delete(ctx):
    name = ctx.name()
    url = ctx.sqs.create_queue(QueueName=name)["QueueUrl"]
    check(url.endswith("/%s/%s" % (ACCOUNT, name)), "queue URL %r ends with /account/name" % url)
    eq(ctx.sqs.get_queue_url(QueueName=name)["QueueUrl"], url, "GetQueueUrl")
    eq(ctx.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=ACCOUNT)["QueueUrl"], url,
       "GetQueueUrl with QueueOwnerAWSAccountId")
    listed = ctx.sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    eq(listed, [url], "ListQueues with prefix")
    ctx.sqs.delete_queue(QueueUrl=url)
    ctx.expect_no_queue(ctx.sqs.get_queue_url, QueueName=name)
    eq(ctx.sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []), [], "ListQueues after delete")


def scenario_list_queues_paging(ctx):
    prefix = ctx.name("page")
    urls = sorted(ctx.sqs.create_queue(QueueName="%s-%d" % (prefix, i))["QueueUrl"] for i in range(5))
    eq(sorted(ctx.sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]), urls, "all five queues listed")
    first = ctx.sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    eq(len(first["QueueUrls"]), 2, "page size")
    check("NextToken" in first, "NextToken present when MaxResults was sent and more remain")
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = ctx.sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=token)
        seen.extend(page.get("QueueUrls", []))
        token = page.get("NextToken")
    eq(sorted(seen), urls, "pages cover every queue exactly once")
    check("NextToken" not in ctx.sqs.list_queues(QueueNamePrefix=prefix), "no NextToken without MaxResults")
    # prefix is case-sensitive
    eq(ctx.sqs.list_queues(QueueNamePrefix=prefix.upper()).get("QueueUrls", []), [], "case-sensitive prefix")


def scenario_create_queue_idempotent(ctx):
    name = ctx.name()
    url = ctx.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"})["QueueUrl"]
    eq(ctx.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"})["QueueUrl"], url,
       "same attributes returns the existing URL")
    eq(ctx.sqs.create_queue(QueueName=name)["QueueUrl"], url, "no attributes returns the existing URL")
    ctx.expect_error(ctx.sqs.create_queue, "QueueAlreadyExists", 400,
                     "A queue already exists with the same name and a different value for attribute DelaySeconds",
                     QueueName=name, Attributes={"DelaySeconds": "6"})


def scenario_queue_deleted_recently(ctx):
    name = ctx.name()
    url = ctx.sqs.create_queue(QueueName=name)["QueueUrl"]
    ctx.sqs.delete_queue(QueueUrl=url)
    ctx.expect_error(ctx.sqs.create_queue, "AWS.SimpleQueueService.QueueDeletedRecently", 400,
                     "You must wait 60 seconds after deleting a queue before you can create another with the "
                     "same name.", QueueName=name)


def scenario_queue_names(ctx):
    for bad in ["has space", "dot.name", "x" * 81, "slash/name", "star*", "q.fifo"]:
        ctx.expect_error(ctx.sqs.create_queue, "InvalidParameterValue", 400, BAD_NAME, QueueName=bad)
    ok = ("n" + ctx.suffix + "-_" + "A" * 80)[:80]
    url = ctx.sqs.create_queue(QueueName=ok)["QueueUrl"]
    check(url.endswith("/" + ok), "80-character name accepted")
    ctx.sqs.delete_queue(QueueUrl=url)
    for bad in ["nofifo" + ctx.suffix, "bad name.fifo", ("y" * 76) + ".fifo"]:
        ctx.expect_error(ctx.sqs.create_queue, "InvalidParameterValue", 400, BAD_FIFO_NAME, QueueName=bad,
                         Attributes={"FifoQueue": "true"})


def scenario_non_existent_queue(ctx):
    missing = "http://127.0.0.1/%s/missing-%s" % (ACCOUNT, ctx.suffix)
    ctx.expect_no_queue(ctx.sqs.get_queue_url, QueueName="missing-" + ctx.suffix)
    ctx.expect_no_queue(ctx.sqs.send_message, QueueUrl=missing, MessageBody="x")
    ctx.expect_no_queue(ctx.sqs.receive_message, QueueUrl=missing)
    ctx.expect_no_queue(ctx.sqs.delete_message, QueueUrl=missing, ReceiptHandle="garbage")
    ctx.expect_no_queue(ctx.sqs.delete_queue, QueueUrl=missing)
    ctx.expect_no_queue(ctx.sqs.get_queue_attributes, QueueUrl=missing, AttributeNames=["All"])
    ctx.expect_no_queue(ctx.sqs.set_queue_attributes, QueueUrl=missing, Attributes={"DelaySeconds": "1"})
    ctx.expect_no_queue(ctx.sqs.purge_queue, QueueUrl=missing)
    ctx.expect_no_queue(ctx.sqs.tag_queue, QueueUrl=missing, Tags={"a": "b"})
    ctx.expect_no_queue(ctx.sqs.untag_queue, QueueUrl=missing, TagKeys=["a"])
    ctx.expect_no_queue(ctx.sqs.list_queue_tags, QueueUrl=missing)
    ctx.expect_no_queue(ctx.sqs.send_message_batch, QueueUrl=missing,
                        Entries=[{"Id": "a", "MessageBody": "x"}])
    ctx.expect_no_queue(ctx.sqs.list_dead_letter_source_queues, QueueUrl=missing)
    ctx.expect_no_queue(ctx.sqs.add_permission, QueueUrl=missing, Label="l", AWSAccountIds=[ACCOUNT],
                        Actions=["SendMessage"])
    ctx.expect_no_queue(ctx.sqs.remove_permission, QueueUrl=missing, Label="l")
    # a garbage QueueUrl is a non-existent queue too
    ctx.expect_no_queue(ctx.sqs.send_message, QueueUrl="http://whatever-incorrect-queue-address",
                        MessageBody="x")


def scenario_queue_url_forms(ctx):
    name = ctx.name()
    url = ctx.create()
    # a bare queue name and the legacy AWS host forms resolve in the caller's account
    ctx.sqs.send_message(QueueUrl=name, MessageBody="by-name")
    ctx.sqs.send_message(QueueUrl="https://queue.amazonaws.com/%s/%s" % (ACCOUNT, name), MessageBody="legacy")
    ctx.sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/%s/%s" % (ACCOUNT, name),
                         MessageBody="regional")
    bodies = sorted(m["Body"] for m in ctx.receive_all(url, 3))
    eq(bodies, ["by-name", "legacy", "regional"], "messages sent through every URL form")

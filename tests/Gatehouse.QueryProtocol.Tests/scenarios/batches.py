"""SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch and the batch rules (reference 4.3)."""

from sqslib import eq, check, md5_hex

BAD_ID = ("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most "
          "80 letters long.")


def _entries(n, prefix="e"):
    return [{"Id": "%s%d" % (prefix, i), "MessageBody": "body-%d" % i} for i in range(n)]


def scenario_send_message_batch(ctx):
    url = ctx.create()
    entries = _entries(10)
    entries[3]["MessageAttributes"] = {"k": {"DataType": "String", "StringValue": "x"}}
    resp = ctx.sqs.send_message_batch(QueueUrl=url, Entries=entries)
    eq(resp.get("Failed", []), [], "no failures")
    ok = {e["Id"]: e for e in resp["Successful"]}
    eq(sorted(ok), sorted(e["Id"] for e in entries), "every entry succeeded")
    for i in range(10):
        eq(ok["e%d" % i]["MD5OfMessageBody"], md5_hex("body-%d" % i), "MD5OfMessageBody of entry %d" % i)
    eq(ok["e3"]["MD5OfMessageAttributes"], "a45daa70926828a2f0a1db3418e6feb4", "entry attribute MD5")
    check("MD5OfMessageAttributes" not in ok["e0"], "no attribute MD5 for an entry without attributes")
    got = ctx.receive_all(url, 10)
    eq(sorted(m["Body"] for m in got), sorted("body-%d" % i for i in range(10)), "all batch messages delivered")
    eq(sorted(m["MessageId"] for m in got), sorted(e["MessageId"] for e in ok.values()), "message ids")


def scenario_batch_request_rules(ctx):
    url = ctx.create()
    ctx.expect_error(ctx.sqs.send_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                     "There should be at least one SendMessageBatchRequestEntry in the request.",
                     QueueUrl=url, Entries=[])
    ctx.expect_error(ctx.sqs.delete_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                     "There should be at least one DeleteMessageBatchRequestEntry in the request.",
                     QueueUrl=url, Entries=[])
    ctx.expect_error(ctx.sqs.change_message_visibility_batch, "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                     None, QueueUrl=url, Entries=[])
    for count in [11, 20]:
        ctx.expect_error(ctx.sqs.send_message_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                         "Maximum number of entries per request are 10. You have sent %d." % count,
                         QueueUrl=url, Entries=_entries(count))
    handles = [{"Id": "h%d" % i, "ReceiptHandle": "x"} for i in range(11)]
    ctx.expect_error(ctx.sqs.delete_message_batch, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                     "Maximum number of entries per request are 10. You have sent 11.", QueueUrl=url,
                     Entries=handles)
    ctx.expect_error(ctx.sqs.change_message_visibility_batch,
                     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                     "Maximum number of entries per request are 10. You have sent 11.", QueueUrl=url,
                     Entries=[dict(h, VisibilityTimeout=1) for h in handles])
    for bad in ["", "x" * 81, "invalid:id", "has space", "dot.id"]:
        ctx.expect_error(ctx.sqs.send_message_batch, "AWS.SimpleQueueService.InvalidBatchEntryId", 400, BAD_ID,
                         QueueUrl=url, Entries=[{"Id": bad, "MessageBody": "b"}])
    ctx.expect_error(ctx.sqs.delete_message_batch, "AWS.SimpleQueueService.InvalidBatchEntryId", 400, BAD_ID,
                     QueueUrl=url, Entries=[{"Id": "bad:id", "ReceiptHandle": "x"}])
    ok_id = "A-z_" + "9" * 76
    resp = ctx.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": ok_id, "MessageBody": "b"}])
    eq([e["Id"] for e in resp["Successful"]], [ok_id], "80-character id accepted")
    dup = [{"Id": "id_1", "MessageBody": "a"}, {"Id": "id_2", "MessageBody": "b"},
           {"Id": "id_2", "MessageBody": "c"}, {"Id": "id_1", "MessageBody": "d"}]
    ctx.expect_error(ctx.sqs.send_message_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                     "Id id_2 repeated.", QueueUrl=url, Entries=dup)
    ctx.expect_error(ctx.sqs.delete_message_batch, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                     "Id a repeated.", QueueUrl=url,
                     Entries=[{"Id": "a", "ReceiptHandle": "x"}, {"Id": "a", "ReceiptHandle": "y"}])
    eq(ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"], "1", "rejected batches enqueue nothing")


def scenario_batch_request_too_long(ctx):
    url = ctx.create(attributes={"MaximumMessageSize": "1024"})
    entries = [{"Id": "big", "MessageBody": "x" * 1048568,
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "x"}}},
               {"Id": "small", "MessageBody": "y"}]
    ctx.expect_error(ctx.sqs.send_message_batch, "AWS.SimpleQueueService.BatchRequestTooLong", 400,
                     "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
                     QueueUrl=url, Entries=entries)
    eq(ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"], "0", "nothing enqueued")


def scenario_batch_entry_failures(ctx):
    url = ctx.create(attributes={"MaximumMessageSize": "1024"})
    resp = ctx.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "fine"},
        {"Id": "big", "MessageBody": "z" * 1025},
        {"Id": "bad", "MessageBody": "bell\x07"},
    ])
    eq([e["Id"] for e in resp["Successful"]], ["ok"], "only the valid entry succeeds")
    failed = {e["Id"]: e for e in resp["Failed"]}
    eq(sorted(failed), ["bad", "big"], "failed entries")
    eq(failed["big"]["Code"], "InvalidParameterValue", "oversized entry code")
    eq(failed["big"]["Message"],
       "One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.",
       "oversized entry message")
    eq(failed["big"]["SenderFault"], True, "SenderFault")
    eq(failed["bad"]["Code"], "InvalidMessageContents", "invalid character entry code")
    eq(failed["bad"]["SenderFault"], True, "SenderFault")


def scenario_delete_and_change_visibility_batch(ctx):
    url = ctx.create()
    ctx.sqs.send_message_batch(QueueUrl=url, Entries=_entries(4))
    msgs = ctx.receive_all(url, 4)
    eq(len(msgs), 4, "four received")
    resp = ctx.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "v0", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "v1", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 120},
        {"Id": "vbad", "ReceiptHandle": "garbage", "VisibilityTimeout": 5},
    ])
    eq(sorted(e["Id"] for e in resp["Successful"]), ["v0", "v1"], "visibility batch successes")
    eq([e["Id"] for e in resp["Failed"]], ["vbad"], "visibility batch failure")
    eq(resp["Failed"][0]["Code"], "ReceiptHandleIsInvalid", "bad handle entry code")
    eq(resp["Failed"][0]["SenderFault"], True, "SenderFault")
    again = ctx.receive_all(url, 1, timeout=3)
    eq([m["MessageId"] for m in again], [msgs[0]["MessageId"]], "the message made visible is received again")
    resp = ctx.sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d0", "ReceiptHandle": again[0]["ReceiptHandle"]},
        {"Id": "d1", "ReceiptHandle": msgs[1]["ReceiptHandle"]},
        {"Id": "d2", "ReceiptHandle": msgs[2]["ReceiptHandle"]},
        {"Id": "d3", "ReceiptHandle": msgs[3]["ReceiptHandle"]},
        {"Id": "dbad", "ReceiptHandle": "garbage"},
    ])
    eq(sorted(e["Id"] for e in resp["Successful"]), ["d0", "d1", "d2", "d3"], "delete batch successes")
    eq([(e["Id"], e["Code"], e["SenderFault"]) for e in resp["Failed"]],
       [("dbad", "ReceiptHandleIsInvalid", True)], "delete batch failure")
    eq(resp["Failed"][0]["Message"], 'The input receipt handle "garbage" is not a valid receipt handle.',
       "delete batch failure message for a string that is no receipt handle")
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    eq((attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]), ("0", "0"),
       "queue empty")


def scenario_batch_receipt_handle_error_texts(ctx):
    # AWS: an entry whose handle is not a receipt handle at all is answered with the single call's text; a
    # well-formed handle of another queue keeps "not valid for this queue".
    url = ctx.create()
    other = ctx.create("other")
    ctx.sqs.send_message(QueueUrl=other, MessageBody="elsewhere")
    foreign = ctx.receive_all(other, 1)[0]["ReceiptHandle"]
    resp = ctx.sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "fake", "ReceiptHandle": "fake-receipt-handle-1"},
        {"Id": "foreign", "ReceiptHandle": foreign}])
    check("Successful" not in resp or resp["Successful"] == [], "nothing deleted: %r" % resp)
    eq(sorted((e["Id"], e["Code"], e["SenderFault"], e["Message"]) for e in resp["Failed"]), [
        ("fake", "ReceiptHandleIsInvalid", True,
         'The input receipt handle "fake-receipt-handle-1" is not a valid receipt handle.'),
        ("foreign", "ReceiptHandleIsInvalid", True, 'The receipt handle "%s" is not valid for this queue.' % foreign)],
       "per-entry error texts")

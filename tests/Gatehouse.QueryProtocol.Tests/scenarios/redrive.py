"""Dead-letter queues, ListDeadLetterSourceQueues and message move tasks (reference 4.11).

botocore 1.29 predates the move-task operations, so those go out as hand-built signed Query requests.
"""

import base64
import json
import uuid

from botocore.exceptions import ClientError

from sqslib import ACCOUNT, REGION, eq, check


def _dlq_pair(ctx, max_receive_count=2):
    dlq = ctx.create("dlq")
    dlq_arn = ctx.arn(dlq)
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    src = ctx.create("src", attributes={"RedrivePolicy": policy})
    return src, dlq, dlq_arn


def scenario_dead_letter_redrive(ctx):
    src, dlq, dlq_arn = _dlq_pair(ctx, 2)
    src_arn = ctx.arn(src)
    redrive = json.loads(ctx.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])[
        "Attributes"]["RedrivePolicy"])
    eq(redrive["deadLetterTargetArn"], dlq_arn, "RedrivePolicy target")
    eq(int(redrive["maxReceiveCount"]), 2, "RedrivePolicy maxReceiveCount")
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}
    sent = ctx.sqs.send_message(QueueUrl=src, MessageBody="poison", MessageAttributes=attributes)
    for attempt in [1, 2]:
        got = ctx.receive_all(src, 1, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])
        eq(len(got), 1, "receive %d from the source" % attempt)
        eq(got[0]["Attributes"]["ApproximateReceiveCount"], str(attempt), "receive count %d" % attempt)
    third = ctx.sqs.receive_message(QueueUrl=src, WaitTimeSeconds=1).get("Messages", [])
    eq(third, [], "the third receive moves the message instead of returning it")
    moved = ctx.receive_all(dlq, 1, AttributeNames=["All"], MessageAttributeNames=["All"])
    eq(len(moved), 1, "message arrived in the dead-letter queue")
    msg = moved[0]
    eq(msg["MessageId"], sent["MessageId"], "MessageId kept")
    eq(msg["Body"], "poison", "body kept")
    eq(msg.get("MD5OfMessageAttributes"), "a45daa70926828a2f0a1db3418e6feb4", "attribute MD5 kept")
    eq(msg["Attributes"].get("DeadLetterQueueSourceArn"), src_arn, "DeadLetterQueueSourceArn")
    eq(ctx.sqs.list_dead_letter_source_queues(QueueUrl=dlq).get("queueUrls"), [src],
       "ListDeadLetterSourceQueues")
    eq(ctx.sqs.list_dead_letter_source_queues(QueueUrl=src).get("queueUrls", []), [], "no sources of the source")


def scenario_redrive_policy_rules(ctx):
    dlq = ctx.create("dlq")
    dlq_arn = ctx.arn(dlq)
    url = ctx.create("src")
    for count in [0, 1001]:
        ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidParameterValue", 400, None, QueueUrl=url,
                         Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                                                  "maxReceiveCount": count})})
    ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1000})})
    # a standard queue cannot use a FIFO dead-letter queue
    fifo_arn = ctx.arn(ctx.create_fifo("fdlq"))
    ctx.expect_error(ctx.sqs.set_queue_attributes, "InvalidParameterValue", 400, None, QueueUrl=url,
                     Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": fifo_arn,
                                                              "maxReceiveCount": 3})})


def scenario_redrive_allow_policy_deny_all(ctx):
    # RedriveAllowPolicy denyAll keeps a queue from being used as a dead-letter queue. The reference gives no
    # captured code or text for the refusal, so only the HTTP status and fault are asserted.
    dlq = ctx.create("dlq")
    dlq_arn = ctx.arn(dlq)
    ctx.sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "denyAll"})})
    other = ctx.create("other")
    try:
        ctx.sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})
    except ClientError as e:
        eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 400, "refusal status")
        eq(e.response["Error"].get("Type"), "Sender", "refusal fault")
        return
    raise AssertionError("a RedrivePolicy naming a denyAll dead-letter queue was accepted")


def _list_tasks(ctx, source_arn, max_results=10):
    resp = ctx.query({"Action": "ListMessageMoveTasks", "SourceArn": source_arn, "MaxResults": str(max_results)})
    eq(resp.status, 200, "ListMessageMoveTasks status: %r" % resp)
    entries = []
    for node in resp.findall("ListMessageMoveTasksResult/ListMessageMoveTasksResultEntry"):
        entries.append({child.tag.split("}")[1]: child.text for child in node})
    return entries


def scenario_message_move_task(ctx):
    src, dlq, dlq_arn = _dlq_pair(ctx, 1)
    for i in range(3):
        ctx.sqs.send_message(QueueUrl=src, MessageBody="m%d" % i)
    ctx.receive_all(src, 3, VisibilityTimeout=0)

    def all_in_dlq():
        ctx.sqs.receive_message(QueueUrl=src, VisibilityTimeout=0, MaxNumberOfMessages=10)
        return ctx.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"]["ApproximateNumberOfMessages"] == "3"
    ctx.wait_for(all_in_dlq, "the second receives to move every message to the DLQ")
    start = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn})
    eq(start.status, 200, "StartMessageMoveTask: %r" % start)
    handle = start.find("StartMessageMoveTaskResult/TaskHandle")
    check(handle, "TaskHandle returned: %r" % start)

    def completed():
        tasks = _list_tasks(ctx, dlq_arn)
        return tasks[0] if tasks and tasks[0].get("Status") == "COMPLETED" else None
    task = ctx.wait_for(completed, "the move task to complete")
    eq(task.get("SourceArn"), dlq_arn, "task SourceArn")
    eq(task.get("ApproximateNumberOfMessagesMoved"), "3", "messages moved")
    check("TaskHandle" not in task, "no TaskHandle once the task is no longer running")
    check("DestinationArn" not in task, "no DestinationArn when none was given")
    check(task.get("StartedTimestamp"), "StartedTimestamp present")
    counts = [ctx.sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] for u in (src, dlq)]
    eq(counts, ["3", "0"], "messages returned to their source (source, DLQ counts)")


def scenario_message_move_task_errors(ctx):
    plain = ctx.create("plain")
    resp = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": ctx.arn(plain)})
    ctx.expect_query_error(resp, "InvalidParameterValue", 400,
                           "Source queue must be configured as a Dead Letter Queue.")
    src, dlq, dlq_arn = _dlq_pair(ctx, 1)
    missing = "arn:aws:sqs:%s:%s:missing-%s" % (REGION, ACCOUNT, ctx.suffix)
    resp = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn, "DestinationArn": missing})
    ctx.expect_query_error(resp, "ResourceNotFoundException", 404,
                           "The resource that you specified for the DestinationArn parameter doesn't exist.")
    resp = ctx.query({"Action": "CancelMessageMoveTask", "TaskHandle": "not-a-handle"})
    ctx.expect_query_error(resp, "InvalidParameterValue", 400, "Value for parameter TaskHandle is invalid.")
    # a long-running task (many messages at 1 per second) can be cancelled, and only one runs at a time
    ctx.sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": "d"} for i in range(10)])
    resp = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn, "DestinationArn": ctx.arn(src),
                      "MaxNumberOfMessagesPerSecond": "1"})
    eq(resp.status, 200, "start: %r" % resp)
    handle = resp.find("StartMessageMoveTaskResult/TaskHandle")
    again = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn})
    ctx.expect_query_error(again, "InvalidParameterValue", 400,
                           "There is already a task running. Only one active task is allowed for a source queue "
                           "arn at a given time.")
    tasks = _list_tasks(ctx, dlq_arn)
    eq(tasks[0].get("Status"), "RUNNING", "task running")
    eq(tasks[0].get("TaskHandle"), handle, "TaskHandle listed while running")
    eq(tasks[0].get("MaxNumberOfMessagesPerSecond"), "1", "rate listed")
    eq(tasks[0].get("DestinationArn"), ctx.arn(src), "DestinationArn listed")
    cancel = ctx.query({"Action": "CancelMessageMoveTask", "TaskHandle": handle})
    eq(cancel.status, 200, "cancel: %r" % cancel)
    check(cancel.find("CancelMessageMoveTaskResult/ApproximateNumberOfMessagesMoved") is not None,
          "ApproximateNumberOfMessagesMoved returned")
    ctx.wait_for(lambda: _list_tasks(ctx, dlq_arn)[0].get("Status") == "CANCELLED", "task to be cancelled")
    resp = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn, "MaxNumberOfMessagesPerSecond": "501"})
    ctx.expect_query_error(resp, "InvalidParameterValue", 400, None)


def scenario_message_move_task_handle_and_completion(ctx):
    # AWS's task handle is base64 of {"taskId":"<uuid>","sourceArn":"<arn>"}; a well-formed handle naming no task
    # is ResourceNotFoundException "Task does not exist."; a task is COMPLETED as soon as every message moved.
    src, dlq, dlq_arn = _dlq_pair(ctx, 1)
    dest = ctx.create("dest")
    ctx.sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": "d%d" % i} for i in range(4)])
    start = ctx.query({"Action": "StartMessageMoveTask", "SourceArn": dlq_arn, "DestinationArn": ctx.arn(dest)})
    eq(start.status, 200, "StartMessageMoveTask: %r" % start)
    handle = start.find("StartMessageMoveTaskResult/TaskHandle")
    decoded = json.loads(base64.b64decode(handle))
    eq(list(decoded), ["taskId", "sourceArn"], "handle members in AWS's order")
    eq(decoded["sourceArn"], dlq_arn, "handle names the source queue")
    check(str(uuid.UUID(decoded["taskId"])) == decoded["taskId"], "taskId is a UUID: %r" % decoded)

    def moved():
        return ctx.sqs.get_queue_attributes(QueueUrl=dest, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"]["ApproximateNumberOfMessages"] == "4"
    ctx.wait_for(moved, "every message in the destination", interval=0.05)
    task = _list_tasks(ctx, dlq_arn)[0]
    eq(task.get("Status"), "COMPLETED", "COMPLETED once every message moved: %r" % task)
    check("TaskHandle" not in task, "no TaskHandle once completed")
    eq(task.get("ApproximateNumberOfMessagesMoved"), "4", "moved count")

    unknown = base64.b64encode(json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": dlq_arn},
                                          separators=(",", ":")).encode()).decode()
    resp = ctx.query({"Action": "CancelMessageMoveTask", "TaskHandle": unknown})
    ctx.expect_query_error(resp, "ResourceNotFoundException", 404, "Task does not exist.")
    resp = ctx.query({"Action": "CancelMessageMoveTask", "TaskHandle": handle})
    ctx.expect_query_error(resp, "ResourceNotFoundException", 404, "Task does not exist.")

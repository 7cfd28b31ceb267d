"""AddPermission / RemovePermission policy editing and queue tags (reference 4.14)."""

import json

from sqslib import ACCOUNT, eq, check


def _policy(ctx, url):
    attrs = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
    return json.loads(attrs["Policy"]) if "Policy" in attrs else None


def scenario_add_remove_permission(ctx):
    url = ctx.create()
    arn = ctx.arn(url)
    ctx.sqs.add_permission(QueueUrl=url, Label="crossaccountpermission", AWSAccountIds=["111122223333"],
                           Actions=["SendMessage"])
    policy = _policy(ctx, url)
    check(policy is not None, "Policy attribute set")
    eq(policy["Version"], "2008-10-17", "policy Version")
    check(policy["Id"].startswith(arn + "/"), "policy Id %r starts with the queue ARN" % policy["Id"])
    eq(len(policy["Statement"]), 1, "one statement")
    statement = policy["Statement"][0]
    eq(statement["Sid"], "crossaccountpermission", "Sid = label")
    eq(statement["Effect"], "Allow", "Effect")
    eq(statement["Principal"], {"AWS": "arn:aws:iam::111122223333:root"}, "single principal as a string")
    eq(statement["Action"], "SQS:SendMessage", "Action with the SQS: prefix")
    eq(statement["Resource"], arn, "Resource")

    ctx.sqs.add_permission(QueueUrl=url, Label="second", AWSAccountIds=["111122223333", "444455556666"],
                           Actions=["ReceiveMessage", "DeleteMessage"])
    policy = _policy(ctx, url)
    eq([s["Sid"] for s in policy["Statement"]], ["crossaccountpermission", "second"], "statements in order")
    second = policy["Statement"][1]
    eq(sorted(second["Principal"]["AWS"]),
       ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"], "principals as a list")
    eq(sorted(second["Action"]), ["SQS:DeleteMessage", "SQS:ReceiveMessage"], "actions as a list")

    ctx.expect_error(ctx.sqs.add_permission, "InvalidParameterValue", 400,
                     "Value crossaccountpermission for parameter Label is invalid. Reason: Already exists.",
                     QueueUrl=url, Label="crossaccountpermission", AWSAccountIds=[ACCOUNT], Actions=["SendMessage"])
    ctx.expect_error(ctx.sqs.remove_permission, "InvalidParameterValue", 400,
                     "Value crossaccountpermission2 for parameter Label is invalid. Reason: can't find label.",
                     QueueUrl=url, Label="crossaccountpermission2")
    ctx.expect_error(ctx.sqs.add_permission, "OverLimit", 403, None,
                     QueueUrl=url, Label="toomany", AWSAccountIds=[ACCOUNT],
                     Actions=["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                              "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListQueueTags"])
    ctx.sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission")
    eq([s["Sid"] for s in _policy(ctx, url)["Statement"]], ["second"], "one statement left")
    ctx.sqs.remove_permission(QueueUrl=url, Label="second")
    eq(_policy(ctx, url), None, "removing the last statement removes the Policy attribute")


def scenario_add_permission_wildcard(ctx):
    url = ctx.create()
    ctx.sqs.add_permission(QueueUrl=url, Label="all-actions_1", AWSAccountIds=[ACCOUNT], Actions=["*"])
    statement = _policy(ctx, url)["Statement"][0]
    eq(statement["Action"], "SQS:*", "wildcard action")
    eq(statement["Principal"], {"AWS": "arn:aws:iam::%s:root" % ACCOUNT}, "principal")
    ctx.expect_error(ctx.sqs.add_permission, "InvalidParameterValue", 400, None, QueueUrl=url,
                     Label="bad label!", AWSAccountIds=[ACCOUNT], Actions=["SendMessage"])


def scenario_queue_tags(ctx):
    url = ctx.create(tags={"team": "core", "env": "test"})
    eq(ctx.sqs.list_queue_tags(QueueUrl=url).get("Tags"), {"team": "core", "env": "test"}, "tags from create")
    ctx.sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "empty": ""})
    eq(ctx.sqs.list_queue_tags(QueueUrl=url).get("Tags"), {"team": "core", "env": "prod", "empty": ""},
       "tags merged, values replaced, empty value allowed")
    ctx.sqs.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
    eq(ctx.sqs.list_queue_tags(QueueUrl=url).get("Tags"), {"env": "prod", "empty": ""}, "after untag")
    ctx.sqs.untag_queue(QueueUrl=url, TagKeys=["env", "empty"])
    check(not ctx.sqs.list_queue_tags(QueueUrl=url).get("Tags"), "no tags left")


def scenario_add_permission_action_errors(ctx):
    # An action only the owner may call and an action SQS does not know are both named with the SQS: prefix; the
    # reasons differ.
    url = ctx.create()
    for action in ["RemovePermission", "CreateQueue", "SetQueueAttributes"]:
        ctx.expect_error(ctx.sqs.add_permission, "InvalidParameterValue", 400,
                         "Value SQS:%s for parameter ActionName is invalid. Reason: Only the queue owner is allowed "
                         "to invoke this action." % action,
                         QueueUrl=url, Label="owner", AWSAccountIds=[ACCOUNT], Actions=["SendMessage", action])
    for action in ["SendMessageBatch", "NoSuchAction"]:
        ctx.expect_error(ctx.sqs.add_permission, "InvalidParameterValue", 400,
                         "Value SQS:%s for parameter ActionName is invalid. Reason: Please refer to the appropriate "
                         "WSDL for a list of valid actions." % action,
                         QueueUrl=url, Label="unknown", AWSAccountIds=[ACCOUNT], Actions=[action])
    check(_policy(ctx, url) is None, "nothing was added")

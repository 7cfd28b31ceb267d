"""Raw Query-protocol wire checks: XML shapes, escaping, routing by path, GET requests (reference 1.2)."""

import json
import re

from sqslib import ACCOUNT, NS, NON_EXISTENT_QUEUE, NON_EXISTENT_QUEUE_TEXT, eq, check, md5_hex, q

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _children(node):
    return [child.tag.replace("{%s}" % NS, "") for child in node]


def scenario_wire_success_shape(ctx):
    url = ctx.create()
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "test"})
    eq(resp.status, 200, "status %r" % resp)
    check(resp.headers.get("Content-Type", "").startswith("text/xml"), "XML content type: %r" %
          resp.headers.get("Content-Type"))
    check(resp.text.startswith('<?xml version="1.0"?><SendMessageResponse xmlns="%s">' % NS),
          "declaration and namespaced root: %r" % resp.text[:120])
    eq(_children(resp.xml), ["SendMessageResult", "ResponseMetadata"], "response children")
    eq(_children(resp.xml.find(q("SendMessageResult"))), ["MessageId", "MD5OfMessageBody"], "result children")
    eq(resp.find("SendMessageResult/MD5OfMessageBody"), "098f6bcd4621d373cade4e832627b4f6", "MD5")
    check(re.fullmatch(UUID, resp.find("ResponseMetadata/RequestId") or ""), "RequestId is a UUID")

    resp = ctx.query({"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "VisibilityTimeout"})
    check("<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>"
          "</GetQueueAttributesResult>" in resp.text, "flattened attribute map: %r" % resp.text)

    resp = ctx.query({"Action": "DeleteQueue", "QueueUrl": url})
    eq(resp.status, 200, "DeleteQueue status")
    eq(resp.xml.tag, q("DeleteQueueResponse"), "DeleteQueue root")
    eq(_children(resp.xml), ["ResponseMetadata"], "operations without output have only ResponseMetadata")


def scenario_wire_receive_shape(ctx):
    url = ctx.create()
    resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url})
    check("<ReceiveMessageResult/>" in resp.text, "empty receive is <ReceiveMessageResult/>: %r" % resp.text)
    ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "x",
               "MessageAttribute.1.Name": "k", "MessageAttribute.1.Value.DataType": "String",
               "MessageAttribute.1.Value.StringValue": "x"})
    resp = None
    for _ in range(10):
        resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "SenderId",
                          "MessageAttributeName.1": "All", "WaitTimeSeconds": "1"})
        if resp.findall("ReceiveMessageResult/Message"):
            break
    messages = resp.findall("ReceiveMessageResult/Message")
    eq(len(messages), 1, "one flattened <Message>: %r" % resp)
    eq(_children(messages[0]), ["MessageId", "ReceiptHandle", "MD5OfBody", "MD5OfMessageAttributes", "Body",
                                "Attribute", "MessageAttribute"], "Message element order")
    eq(resp.find("ReceiveMessageResult/Message/MD5OfMessageAttributes"), "a45daa70926828a2f0a1db3418e6feb4",
       "MD5OfMessageAttributes")
    eq(_children(messages[0].find(q("MessageAttribute"))), ["Name", "Value"], "MessageAttribute children")
    eq(_children(messages[0].find(q("MessageAttribute")).find(q("Value"))), ["StringValue", "DataType"],
       "MessageAttribute value children")
    eq(resp.find("ReceiveMessageResult/Message/Attribute/Name"), "SenderId", "system attribute name")


def scenario_wire_error_shape(ctx):
    resp = ctx.query({"Action": "GetQueueUrl", "QueueName": "missing-" + ctx.suffix})
    eq(resp.status, 400, "status")
    check(resp.text.startswith('<?xml version="1.0"?><ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>'
                               % NS), "error document start: %r" % resp.text)
    eq(_children(resp.xml), ["Error", "RequestId"], "ErrorResponse children")
    eq(_children(resp.xml.find(q("Error"))), ["Type", "Code", "Message", "Detail"], "Error children")
    check("<Detail/>" in resp.text, "empty <Detail/> element: %r" % resp.text)
    ctx.expect_query_error(resp, NON_EXISTENT_QUEUE, 400, NON_EXISTENT_QUEUE_TEXT)
    check(re.fullmatch(UUID, resp.find("RequestId") or ""), "RequestId sibling of Error")


def scenario_wire_xml_escaping(ctx):
    url = ctx.create()
    body = '{"response_id":428455}\r\n<&>\'x'
    ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": body})
    resp = None
    for _ in range(10):
        resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url, "WaitTimeSeconds": "1"})
        if resp.findall("ReceiveMessageResult/Message"):
            break
    check("<Body>{&quot;response_id&quot;:428455}&#xD;\n&lt;&amp;&gt;" in resp.text,
          "quotes as &quot; and CR as &#xD;: %r" % resp.text)
    eq(resp.find("ReceiveMessageResult/Message/Body"), body, "body parses back exactly")


def scenario_wire_get_request(ctx):
    name = ctx.name()
    resp = ctx.query({"Action": "CreateQueue", "QueueName": name}, method="GET")
    eq(resp.status, 200, "GET CreateQueue: %r" % resp)
    url = resp.find("CreateQueueResult/QueueUrl")
    check(url and url.endswith("/" + name), "QueueUrl from GET")
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "via get \u00e9"}, method="GET")
    eq(resp.status, 200, "GET SendMessage: %r" % resp)
    eq(resp.find("SendMessageResult/MD5OfMessageBody"), md5_hex("via get \u00e9"), "MD5 of the UTF-8 body")
    resp = ctx.query({"Action": "ListQueues", "QueueNamePrefix": name}, method="GET")
    eq([n.text for n in resp.findall("ListQueuesResult/QueueUrl")], [url], "GET ListQueues")
    msgs = ctx.receive_all(url, 1)
    eq([m["Body"] for m in msgs], ["via get \u00e9"], "message sent by GET")


def scenario_wire_queue_path_routing(ctx):
    url = ctx.create()
    other_url = ctx.create("other")
    path = ctx.queue_path(url)
    resp = ctx.query({"Action": "SendMessage", "MessageBody": "by-path"}, path=path)
    eq(resp.status, 200, "POST to the queue path without QueueUrl: %r" % resp)
    resp = ctx.query({"Action": "SendMessage", "MessageBody": "override", "QueueUrl": other_url}, path=path)
    eq(resp.status, 200, "explicit QueueUrl on a queue path")
    resp = ctx.query({"Action": "GetQueueAttributes", "AttributeName.1": "ApproximateNumberOfMessages"},
                     path=path, method="GET")
    eq(resp.status, 200, "GET on the queue path with a query: %r" % resp)
    eq([m["Body"] for m in ctx.receive_all(url, 1)], ["by-path"], "path identifies the queue")
    eq([m["Body"] for m in ctx.receive_all(other_url, 1)], ["override"], "QueueUrl parameter overrides the path")
    resp = ctx.query({"Action": "GetQueueUrl", "QueueName": ctx.name("other")}, path=path)
    eq(resp.find("GetQueueUrlResult/QueueUrl"), other_url, "GetQueueUrl on a queue path may name another queue")
    for action in ["CreateQueue", "ListQueues"]:
        resp = ctx.query({"Action": action, "QueueName": ctx.name("x")}, path=path)
        ctx.expect_query_error(resp, "InvalidAction", 400, "The action %s is not valid for this endpoint." % action)


def scenario_wire_invalid_action(ctx):
    resp = ctx.query({"Action": "FooBar"})
    ctx.expect_query_error(resp, "InvalidAction", 400, "The action FooBar is not valid for this endpoint.")
    resp = ctx.query({"Action": "FooBar"}, method="GET")
    ctx.expect_query_error(resp, "InvalidAction", 400, "The action FooBar is not valid for this endpoint.")


def scenario_wire_bare_get_on_queue_url(ctx):
    url = ctx.create()
    path = ctx.queue_path(url)
    for headers in [None, {"Accept": "application/json"}]:
        resp = ctx.query({}, path=path, method="GET", version=False, headers=headers)
        eq(resp.status, 404, "bare GET status: %r" % resp)
        check("<UnknownOperationException" in resp.text, "body contains <UnknownOperationException: %r" % resp.text)


def scenario_wire_presigned_get_and_system_attribute_names(ctx):
    url = ctx.create()
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "presigned"}, method="GET",
                     presign=True)
    eq(resp.status, 200, "GET signed in the query string: %r" % resp)
    resp = None
    for _ in range(10):
        resp = ctx.query({"Action": "ReceiveMessage", "QueueUrl": url, "MessageSystemAttributeName.1": "SentTimestamp",
                          "VisibilityTimeout": "0", "WaitTimeSeconds": "1"})
        if resp.findall("ReceiveMessageResult/Message"):
            break
    eq([n.text for n in resp.findall("ReceiveMessageResult/Message/Attribute/Name")], ["SentTimestamp"],
       "MessageSystemAttributeName.N is accepted like AttributeName.N")
    eq(resp.find("ReceiveMessageResult/Message/Body"), "presigned", "body")


def scenario_wire_accept_json_rendering(ctx):
    name = ctx.name()
    url = ctx.create()
    resp = ctx.query({"Action": "ListQueues", "QueueNamePrefix": name}, method="GET",
                     headers={"Accept": "application/json"})
    eq(resp.status, 200, "status %r" % resp)
    try:
        document = json.loads(resp.text)
    except ValueError:
        raise AssertionError("a Query GET with Accept: application/json gets JSON, not %r" % resp.text)
    check("ListQueuesResult" in document.get("ListQueuesResponse", {}),
          "top-level ListQueuesResponse with a nested ListQueuesResult: %r" % document)
    check(url in json.dumps(document), "the queue URL is listed: %r" % document)


def scenario_wire_queue_url_echoes_host(ctx):
    host_endpoint = ctx.endpoint.replace("127.0.0.1", "localhost")
    ctx.endpoint = host_endpoint
    resp = ctx.query({"Action": "CreateQueue", "QueueName": ctx.name()})
    eq(resp.status, 200, "status %r" % resp)
    eq(resp.find("CreateQueueResult/QueueUrl"), "%s/%s/%s" % (host_endpoint, ACCOUNT, ctx.name()),
       "queue URL uses the host the client addressed")


def scenario_wire_trace_header(ctx):
    url = ctx.create()
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    resp = ctx.query({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "traced"},
                     headers={"X-Amzn-Trace-Id": trace})
    eq(resp.status, 200, "status %r" % resp)
    msg = ctx.receive_all(url, 1, AttributeNames=["AWSTraceHeader"])[0]
    eq(msg.get("Attributes", {}).get("AWSTraceHeader"), trace, "X-Amzn-Trace-Id stored as AWSTraceHeader")

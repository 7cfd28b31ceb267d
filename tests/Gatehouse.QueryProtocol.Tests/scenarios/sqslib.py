"""Shared helpers for the Query-protocol conformance scenarios.

Every scenario receives a ``Ctx`` and raises ``AssertionError`` (with a precise message) on the first
mismatch. The botocore client speaks the Query protocol (botocore 1.29); ``Ctx.query`` sends hand-built,
SigV4-signed Query requests for wire-level checks and for operations botocore 1.29 does not model.
"""

import hashlib
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

NS = "http://queue.amazonaws.com/doc/2012-11-05/"
ACCOUNT = "000000000000"
REGION = "us-east-1"
NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
NON_EXISTENT_QUEUE_TEXT = "The specified queue does not exist for this wsdl version."


def q(tag):
    """Namespaced XML tag."""
    return "{%s}%s" % (NS, tag)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def check(condition, what):
    if not condition:
        raise AssertionError(what)


class QueryResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8")
        try:
            self.xml = ET.fromstring(body) if body else None
        except ET.ParseError:
            self.xml = None

    def find(self, path):
        """Text of the first element at a namespaced path such as 'CreateQueueResult/QueueUrl'."""
        if self.xml is None:
            return None
        node = self.xml.find("/".join(q(p) for p in path.split("/")))
        return None if node is None else (node.text or "")

    def findall(self, path):
        if self.xml is None:
            return []
        return self.xml.findall("/".join(q(p) for p in path.split("/")))

    def error(self):
        return (self.find("Error/Type"), self.find("Error/Code"), self.find("Error/Message"))

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.text)


class Ctx:
    def __init__(self, endpoint, scenario):
        self.endpoint = endpoint.rstrip("/")
        self.scenario = scenario
        self.suffix = uuid.uuid4().hex[:8]
        session = botocore.session.get_session()
        self.sqs = session.create_client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=60),
        )
        self._credentials = Credentials("test", "test")

    # ---- naming -------------------------------------------------------------------------------------------
    def name(self, label="q"):
        """A queue name unique to this run (queues are shared by all scenarios on one server)."""
        base = "%s-%s-%s" % (self.scenario[:30], label, self.suffix)
        return base.replace("_", "-")[:80]

    def create(self, label="q", attributes=None, tags=None):
        kwargs = {"QueueName": self.name(label)}
        if attributes:
            kwargs["Attributes"] = attributes
        if tags:
            kwargs["tags"] = tags
        return self.sqs.create_queue(**kwargs)["QueueUrl"]

    def create_fifo(self, label="f", attributes=None):
        attrs = {"FifoQueue": "true"}
        attrs.update(attributes or {})
        name = self.name(label)[:75] + ".fifo"
        return self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]

    def arn(self, queue_url):
        return self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    # ---- errors -------------------------------------------------------------------------------------------
    def expect_error(self, call, code, status, message=None, **kwargs):
        """Call a botocore operation and assert the AWS error code, HTTP status and (optionally) message."""
        try:
            result = call(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            got_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            eq(err.get("Code"), code, "error code")
            eq(got_status, status, "HTTP status for %s" % code)
            eq(err.get("Type"), "Sender", "error type for %s" % code)
            if message is not None:
                eq(err.get("Message"), message, "error message for %s" % code)
            return err
        raise AssertionError("expected %s (%d) but the call succeeded: %r" % (code, status, result))

    def expect_no_queue(self, call, **kwargs):
        return self.expect_error(call, NON_EXISTENT_QUEUE, 400, NON_EXISTENT_QUEUE_TEXT, **kwargs)

    def expect_query_error(self, response, code, status, message=None):
        eq(response.status, status, "HTTP status of %r" % response)
        check(response.xml is not None, "error body is not XML: %r" % response)
        eq(response.xml.tag, q("ErrorResponse"), "root element")
        typ, got_code, got_message = response.error()
        eq(got_code, code, "error code in %r" % response)
        eq(typ, "Sender", "error type")
        if message is not None:
            eq(got_message, message, "error message")

    # ---- raw Query requests -------------------------------------------------------------------------------
    def query(self, params, path="/", method="POST", sign=True, version=True, headers=None, raw_body=None,
              presign=False):
        """Send a Query-protocol request (form POST or GET query string), SigV4-signed like an SDK would
        (in the Authorization header, or with presign=True in X-Amz-* query parameters)."""
        params = dict(params)
        if version and "Version" not in params:
            params["Version"] = "2012-11-05"
        encoded = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        url = self.endpoint + path
        hdrs = dict(headers or {})
        data = None
        if method == "GET":
            if encoded:
                url = url + "?" + encoded
        else:
            data = raw_body if raw_body is not None else encoded.encode("utf-8")
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        if presign:
            request = AWSRequest(method=method, url=url, data=data, headers=hdrs)
            SigV4QueryAuth(self._credentials, "sqs", REGION, expires=300).add_auth(request)
            url = request.url
        elif sign:
            request = AWSRequest(method=method, url=url, data=data, headers=hdrs)
            SigV4Auth(self._credentials, "sqs", REGION).add_auth(request)
            hdrs = dict(request.headers.items())
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return QueryResponse(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            return QueryResponse(e.code, e.headers, e.read())

    def queue_path(self, queue_url):
        return urllib.parse.urlparse(queue_url).path

    # ---- messages -----------------------------------------------------------------------------------------
    def receive_all(self, queue_url, expected, timeout=10.0, **kwargs):
        """Receive until `expected` messages have arrived (short polls may return a subset)."""
        got = []
        deadline = time.time() + timeout
        while len(got) < expected and time.time() < deadline:
            resp = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                            **kwargs)
            got.extend(resp.get("Messages", []))
        return got

    def wait_for(self, predicate, what, timeout=15.0, interval=0.2):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("timed out waiting for " + what)


def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_attributes(attributes):
    """MD5OfMessageAttributes as the reference (section 4.13) describes it; used to cross-check values."""
    digest = hashlib.md5()
    for name in sorted(attributes, key=lambda n: n.encode("utf-8")):
        value = attributes[name]
        data_type = value["DataType"]
        digest.update(struct.pack(">I", len(name.encode("utf-8"))) + name.encode("utf-8"))
        digest.update(struct.pack(">I", len(data_type.encode("utf-8"))) + data_type.encode("utf-8"))
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            digest.update(b"\x02" + struct.pack(">I", len(raw)) + raw)
        else:
            raw = value["StringValue"].encode("utf-8")
            digest.update(b"\x01" + struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()

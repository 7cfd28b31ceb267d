"""Signs one request with botocore's SigV4 signer; used by the interop tests.

Reads a JSON object on stdin:
  {"method", "url", "headers": [[name, value]...], "body", "accessKey", "secretKey", "token"|null,
   "region", "service", "timestamp": "yyyymmddThhmmssZ", "presign": false, "expires": 900}
Writes a JSON object: {"headers": [[name, value]...], "url"} of the signed request.
"""
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    spec = json.load(sys.stdin)
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
    credentials = Credentials(spec["accessKey"], spec["secretKey"], spec.get("token"))
    body = spec.get("body") or ""
    request = AWSRequest(method=spec["method"], url=spec["url"], data=body.encode("utf-8"),
                         headers=dict(spec.get("headers") or []))
    if spec.get("presign"):
        signer = botocore.auth.SigV4QueryAuth(credentials, spec["service"], spec["region"],
                                              expires=spec.get("expires", 900))
    else:
        signer = botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"])
    signer.add_auth(request)
    prepared = request.prepare()
    json.dump({
        "url": prepared.url,
        "headers": [[k, v] for k, v in prepared.headers.items()],
    }, sys.stdout)


if __name__ == "__main__":
    main()

"""Runs one Query-protocol conformance scenario against a Gatehouse endpoint.

Usage: run.py <endpoint-url> <scenario-name>     (run.py <endpoint-url> --all runs every scenario)
A scenario is a function named scenario_<name> in one of the sibling modules; it takes a Ctx and raises on
the first mismatch. Exit code 0 = pass, 1 = assertion failure or unexpected error, 2 = usage error.
"""

import importlib
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import botocore  # noqa: E402

from sqslib import Ctx  # noqa: E402

MODULES = ["queues", "attributes", "messages", "receive", "batches", "handles", "permissions_tags",
           "redrive", "fifo", "wire", "enforcement", "organizations", "kms", "vpc_endpoints", "poison"]


def scenarios():
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in dir(module):
            if name.startswith("scenario_"):
                found[name[len("scenario_"):]] = getattr(module, name)
    return found


def run_one(endpoint, name, fn):
    try:
        fn(Ctx(endpoint, name))
        print("PASS %s" % name)
        return True
    except Exception:  # report every failure with its traceback
        print("FAIL %s" % name)
        traceback.print_exc(file=sys.stdout)
        return False


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    if not botocore.__version__.startswith("1.29."):
        print("botocore %s is not the Query-protocol botocore 1.29" % botocore.__version__)
        return 2
    endpoint, name = argv[1], argv[2]
    found = scenarios()
    if name == "--all":
        results = [run_one(endpoint, n, found[n]) for n in sorted(found)]
        print("%d passed, %d failed" % (results.count(True), results.count(False)))
        return 0 if all(results) else 1
    if name not in found:
        print("unknown scenario %r" % name)
        return 2
    return 0 if run_one(endpoint, name, found[name]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

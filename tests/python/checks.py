"""What the smoke test's Python client shares: generating stubs from proto/, counting checks, reading failures.

Used by tests/python/smoke_client.py (the interop suite's Python client uses the llmarket package instead).
"""

import sys

import grpc
from grpc_tools import protoc

PROTOS = ["llmarket/forecast/v1/forecast.proto", "llmarket/taxonomy/v1/taxonomy.proto"]

results = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    """Counts one check and prints 'ok' or 'FAIL' with its name (and the detail on failure)."""
    if condition:
        results["passed"] += 1
        print(f"ok   {name}")
    else:
        results["failed"] += 1
        print(f"FAIL {name} {detail}")


def failure_of(call):
    """The grpc.RpcError a call raised, or None when it succeeded."""
    try:
        call()
        return None
    except grpc.RpcError as error:
        return error


def code_of(error):
    """The status code of a failure_of result (OK for None)."""
    return grpc.StatusCode.OK if error is None else error.code()


def generate(proto_dir, out_dir):
    """Generates the message and service stubs of PROTOS into out_dir and makes them importable."""
    for proto in PROTOS:
        code = protoc.main(
            ["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", proto]
        )
        if code != 0:
            raise SystemExit(f"protoc failed on {proto} with {code}")
    sys.path.insert(0, out_dir)


def summary(language):
    """Prints 'LANGUAGE: N passed, N failed' and returns the process exit code (1 on any failure)."""
    print(f"{language}: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0

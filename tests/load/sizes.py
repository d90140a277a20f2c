"""Response sizes of the load suite's rows: the encoded message, and what gzip makes of it.

Usage: sizes.py PROTO_DIR ROWS_JSON   (ROWS_JSON: [[row, address, method, request], ...])
Prints a JSON object {row: [message bytes, gzip bytes]}. The request is built from the
generated Python classes (grpcio-tools, from proto/); the reply is read as raw bytes, so its size
is the message as sent, without the 5-byte gRPC frame header and HTTP/2 framing. Plaintext only.
"""

import gzip
import importlib
import json
import shutil
import sys
import tempfile

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2
from grpc_tools import protoc

PROTOS = ["llmarket/forecast/v1/forecast.proto", "llmarket/taxonomy/v1/taxonomy.proto"]


def main():
    proto_dir, rows = sys.argv[1], json.loads(sys.argv[2])
    out = tempfile.mkdtemp(prefix="llmarket-sizes-")
    for proto in PROTOS:
        if protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", proto]) != 0:
            raise SystemExit(f"protoc failed on {proto}")
    sys.path.insert(0, out)
    modules = {
        "llmarket.forecast.v1": importlib.import_module("llmarket.forecast.v1.forecast_pb2"),
        "llmarket.taxonomy.v1": importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2"),
        "grpc.health.v1": health_pb2,
    }
    sizes = {}
    for name, address, method, request in rows:
        service, rpc = method.rsplit("/", 1)
        package, service_name = service.rsplit(".", 1)
        module = modules[package]
        descriptor = module.DESCRIPTOR.services_by_name[service_name].methods_by_name[rpc]
        request_class = getattr(module, descriptor.input_type.name)
        message = json_format.ParseDict(request, request_class())
        with grpc.insecure_channel(address) as channel:
            call = channel.unary_unary(f"/{method}", request_serializer=request_class.SerializeToString)
            reply = call(message, timeout=10)
        sizes[name] = [len(reply), len(gzip.compress(reply))]
    shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()

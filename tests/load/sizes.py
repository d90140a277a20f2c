"""Response sizes of the load suite's rows, or their requests as gRPC frames for h2load.

Usage: sizes.py PROTO_DIR ROWS_JSON               (ROWS_JSON: [[row, address, method, request], ...])
       sizes.py PROTO_DIR ROWS_JSON --frames DIR  (ROWS_JSON: [[row, method, request, gzip], ...])
The first prints a JSON object {row: [message bytes, gzip bytes]}: the reply is read as raw bytes,
so its size is the message as sent, without the 5-byte gRPC frame header and HTTP/2 framing
(plaintext only). The second calls nothing: it writes each row's request as one gRPC frame
(compressed with gzip, and flagged so, when `gzip` is true) to DIR and prints {row: path}.
Requests are built from the generated Python classes (grpcio-tools, from proto/).
"""

import gzip
import importlib
import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2
from grpc_tools import protoc

PROTOS = [
    "google/api/field_behavior.proto", "google/api/resource.proto", "google/type/date.proto",
    "llmarket/forecast/v1/forecast.proto", "llmarket/taxonomy/v1/taxonomy.proto",
    "llmarket/forecast/v2/forecast.proto", "llmarket/taxonomy/v2/taxonomy.proto",
]


def request_class(modules, method):
    """The generated class of `method`'s request (`package.Service/Method`)."""
    service, rpc = method.rsplit("/", 1)
    package, service_name = service.rsplit(".", 1)
    module = modules[package]
    descriptor = module.DESCRIPTOR.services_by_name[service_name].methods_by_name[rpc]
    return getattr(module, descriptor.input_type.name)


def reply_sizes(modules, rows):
    """{row: [reply bytes, gzip bytes]}, each reply asked for once over plaintext."""
    sizes = {}
    for name, address, method, request in rows:
        message_class = request_class(modules, method)
        message = json_format.ParseDict(request, message_class())
        with grpc.insecure_channel(address) as channel:
            call = channel.unary_unary(f"/{method}", request_serializer=message_class.SerializeToString)
            reply = call(message, timeout=10)
        sizes[name] = [len(reply), len(gzip.compress(reply))]
    return sizes


def request_frames(modules, rows, directory):
    """{row: path}: each row's request as a length-prefixed gRPC frame in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for index, (name, method, request, compressed) in enumerate(rows):
        message = json_format.ParseDict(request, request_class(modules, method)()).SerializeToString()
        if compressed:
            message = gzip.compress(message)
        path = directory / f"{index}.grpc"
        path.write_bytes(struct.pack(">BI", 1 if compressed else 0, len(message)) + message)
        paths[name] = str(path)
    return paths


def main():
    proto_dir, rows = sys.argv[1], json.loads(sys.argv[2])
    frames = Path(sys.argv[4]) if sys.argv[3:4] == ["--frames"] else None
    out = tempfile.mkdtemp(prefix="llmarket-sizes-")
    well_known = Path(protoc.__file__).parent / "_proto"  # google/protobuf/*.proto
    for proto in PROTOS:
        if protoc.main(["protoc", f"-I{proto_dir}", f"-I{well_known}", f"--python_out={out}", proto]) != 0:
            raise SystemExit(f"protoc failed on {proto}")
    sys.path.insert(0, out)
    modules = {
        "llmarket.forecast.v1": importlib.import_module("llmarket.forecast.v1.forecast_pb2"),
        "llmarket.taxonomy.v1": importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2"),
        "llmarket.forecast.v2": importlib.import_module("llmarket.forecast.v2.forecast_pb2"),
        "llmarket.taxonomy.v2": importlib.import_module("llmarket.taxonomy.v2.taxonomy_pb2"),
        "grpc.health.v1": health_pb2,
    }
    result = request_frames(modules, rows, frames) if frames else reply_sizes(modules, rows)
    shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

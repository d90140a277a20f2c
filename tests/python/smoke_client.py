"""Cross-language smoke test: a Python client generated from proto/ calls both llmarket services.

Usage: smoke_client.py PROTO_DIR FORECAST_ADDR TAXONOMY_ADDR [CA_PEM CLIENT_PEM CLIENT_KEY]
Generates the Python stubs from the .proto files into a temporary directory with grpcio-tools,
then checks health, one List method per service, a Get, and an error path. Exits non-zero on any
failure and prints 'N passed, N failed' last.

With CA_PEM, CLIENT_PEM and CLIENT_KEY the channels use TLS (grpc.ssl_channel_credentials) with
that client certificate, and, when LLMARKET_TOKEN is set, call credentials that send it as
`authorization: Bearer …` on every call.
"""

import importlib
import os
import sys
import tempfile

import grpc
from checks import check, code_of, failure_of, generate, summary
from grpc_health.v1 import health_pb2, health_pb2_grpc

BUILTIN = "datasets/cic-global-llm-2026"


# How channels are opened: plaintext unless main() sets TLS credentials.
credentials = {"channel": None}


def open_channel(address):
    if credentials["channel"] is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, credentials["channel"])


def tls_credentials(ca_path, cert_path, key_path, token):
    def read(path):
        with open(path, "rb") as file:
            return file.read()

    channel = grpc.ssl_channel_credentials(
        root_certificates=read(ca_path), private_key=read(key_path), certificate_chain=read(cert_path)
    )
    if token:
        return grpc.composite_channel_credentials(channel, grpc.access_token_call_credentials(token))
    return channel


def health(channel, service):
    stub = health_pb2_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return response.status == health_pb2.HealthCheckResponse.SERVING


def healthy_stub(channel, package, service):
    """Checks the health of llmarket.PACKAGE.v1.SERVICE on channel (overall and by name); returns the
    package's messages module and a stub of the service."""
    name = f"llmarket.{package}.v1.{service}"
    check(f"{package} health overall", health(channel, ""))
    check(f"{package} health by name", health(channel, name))
    pb = importlib.import_module(f"llmarket.{package}.v1.{package}_pb2")
    rpc = importlib.import_module(f"llmarket.{package}.v1.{package}_pb2_grpc")
    return pb, getattr(rpc, f"{service}Stub")(channel)


def forecast_checks(address):
    with open_channel(address) as channel:
        pb, stub = healthy_stub(channel, "forecast", "ForecastService")
        datasets = stub.ListDatasets(pb.ListDatasetsRequest(), timeout=5).datasets
        check("ListDatasets has the built-in dataset", any(d.name == BUILTIN for d in datasets), str(datasets))
        series = stub.GetSeries(pb.GetSeriesRequest(name=f"{BUILTIN}/series/market-size"), timeout=5).series
        by_year = {o.year: o for o in series.observations}
        check(
            "GetSeries market-size 2024 is 10.7, reported",
            2024 in by_year
            and by_year[2024].value == 10.7
            and by_year[2024].provenance == pb.PROVENANCE_REPORTED,
            str(by_year.get(2024)),
        )
        missing = failure_of(
            lambda: stub.GetSeries(pb.GetSeriesRequest(name=f"{BUILTIN}/series/no-such-series"), timeout=5)
        )
        check(
            "GetSeries of a missing series is NOT_FOUND",
            code_of(missing) == grpc.StatusCode.NOT_FOUND and "no-such-series" in missing.details(),
            missing,
        )


def taxonomy_checks(address):
    with open_channel(address) as channel:
        pb, stub = healthy_stub(channel, "taxonomy", "TaxonomyService")
        schemes = stub.ListSchemes(pb.ListSchemesRequest(language_code="en"), timeout=5).schemes
        names = {s.name for s in schemes}
        check("ListSchemes has the capability levels", "schemes/capability-levels" in names, str(names))
        hits = stub.SearchConcepts(pb.SearchConceptsRequest(query="智能体", language_code="en"), timeout=5).hits
        check("SearchConcepts finds agents in Chinese", len(hits) > 0, str(hits))
        invalid = failure_of(lambda: stub.ListSchemes(pb.ListSchemesRequest(page_size=-1), timeout=5))
        check(
            "negative page_size is INVALID_ARGUMENT",
            code_of(invalid) == grpc.StatusCode.INVALID_ARGUMENT and "page_size" in invalid.details(),
            invalid,
        )


def main():
    proto_dir, forecast_addr, taxonomy_addr = sys.argv[1:4]
    if len(sys.argv) == 7:
        credentials["channel"] = tls_credentials(*sys.argv[4:7], os.environ.get("LLMARKET_TOKEN"))
    elif len(sys.argv) != 4:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as out_dir:
        generate(proto_dir, out_dir)
        forecast_checks(forecast_addr)
        taxonomy_checks(taxonomy_addr)
    return summary("python")


if __name__ == "__main__":
    sys.exit(main())

"""The Python interop client: the interop script (tests/interop/README.md) against the real servers.

Usage: client.py PROTO_DIR FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM (token in LLMARKET_TOKEN)
Generates the stubs from PROTO_DIR with grpcio-tools into a temporary directory, then runs the script
with grpcio; rich errors through grpcio-status (rpc_status.from_call) and googleapis-common-protos.
Prints "ok"/"FAIL" per check, then "python: N passed, N failed"; exits 1 on any failure.
This is tests/python/smoke_client.py grown into the shared script; the smoke test keeps that one for
its mutual-TLS checks.
"""

import importlib
import os
import sys
import tempfile

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

# The helpers the Python clients share (tests/python/checks.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from checks import check, code_of, failure_of, generate, summary  # noqa: E402

DATASET = "datasets/cic-global-llm-2026"
SERIES = f"{DATASET}/series/market-size"
CONCEPT = "schemes/trends/concepts/cot-reasoning-models"
TIMEOUT = 10

def forecast_script(address):
    pb = importlib.import_module("llmarket.forecast.v1.forecast_pb2")
    rpc = importlib.import_module("llmarket.forecast.v1.forecast_pb2_grpc")
    with grpc.insecure_channel(address) as channel:
        f = rpc.ForecastServiceStub(channel)
        datasets = f.ListDatasets(pb.ListDatasetsRequest(), timeout=TIMEOUT).datasets
        check("ListDatasets has the built-in dataset", any(d.name == DATASET for d in datasets))

        by_year = {o.year: o for o in f.GetSeries(pb.GetSeriesRequest(name=SERIES), timeout=TIMEOUT).series.observations}

        def stated(year, value, kind):
            o = by_year.get(year)
            return (o is not None and o.value == value and o.qualifier == pb.QUALIFIER_EXACT
                    and o.provenance == pb.PROVENANCE_REPORTED and o.kind == kind)

        check("GetSeries: 2024 is 10.7, exact, reported, actual", stated(2024, 10.7, pb.OBSERVATION_KIND_ACTUAL), by_year.get(2024))
        check("GetSeries: 2029 is 206.5, exact, reported, forecast", stated(2029, 206.5, pb.OBSERVATION_KIND_FORECAST), by_year.get(2029))

        growth = f.ComputeGrowth(pb.ComputeGrowthRequest(series=SERIES, start_year=2024, end_year=2029), timeout=TIMEOUT)
        ours = (206.5 / 10.7) ** (1 / 5) - 1
        check("ComputeGrowth: CAGR is (206.5/10.7)^(1/5) - 1", abs(growth.cagr - ours) < 1e-9, growth.cagr)
        rate = growth.stated_rate
        check(
            "ComputeGrowth: the stated 80.7 % lies within the rounding of the computed CAGR",
            rate.value == 0.807 and growth.agrees_with_stated
            and rate.value + rate.resolution / 2 >= growth.cagr_low
            and rate.value - rate.resolution / 2 <= growth.cagr_high,
            growth,
        )

        missing = failure_of(lambda: f.GetSeries(pb.GetSeriesRequest(name=f"{DATASET}/series/no-such-series"), timeout=TIMEOUT))
        check("GetSeries of a missing series is NOT_FOUND",
              code_of(missing) == grpc.StatusCode.NOT_FOUND and "no-such-series" in missing.details(), missing)

        invalid = failure_of(lambda: f.ListDatasets(pb.ListDatasetsRequest(page_size=-5), timeout=TIMEOUT))
        field = None
        status = rpc_status.from_call(invalid) if invalid is not None else None
        for detail in status.details if status is not None else []:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                field = bad.field_violations[0].field if bad.field_violations else None
        check("a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
              code_of(invalid) == grpc.StatusCode.INVALID_ARGUMENT and field == "page_size", invalid)

        late = failure_of(lambda: f.ListDatasets(pb.ListDatasetsRequest(), timeout=0.000001))
        check("a call past its deadline is DEADLINE_EXCEEDED", code_of(late) == grpc.StatusCode.DEADLINE_EXCEEDED, late)


def taxonomy_script(address):
    pb = importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2")
    rpc = importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2_grpc")
    with grpc.insecure_channel(address) as channel:
        t = rpc.TaxonomyServiceStub(channel)
        hits = t.SearchConcepts(pb.SearchConceptsRequest(query="推理", language_code="en", page_size=100), timeout=TIMEOUT).hits
        names = {hit.concept.name for hit in hits}
        check("SearchConcepts 推理 finds the inference scaling law (drivers)",
              "schemes/drivers/concepts/inference-scaling-law" in names, names)
        check("SearchConcepts 推理 finds reasoning models (trends)", CONCEPT in names, names)

        zh = t.GetConcept(pb.GetConceptRequest(name=CONCEPT, language_code="zh"), timeout=TIMEOUT)
        check("GetConcept in zh", zh.concept.pref_label == "CoT (思维链) 与推理模型涌现", zh.concept.pref_label)
        en = t.GetConcept(pb.GetConceptRequest(name=CONCEPT, language_code="en"), timeout=TIMEOUT)
        check("GetConcept in en",
              en.concept.pref_label == "Chain of thought and the rise of reasoning models" and en.language_code == "en",
              en.concept.pref_label)


def tls_script(forecast_addr, taxonomy_addr, ca_path, token):
    fpb = importlib.import_module("llmarket.forecast.v1.forecast_pb2")
    frpc = importlib.import_module("llmarket.forecast.v1.forecast_pb2_grpc")
    tpb = importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2")
    trpc = importlib.import_module("llmarket.taxonomy.v1.taxonomy_pb2_grpc")
    with open(ca_path, "rb") as file:
        tls = grpc.ssl_channel_credentials(root_certificates=file.read())
    bearer = grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(token))
    with grpc.secure_channel(forecast_addr, bearer) as channel:
        error = failure_of(lambda: frpc.ForecastServiceStub(channel).GetSeries(fpb.GetSeriesRequest(name=SERIES), timeout=TIMEOUT))
        check("over TLS with a bearer token: GetSeries", error is None, error)
    with grpc.secure_channel(taxonomy_addr, bearer) as channel:
        error = failure_of(lambda: trpc.TaxonomyServiceStub(channel).GetConcept(tpb.GetConceptRequest(name=CONCEPT), timeout=TIMEOUT))
        check("over TLS with a bearer token: GetConcept", error is None, error)
    with grpc.secure_channel(forecast_addr, tls) as channel:
        error = failure_of(lambda: frpc.ForecastServiceStub(channel).GetSeries(fpb.GetSeriesRequest(name=SERIES), timeout=TIMEOUT))
        check("over TLS without the token: UNAUTHENTICATED", code_of(error) == grpc.StatusCode.UNAUTHENTICATED, error)


def main():
    token = os.environ.get("LLMARKET_TOKEN")
    if len(sys.argv) != 7 or not token:
        raise SystemExit(__doc__)
    proto_dir, forecast, taxonomy, tls_forecast, tls_taxonomy, ca = sys.argv[1:7]
    with tempfile.TemporaryDirectory() as out_dir:
        generate(proto_dir, out_dir)
        try:
            forecast_script(forecast)
            taxonomy_script(taxonomy)
            tls_script(tls_forecast, tls_taxonomy, ca, token)
        except grpc.RpcError as error:
            check("every call of the script answers", False, error)
    return summary("python")


if __name__ == "__main__":
    sys.exit(main())

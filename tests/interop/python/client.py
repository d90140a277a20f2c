"""The Python interop client: the interop script (tests/interop/README.md) against the real servers.

Usage: client.py FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM RESTART_FORECAST RESTART_TAXONOMY RESTART_CONTROL
(tokens in LLMARKET_TOKEN and, for a principal with a quota of one call a second,
LLMARKET_THROTTLED_TOKEN; RESTART_* a server tests/interop/run.sh restarts when asked).
Runs with the llmarket package installed from its wheel (tests/interop/python/run.sh builds it and
installs it into a fresh venv): the stubs, channels with the published retry policy, error details,
data versions and pages all come from it. v1 checks first, then v2, the quota and the restart.
Prints "ok"/"FAIL" per check, then "python: N passed, N failed"; exits 1 on any failure.
"""

import os
import re
import sys
import time

import grpc

import llmarket
from llmarket.forecast.v1 import forecast_pb2, forecast_pb2_grpc
from llmarket.forecast.v2 import forecast_pb2 as forecast_v2, forecast_pb2_grpc as forecast_v2_grpc
from llmarket.taxonomy.v1 import taxonomy_pb2, taxonomy_pb2_grpc
from llmarket.taxonomy.v2 import taxonomy_pb2 as taxonomy_v2, taxonomy_pb2_grpc as taxonomy_v2_grpc

DATASET = "datasets/cic-global-llm-2026"
SERIES = f"{DATASET}/series/market-size"
CONCEPT = "schemes/trends/concepts/cot-reasoning-models"
DATASET_V2 = "datasets/cic-global-llm"
SERIES_V2 = f"{DATASET_V2}/series/market-size"
EDITION_V2 = f"{DATASET_V2}/editions/2026"
TIMEOUT = 10
VERSION = re.compile(r"^[0-9a-f]{16}$")

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


def forecast_script(address):
    pb, rpc = forecast_pb2, forecast_pb2_grpc
    with llmarket.insecure_channel(address) as channel:
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
        bad = llmarket.details(invalid).bad_request if invalid is not None else None
        field = bad.field_violations[0].field if bad is not None and bad.field_violations else None
        check("a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
              code_of(invalid) == grpc.StatusCode.INVALID_ARGUMENT and field == "page_size", invalid)

        late = failure_of(lambda: f.ListDatasets(pb.ListDatasetsRequest(), timeout=0.000001))
        check("a call past its deadline is DEADLINE_EXCEEDED", code_of(late) == grpc.StatusCode.DEADLINE_EXCEEDED, late)


def taxonomy_script(address):
    pb, rpc = taxonomy_pb2, taxonomy_pb2_grpc
    with llmarket.insecure_channel(address) as channel:
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
    fpb, frpc, tpb, trpc = forecast_pb2, forecast_pb2_grpc, taxonomy_pb2, taxonomy_pb2_grpc
    with open(ca_path, "rb") as file:
        tls = grpc.ssl_channel_credentials(root_certificates=file.read())
    bearer = grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(token))
    with llmarket.secure_channel(forecast_addr, bearer) as channel:
        error = failure_of(lambda: frpc.ForecastServiceStub(channel).GetSeries(fpb.GetSeriesRequest(name=SERIES), timeout=TIMEOUT))
        check("over TLS with a bearer token: GetSeries", error is None, error)
    with llmarket.secure_channel(taxonomy_addr, bearer) as channel:
        error = failure_of(lambda: trpc.TaxonomyServiceStub(channel).GetConcept(tpb.GetConceptRequest(name=CONCEPT), timeout=TIMEOUT))
        check("over TLS with a bearer token: GetConcept", error is None, error)
    with llmarket.secure_channel(forecast_addr, tls) as channel:
        error = failure_of(lambda: frpc.ForecastServiceStub(channel).GetSeries(fpb.GetSeriesRequest(name=SERIES), timeout=TIMEOUT))
        check("over TLS without the token: UNAUTHENTICATED", code_of(error) == grpc.StatusCode.UNAUTHENTICATED, error)


def v1_script(forecast_address, taxonomy_address):
    """v1 beyond single calls: every page, the data version (only in metadata on v1), the join."""
    with llmarket.insecure_channel(forecast_address) as f, llmarket.insecure_channel(taxonomy_address) as t:
        forecast = forecast_pb2_grpc.ForecastServiceStub(f)
        taxonomy = taxonomy_pb2_grpc.TaxonomyServiceStub(t)
        schemes, concepts, pages, linked = 0, 0, 0, {}
        for page in llmarket.pages(lambda token: taxonomy.ListSchemes(
                taxonomy_pb2.ListSchemesRequest(page_size=2, page_token=token), timeout=TIMEOUT)):
            pages += 1
            for scheme in page.schemes:
                schemes += 1
                for concept_page in llmarket.pages(lambda token: taxonomy.ListConcepts(taxonomy_pb2.ListConceptsRequest(
                        parent=scheme.name, page_size=3, page_token=token), timeout=TIMEOUT)):
                    pages += 1
                    for concept in concept_page.concepts:
                        concepts += 1
                        for name in concept.series:
                            linked.setdefault(name, []).append(concept.name)
        check("v1: every page of ListSchemes (2 a page) and ListConcepts (3 a page) to the end",
              schemes == 7 and concepts > 40 and pages > concepts / 3, (schemes, concepts, pages))
        got, call = forecast.GetSeries.with_call(forecast_pb2.GetSeriesRequest(name=SERIES), timeout=TIMEOUT)
        check("v1: concepts link to the market-size series, which the forecast service reads",
              linked.get(SERIES) and got.series.name == SERIES, linked.get(SERIES))
        check("v1: the data version is in the llmarket-data-version metadata",
              VERSION.match(llmarket.data_version(call)), call.initial_metadata())


def v2_script(forecast_address, taxonomy_address):
    """The same questions on v2: intervals, editions, data versions in responses, every error detail
    kind, every page, and the join of the two services."""
    with llmarket.insecure_channel(forecast_address) as f, llmarket.insecure_channel(taxonomy_address) as t:
        forecast = forecast_v2_grpc.ForecastServiceStub(f)
        taxonomy = taxonomy_v2_grpc.TaxonomyServiceStub(t)
        datasets, call = forecast.ListDatasets.with_call(forecast_v2.ListDatasetsRequest(), timeout=TIMEOUT)
        check("v2: ListDatasets has the dataset, its latest edition 2026",
              any(d.name == DATASET_V2 and d.latest_edition == EDITION_V2 for d in datasets.datasets))
        check("v2: data_version in the response, the same as the metadata",
              VERSION.match(datasets.data_version) and datasets.data_version == llmarket.data_version(call),
              (datasets.data_version, call.initial_metadata()))

        series = forecast.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT)
        by_year = {o.year: o for o in series.observations}

        def stated(year, value, low, high, kind):
            o = by_year.get(year)
            return (o is not None and o.value.value == value and o.value.qualifier == forecast_v2.QUALIFIER_EXACT
                    and o.value.interval.HasField("low") and abs(o.value.interval.low - low) < 1e-9
                    and o.value.interval.HasField("high") and abs(o.value.interval.high - high) < 1e-9
                    and o.provenance == forecast_v2.PROVENANCE_REPORTED and o.kind == kind and o.edition == EDITION_V2)

        check("v2: GetSeries: 2024 is 10.7 in [10.65, 10.75], exact, reported, actual, edition 2026",
              stated(2024, 10.7, 10.65, 10.75, forecast_v2.OBSERVATION_KIND_ACTUAL), by_year.get(2024))
        check("v2: GetSeries: 2029 is 206.5 in [206.45, 206.55], forecast; USD billions",
              stated(2029, 206.5, 206.45, 206.55, forecast_v2.OBSERVATION_KIND_FORECAST)
              and series.unit.currency_code == "USD" and series.unit.scale_exponent == 9, by_year.get(2029))

        growth = forecast.ComputeGrowth(forecast_v2.ComputeGrowthRequest(name=SERIES_V2), timeout=TIMEOUT)
        cagr = growth.cagr
        check("v2: ComputeGrowth: the CAGR is (206.5/10.7)^(1/5) - 1 and its interval holds the stated 80.7 %",
              abs(cagr.value - ((206.5 / 10.7) ** 0.2 - 1)) < 1e-9 and growth.stated_rate.value.value == 0.807
              and cagr.interval.low <= 0.8075 and cagr.interval.high >= 0.8065 and growth.agrees_with_stated
              and growth.edition == EDITION_V2, growth)

        every = "datasets/-/schemes/-"
        pages = list(llmarket.pages(lambda token: taxonomy.ListConcepts(taxonomy_v2.ListConceptsRequest(
            parent=every, page_size=5, page_token=token), timeout=TIMEOUT)))
        listed = [c.name for page in pages for c in page.concepts]
        everything = taxonomy.ListConcepts(taxonomy_v2.ListConceptsRequest(parent=every, page_size=1000), timeout=TIMEOUT)
        check("v2: every page of ListConcepts (5 a page) to the end: each concept exactly once",
              not everything.next_page_token and len(everything.concepts) > 40
              and sorted(listed) == sorted(c.name for c in everything.concepts)
              and len(pages) == (len(listed) + 4) // 5, (len(pages), len(listed)))

        linked = [c for page in llmarket.pages(lambda token: taxonomy.ListConcepts(taxonomy_v2.ListConceptsRequest(
            parent=f"{DATASET_V2}/schemes/-", filter=f'series:"{SERIES_V2}"', view=taxonomy_v2.CONCEPT_VIEW_FULL,
            page_token=token), timeout=TIMEOUT)) for c in page.concepts]
        joined = bool(linked) and all(SERIES_V2 in c.series for c in linked) and all(
            forecast.GetSeries(forecast_v2.GetSeriesRequest(name=name), timeout=TIMEOUT).name == name
            for c in linked for name in c.series)
        check("v2: the concepts that explain market-size (series filter) name it, and their series read from forecast",
              joined, [c.name for c in linked])

        missing = failure_of(lambda: forecast.GetSeries(
            forecast_v2.GetSeriesRequest(name=f"{DATASET_V2}/series/no-such-series"), timeout=TIMEOUT))
        d = llmarket.details(missing) if missing else llmarket.ErrorDetails()
        check("v2: a missing series is NOT_FOUND with a ResourceInfo naming it",
              code_of(missing) == grpc.StatusCode.NOT_FOUND and len(d.resource_info) == 1
              and d.resource_info[0].resource_name == f"{DATASET_V2}/series/no-such-series"
              and d.resource_info[0].resource_type == "llmarket.forecast.v2.Series"
              and d.error_info is not None and d.error_info.reason == "RESOURCE_NOT_FOUND", missing)
        invalid = failure_of(lambda: taxonomy.ListConcepts(
            taxonomy_v2.ListConceptsRequest(parent=every, page_size=-5), timeout=TIMEOUT))
        d = llmarket.details(invalid) if invalid else llmarket.ErrorDetails()
        check("v2: a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
              code_of(invalid) == grpc.StatusCode.INVALID_ARGUMENT and d.bad_request is not None
              and [v.field for v in d.bad_request.field_violations] == ["page_size"], invalid)
        no_parent = failure_of(lambda: forecast.QueryObservations(forecast_v2.QueryObservationsRequest(
            name=SERIES_V2, transform=forecast_v2.TRANSFORM_SHARE_OF_PARENT), timeout=TIMEOUT))
        d = llmarket.details(no_parent) if no_parent else llmarket.ErrorDetails()
        check("v2: a share of a series without a parent is FAILED_PRECONDITION with a PreconditionFailure NO_PARENT",
              code_of(no_parent) == grpc.StatusCode.FAILED_PRECONDITION and d.precondition_failure is not None
              and [(v.type, v.subject) for v in d.precondition_failure.violations] == [("NO_PARENT", SERIES_V2)], no_parent)
        late = failure_of(lambda: forecast.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=0.000001))
        check("v2: a call past its deadline is DEADLINE_EXCEEDED", code_of(late) == grpc.StatusCode.DEADLINE_EXCEEDED, late)


def bearer(ca_path, token):
    with open(ca_path, "rb") as file:
        tls = grpc.ssl_channel_credentials(root_certificates=file.read())
    return grpc.composite_channel_credentials(tls, grpc.access_token_call_credentials(token))


def v2_tls_script(forecast_address, ca_path, token):
    """v2 over TLS with a bearer token."""
    with llmarket.secure_channel(forecast_address, bearer(ca_path, token)) as channel:
        got = forecast_v2_grpc.ForecastServiceStub(channel).GetSeries(
            forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT)
        check("v2: over TLS with a bearer token: GetSeries", got.name == SERIES_V2 and got.edition == EDITION_V2, got.name)


def quota_script(forecast_address, ca_path, token):
    """A principal past its quota (one call a second) is refused with RESOURCE_EXHAUSTED, a
    RetryInfo delay and the grpc-retry-pushback-ms trailer. Without retries the caller reads the
    RetryInfo; with the published policy gRPC core follows the pushback (gRFC A6), waits for the
    quota to refill and succeeds. The policy's own backoff alone (4 attempts, 0.84 s at most)
    would give up inside the second, so success shows the pushback was followed."""
    credentials = bearer(ca_path, token)
    # The package's options with retries off (gRPC core reads the first of a repeated option).
    no_retries = [(key, 0 if key == "grpc.enable_retries" else value) for key, value in llmarket.channel_options()]
    with grpc.secure_channel(forecast_address, credentials, options=no_retries) as channel:
        forecast = forecast_v2_grpc.ForecastServiceStub(channel)
        first = failure_of(lambda: forecast.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT))
        second = failure_of(lambda: forecast.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT))
        retry = llmarket.details(second).retry_info if second else None
        delay = retry.retry_delay.ToMilliseconds() if retry else 0
        check("quota: past its quota, RESOURCE_EXHAUSTED with a RetryInfo delay of at most a second",
              first is None and code_of(second) == grpc.StatusCode.RESOURCE_EXHAUSTED and 0 < delay <= 1000,
              (first, second))
    with llmarket.secure_channel(forecast_address, credentials) as channel:
        forecast = forecast_v2_grpc.ForecastServiceStub(channel)
        started = time.monotonic()
        third = failure_of(lambda: forecast.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT))
        waited = time.monotonic() - started
        check("quota: with the retry policy, the call succeeds after the server's pushback",
              third is None, (third, f"{waited:.2f} s"))


def restart_script(forecast_address, prefix):
    """The published retry policy on llmarket's channels, v1 and v2, each on its own channel (a
    channel's retry throttling allows about 5 failed attempts in a row): tests/interop/run.sh
    restarts the server when asked (PREFIX.restart), writing PREFIX.down once it is stopped and
    starting it again at once. Calls made once it is down fail their first attempt and succeed on
    a retry (grpcio's retry backoff has ±20 % jitter, docs/adr/0006: 4 attempts span 0.56 to 0.84 s), with
    no retry loop here and without waiting for the channel to be ready."""
    with llmarket.insecure_channel(forecast_address) as c1, llmarket.insecure_channel(forecast_address) as c2:
        v1 = forecast_pb2_grpc.ForecastServiceStub(c1)
        v2 = forecast_v2_grpc.ForecastServiceStub(c2)
        before = (failure_of(lambda: v1.GetSeries(forecast_pb2.GetSeriesRequest(name=SERIES), timeout=TIMEOUT)),
                  failure_of(lambda: v2.GetSeries(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT)))
        check("restart: v1 and v2 answer before the restart", before == (None, None), before)
        open(f"{prefix}.restart", "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(f"{prefix}.down") and time.monotonic() < deadline:
            time.sleep(0.01)
        calls = (v1.GetSeries.future(forecast_pb2.GetSeriesRequest(name=SERIES), timeout=TIMEOUT),
                 v2.GetSeries.future(forecast_v2.GetSeriesRequest(name=SERIES_V2), timeout=TIMEOUT))
        after = [failure_of(call.result) for call in calls]
        check("restart: v1 and v2 calls made while the server restarts succeed, retried by the policy",
              after == [None, None], after)


def main():
    token, throttled = os.environ.get("LLMARKET_TOKEN"), os.environ.get("LLMARKET_THROTTLED_TOKEN")
    if len(sys.argv) != 9 or not token or not throttled:
        raise SystemExit(__doc__)
    forecast, taxonomy, tls_forecast, tls_taxonomy, ca, restart_forecast, _, control = sys.argv[1:9]
    try:
        forecast_script(forecast)
        taxonomy_script(taxonomy)
        v1_script(forecast, taxonomy)
        tls_script(tls_forecast, tls_taxonomy, ca, token)
        v2_script(forecast, taxonomy)
        v2_tls_script(tls_forecast, ca, token)
        quota_script(tls_forecast, ca, throttled)
        restart_script(restart_forecast, control)
    except grpc.RpcError as error:
        check("every call of the script answers", False, error)
    print(f"python: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

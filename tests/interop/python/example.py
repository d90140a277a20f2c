"""Consuming llmarket from Python (docs/consuming/python.md): the market size with its intervals and
provenance, the CAGR, and the concepts that explain the series, joining both services on v2.

Usage: python example.py FORECAST_ADDRESS TAXONOMY_ADDRESS
"""

import sys
from typing import Literal

import grpc

import llmarket
from llmarket.forecast.v2 import forecast_pb2, forecast_pb2_grpc
from llmarket.taxonomy.v2 import taxonomy_pb2, taxonomy_pb2_grpc

SERIES = "datasets/cic-global-llm/series/market-size"
TIMEOUT = 10  # seconds, every call's deadline


def side(interval: forecast_pb2.Interval, end: Literal["low", "high"]) -> str:
    return str(getattr(interval, end)) if interval.HasField(end) else "open"  # an open side is absent


def main(forecast_address: str, taxonomy_address: str) -> None:
    # The published retry policy comes with llmarket's channels.
    with llmarket.insecure_channel(forecast_address) as f, llmarket.insecure_channel(taxonomy_address) as t:
        forecast = forecast_pb2_grpc.ForecastServiceStub(f)
        taxonomy = taxonomy_pb2_grpc.TaxonomyServiceStub(t)
        series = forecast.GetSeries(forecast_pb2.GetSeriesRequest(name=SERIES), timeout=TIMEOUT)
        for o in series.observations:
            iv = o.value.interval
            print(f"{o.year}: {o.value.value:g} bn {series.unit.currency_code} [{side(iv, 'low')}, {side(iv, 'high')}]"
                  f" {forecast_pb2.Provenance.Name(o.provenance)} {o.edition}")
        growth = forecast.ComputeGrowth(forecast_pb2.ComputeGrowthRequest(name=SERIES), timeout=TIMEOUT)
        cagr = growth.cagr
        print(f"CAGR {cagr.value:.2%} [{cagr.interval.low:.2%}, {cagr.interval.high:.2%}],"
              f" stated {growth.stated_rate.value.value:.1%}")
        for page in llmarket.pages(lambda token: taxonomy.ListConcepts(taxonomy_pb2.ListConceptsRequest(
                parent="datasets/cic-global-llm/schemes/-", filter=f'series:"{SERIES}"', page_token=token),
                timeout=TIMEOUT)):
            for concept in page.concepts:
                print(f"concept {concept.name} ({concept.pref_labels[0].text})")
        print("data version", series.data_version)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except grpc.RpcError as error:
        d = llmarket.details(error)
        sys.exit(f"{error.code()}: {error.details()} (resources {list(d.resource_info)},"
                 f" bad request {d.bad_request}, retry after {d.retry_info})")

"""Unit tests of the package's helpers (no server): run against the installed package with
``python -m unittest discover -s clients/python/tests``."""

import json
import socket
import time
import unittest
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

import llmarket
from llmarket.forecast.v2 import forecast_pb2, forecast_pb2_grpc


class FakeError(grpc.RpcError, grpc.Call):
    """A failed call as grpcio raises it, with the status in its trailing metadata."""

    def __init__(self, status: Any) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return next(code for code in grpc.StatusCode if code.value[0] == self._status.code)

    def details(self) -> str:
        return str(self._status.message)

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> float:
        return 0.0

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Any) -> bool:
        return False

    def trailing_metadata(self) -> Any:
        return (("grpc-status-details-bin", self._status.SerializeToString()),)

    def initial_metadata(self) -> Any:
        return (("llmarket-data-version", "00ff00ff00ff00ff"),)


def packed(*messages: Any) -> list[any_pb2.Any]:
    out = []
    for message in messages:
        a = any_pb2.Any()
        a.Pack(message)
        out.append(a)
    return out


class Helpers(unittest.TestCase):
    def test_service_config_is_the_retry_policy_of_both_services(self) -> None:
        config = json.loads(llmarket.SERVICE_CONFIG)
        services = {n["service"]: m["retryPolicy"]["maxAttempts"] for m in config["methodConfig"] for n in m["name"]}
        for service in ("llmarket.forecast.v2.ForecastService", "llmarket.taxonomy.v2.TaxonomyService"):
            self.assertGreaterEqual(services[service], 2)
        self.assertIn(("grpc.service_config", llmarket.SERVICE_CONFIG), llmarket.channel_options())
        llmarket.insecure_channel("127.0.0.1:1").close()

    def test_details_decodes_each_kind(self) -> None:
        status = status_pb2.Status(code=code_pb2.NOT_FOUND, message="missing", details=packed(
            error_details_pb2.ResourceInfo(resource_name="datasets/d/series/a"),
            error_details_pb2.ResourceInfo(resource_name="datasets/d/series/b"),
            error_details_pb2.ErrorInfo(reason="RESOURCE_NOT_FOUND"),
            error_details_pb2.BadRequest(field_violations=[error_details_pb2.BadRequest.FieldViolation(field="page_size")]),
            error_details_pb2.PreconditionFailure(violations=[error_details_pb2.PreconditionFailure.Violation(type="NO_PARENT")]),
            error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1)),
        ))
        d = llmarket.details(FakeError(status))
        self.assertEqual([r.resource_name for r in d.resource_info], ["datasets/d/series/a", "datasets/d/series/b"])
        self.assertEqual(d.error_info.reason if d.error_info else None, "RESOURCE_NOT_FOUND")
        self.assertEqual(d.bad_request.field_violations[0].field if d.bad_request else None, "page_size")
        self.assertEqual(d.precondition_failure.violations[0].type if d.precondition_failure else None, "NO_PARENT")
        self.assertEqual(d.retry_info.retry_delay.seconds if d.retry_info else None, 1)
        self.assertEqual(llmarket.data_version(FakeError(status)), "00ff00ff00ff00ff")

    def test_details_of_an_error_without_details_is_empty(self) -> None:
        d = llmarket.details(FakeError(status_pb2.Status(code=code_pb2.INTERNAL)))
        self.assertEqual(d, llmarket.ErrorDetails())

    def test_pages_follows_tokens_to_the_end(self) -> None:
        asked: list[str] = []
        tokens = ["a", "b", ""]

        def fetch(token: str) -> forecast_pb2.ListDatasetsResponse:
            asked.append(token)
            return forecast_pb2.ListDatasetsResponse(next_page_token=tokens[len(asked) - 1])

        self.assertEqual(len(list(llmarket.pages(fetch))), 3)
        self.assertEqual(asked, ["", "a", "b"])

    def test_pages_stops_on_a_repeated_token_and_is_lazy(self) -> None:
        asked: list[str] = []

        def fetch(token: str) -> forecast_pb2.ListDatasetsResponse:
            asked.append(token)
            return forecast_pb2.ListDatasetsResponse(next_page_token="same")

        iterator = llmarket.pages(fetch)
        next(iterator)
        self.assertEqual(asked, [""])
        with self.assertRaises(llmarket.RepeatedPageTokenError):
            list(iterator)

    def test_retry_policy_spans_half_a_second_before_unavailable(self) -> None:
        """Canary of docs/adr/0006-retry-backoff-jitter.md: grpcio spaces the policy's attempts by
        its backoff with ±20 % jitter, so 4 attempts against an address that refuses connections
        take at least 0.8 × (0.1 + 0.2 + 0.4) = 0.56 s; the interop suite's retry across a restart
        counts on that span."""
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            closed = "127.0.0.1:%d" % listener.getsockname()[1]
        with llmarket.insecure_channel(closed) as channel:
            started = time.monotonic()
            with self.assertRaises(grpc.RpcError) as failure:
                forecast_pb2_grpc.ForecastServiceStub(channel).ListDatasets(forecast_pb2.ListDatasetsRequest(), timeout=10)
            elapsed = time.monotonic() - started
        self.assertEqual(failure.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertGreaterEqual(elapsed, 0.5)


if __name__ == "__main__":
    unittest.main()

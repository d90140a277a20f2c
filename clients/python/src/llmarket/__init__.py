"""The Python client of llmarket's gRPC services.

The generated code of contract v2 (``llmarket.forecast.v2``, ``llmarket.taxonomy.v2``,
``llmarket.watch.v2``) and, for its lifetime, of the deprecated v1 (``llmarket.forecast.v1``,
``llmarket.taxonomy.v1``; removed with the server's release 0.4.0), each with ``.pyi`` stubs,
and the service's conventions as helpers:

- :func:`insecure_channel`, :func:`secure_channel` and :func:`channel_options`: channels with the
  published retry policy (:data:`SERVICE_CONFIG`, ``proto/llmarket/service_config.json``) as
  their service config;
- :func:`data_version`: the ``llmarket-data-version`` response metadata of a call (v1 has the
  version only there; v2 responses also carry ``data_version``);
- :func:`details`: the ``google.rpc`` error details of a failed call;
- :func:`pages`: every page of a List or Search method, following ``next_page_token``.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

__all__ = [
    "DATA_VERSION_HEADER",
    "SERVICE_CONFIG",
    "ErrorDetails",
    "RepeatedPageTokenError",
    "__version__",
    "channel_options",
    "data_version",
    "details",
    "insecure_channel",
    "pages",
    "secure_channel",
]

__version__ = "0.2.0"
"""The release of llmarket this package belongs to (the workspace version)."""

SERVICE_CONFIG: str = importlib.resources.files(__name__).joinpath("service_config.json").read_text("utf-8")
"""The published retry policy as a gRPC service config (JSON): a 10 s timeout and up to 4 attempts on
UNAVAILABLE and RESOURCE_EXHAUSTED for the forecast and taxonomy services, retries of Watch on
UNAVAILABLE."""

DATA_VERSION_HEADER = "llmarket-data-version"
"""The response metadata key carrying the version of the data an answer comes from."""


def channel_options() -> list[tuple[str, Any]]:
    """The channel options every channel to llmarket should have: :data:`SERVICE_CONFIG` with
    retries enabled, and reconnection that starts at the policy's initial backoff (0.1 s, up to
    2 s) rather than grpcio's 1 s, so a retried call finds a restarted server once it listens."""
    return [
        ("grpc.service_config", SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 2000),
    ]


def insecure_channel(target: str) -> grpc.Channel:
    """A plaintext channel to ``target`` (``host:port``) with :func:`channel_options`."""
    return grpc.insecure_channel(target, options=channel_options())


def secure_channel(target: str, credentials: grpc.ChannelCredentials) -> grpc.Channel:
    """A TLS channel to ``target`` with ``credentials`` and :func:`channel_options`."""
    return grpc.secure_channel(target, credentials, options=channel_options())


def data_version(call: grpc.Call) -> str:
    """The data version of a call's answer from its initial metadata (take the call with a stub
    method's ``with_call``); empty when the answer has none."""
    for key, value in call.initial_metadata() or ():
        if key == DATA_VERSION_HEADER:
            return value if isinstance(value, str) else value.decode()
    return ""


@dataclass
class ErrorDetails:
    """The ``google.rpc`` details llmarket sends with a failed call; a field is ``None`` (or
    empty) when the status has no such detail."""

    resource_info: list[error_details_pb2.ResourceInfo] = field(default_factory=list)
    """One per missing name (NOT_FOUND)."""
    bad_request: error_details_pb2.BadRequest | None = None
    """The fields at fault (INVALID_ARGUMENT)."""
    precondition_failure: error_details_pb2.PreconditionFailure | None = None
    """What the data lacks for the computation (FAILED_PRECONDITION)."""
    retry_info: error_details_pb2.RetryInfo | None = None
    """How long to wait before trying again (RESOURCE_EXHAUSTED)."""
    error_info: error_details_pb2.ErrorInfo | None = None
    """The reason, its domain and metadata such as ``nearest`` names (NOT_FOUND)."""


def details(error: grpc.RpcError) -> ErrorDetails:
    """Decodes the error details of a failed call (the ``grpc.RpcError`` a stub raised); empty
    when it has none."""
    out = ErrorDetails()
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    found: list[Any] = list(status.details) if status is not None else []
    for detail in found:
        if detail.Is(error_details_pb2.ResourceInfo.DESCRIPTOR):
            info = error_details_pb2.ResourceInfo()
            detail.Unpack(info)
            out.resource_info.append(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            out.bad_request = error_details_pb2.BadRequest()
            detail.Unpack(out.bad_request)
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            out.precondition_failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(out.precondition_failure)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            out.retry_info = error_details_pb2.RetryInfo()
            detail.Unpack(out.retry_info)
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            out.error_info = error_details_pb2.ErrorInfo()
            detail.Unpack(out.error_info)
    return out


class Page(Protocol):
    """What every List and Search response has: the token of the next page."""

    @property
    def next_page_token(self) -> str: ...


P = TypeVar("P", bound=Page)


class RepeatedPageTokenError(RuntimeError):
    """A server returned the same ``next_page_token`` twice in a row, which would loop forever."""


def pages(fetch: Callable[[str], P]) -> Iterator[P]:
    """Every page of a list: ``fetch`` is called with ``""`` for the first page, then with each
    ``next_page_token`` until one is empty. A failed fetch raises its ``grpc.RpcError``.

    >>> for page in pages(lambda token: stub.ListConcepts(ListConceptsRequest(parent=p, page_token=token))):
    ...     ...
    """
    token = ""
    while True:
        page = fetch(token)
        yield page
        following = page.next_page_token
        if not following:
            return
        if following == token:
            raise RepeatedPageTokenError(f"the server repeated the page token {following!r}")
        token = following

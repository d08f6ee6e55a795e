"""The WSGI app: routes DynamoDB and Streams calls to ddbkit's operations, pins region and account.

Every call runs in the spec's one region and account (ARNs read as deployed), whatever
credentials the client signs with, as DynamoDB Local's shared database does. An operation
ddbkit does not serve is UnknownOperationException, as DynamoDB answers one it does not know.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from ddbkit.emulator.capacity import consumed_capacity
from ddbkit.emulator.capacity.consumed_capacity import admission, taken
from ddbkit.emulator.durability import hooks as durability
from ddbkit.emulator.durability.journal import DiskFull, JournalError
from ddbkit.emulator.endpoint.admin import ADMIN_PREFIX, Admin
from ddbkit.emulator.endpoint.protocol import (
    CONTENT_TYPE,
    DEFER_KEY,
    DELAY_KEY,
    DYNAMODB_TARGET,
    MAX_REQUEST_BYTES,
    METRICS_PATH,
    PARAMS_KEY,
    STREAMS_TARGET,
)
from ddbkit.emulator.endpoint.validation import RequestValidator
from ddbkit.emulator.endpoint.wire import (
    StartResponse,
    WireError,
    respond,
    respond_error,
    send,
)
from ddbkit.emulator.faults.injector import RESPONSES, FaultInjector, error_answer
from ddbkit.emulator.faults.plan import FaultPlan
from ddbkit.emulator.metrics.counts import ERROR_START, OK, UNKNOWN, outcome
from ddbkit.emulator.metrics.registry import Metrics
from ddbkit.emulator.operations import registry
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.clock import Clock, running_on
from ddbkit.emulator.throughput.model import MODELS, OnDemandModel, Throttled

log = logging.getLogger(__name__)

THROUGHPUT_PATH = "/ddbkit/throughput"  # the throughput model's counters, as JSON
_NO_MODEL = contextlib.nullcontext()
# X-Amz-Target: the operation's label in /metrics (any other target is UNKNOWN: a label per
# name a client makes up would grow without bound).
_LABELS = {f"{target}.{operation}": operation for target, service in
           ((DYNAMODB_TARGET, "dynamodb"), (STREAMS_TARGET, "dynamodbstreams"))
           for known, operation in registry.OPERATIONS if known == service}


class DynamoDBApp:
    """A WSGI callable serving the DynamoDB and DynamoDB Streams JSON APIs."""

    def __init__(self, region: str, account_id: str, clock: Clock = time.time,
                 throughput_model: str | None = None, faults: FaultPlan | None = None,
                 metrics: Metrics | None = None) -> None:
        self.region = region
        self.account_id = account_id
        self.clock = clock  # the store's time while this app serves a request
        if throughput_model not in (None, *MODELS):
            raise ValueError(f"unknown throughput model {throughput_model!r}")
        self._pending = (throughput_model, faults)
        # Off until armed: the emulator's own set-up (tables, seed) is neither throttled
        # nor faulted.
        self.throughput: OnDemandModel | None = None
        self.faults: FaultInjector | None = None
        self._services = {DYNAMODB_TARGET: "dynamodb", STREAMS_TARGET: "dynamodbstreams"}
        self._validators = {target: RequestValidator(service)
                            for target, service in self._services.items()}
        self.admin = Admin(account_id, region, clock)
        self.metrics = metrics or Metrics(account_id, region)
        self._meters_seen = 0  # consumed_capacity.made_total when this app last took meters

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method == "GET" and environ.get("PATH_INFO", "/") == "/":
            # Real DynamoDB answers a bare GET like this; load balancers and scripts probe it.
            return respond(start_response, "200 OK", b"healthy: ddbkit", "text/plain")
        if method == "GET" and environ.get("PATH_INFO") == THROUGHPUT_PATH:
            return self._throughput_stats(start_response)
        if method == "GET" and environ.get("PATH_INFO") == METRICS_PATH:
            return self._scrape(environ, start_response)
        return self._counted(environ, start_response)

    def _counted(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        """The call, counted for /metrics (a few hundred ns: bench/bench_metrics.py)."""
        started = time.perf_counter()
        body = self._api(environ, start_response)
        seconds = time.perf_counter() - started
        operation = _LABELS.get(environ.get("HTTP_X_AMZ_TARGET"))  # type: ignore[arg-type]
        if operation is None:
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith(ADMIN_PREFIX):
                return body  # the emulator's own calls are not DynamoDB's
            operation = UNKNOWN
        params = environ.get(PARAMS_KEY) or {}
        table = params.get("TableName")
        if table.__class__ is not str:
            table = table_named(params) or ""
        result = OK if type(body) is list and body[0][:10] != ERROR_START else outcome(body)
        counts = self.metrics.counts
        counts.request(operation, table, result, seconds)
        if consumed_capacity.made_total != self._meters_seen:  # this request was metered
            self._meters_seen = consumed_capacity.made_total
            meters = taken()
            if meters and result != Throttled.error_type:  # a throttled request is not charged
                counts.charges(meters)
        return body

    def _api(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith(ADMIN_PREFIX):
                deferred = environ.get(DEFER_KEY)
                if deferred is None:
                    return self._admin(environ, start_response)
                # Off the event loop: it takes the store lock only for short holds itself.
                deferred.append(self._admin)
                return respond(start_response, "202 Accepted", b"")  # replaced by its answer
            service, operation, params = self._parse(environ)
            environ[PARAMS_KEY] = params  # the access log names its table, when there is one
        except WireError as exc:
            return respond_error(start_response, exc.status, exc.error_type, exc.message)
        if self.faults is not None:
            fault, delay = self.faults.draw(operation)
            if delay > 0:
                environ[DELAY_KEY] = delay
                self.metrics.counts.fault(operation, "latency")
            if fault is not None:  # before the store is touched: it leaves no trace
                self.metrics.counts.fault(operation, fault.error)
                return respond_error(start_response, *error_answer(fault, operation, params))
        try:
            with STORE_LOCK, running_on(self.clock), self._admitting(), \
                    durability.journaled(operation):
                run = registry.OPERATIONS[(self._services[service], operation)]  # _parse checked
                return send(start_response, *_run(run, Call(
                    self._services[service], operation, params, self.account_id,
                    self.region)))
        except Throttled as exc:  # the throughput model refused it; the write was undone
            self.metrics.counts.throttles(exc.reasons)
            return respond_error(start_response, "400 Bad Request", exc.error_type, str(exc),
                                 exc.fields())
        except JournalError as exc:  # durability: a write that is not journaled was undone
            return journal_refusal(start_response, exc)
        except Exception:
            # The last resort: the request passed every check and still crashed the operation
            # (or moto under it), a gap to close at its cause (the fuzz test hunts them). The
            # traceback goes to the server's log; the client gets no Python in its answer.
            log.exception("the %s operation failed", operation)
            return respond_error(start_response, "400 Bad Request", "ValidationException",
                                 f"the emulator could not process this {operation} request "
                                 "(a gap in the emulator, logged by the server)")

    def arm(self) -> None:
        """Turns the opt-in behaviours on: the throughput model and the fault plan."""
        throughput_model, faults = self._pending
        self.throughput = (OnDemandModel(self.region, self.account_id, self.clock)
                           if throughput_model else None)
        self.faults = FaultInjector(faults) if faults else None

    def _admitting(self) -> contextlib.AbstractContextManager[Any]:
        return _NO_MODEL if self.throughput is None else _admitted_by(self.throughput)

    def _throughput_stats(self, start_response: StartResponse) -> Iterable[bytes]:
        if self.throughput is None:
            return respond_error(start_response, "404 Not Found", "ResourceNotFoundException",
                                 "no throughput model: start with --throughput-model on-demand")
        with STORE_LOCK:
            stats = self.throughput.stats()
        return respond(start_response, "200 OK", json.dumps(stats).encode(),
                       "application/json")

    def _scrape(self, environ: dict[str, Any], start_response: StartResponse
                ) -> Iterable[bytes]:
        with STORE_LOCK:  # the figures stand still while they are read
            body, content_type = self.metrics.exposition(environ.get("HTTP_ACCEPT", ""))
        return respond(start_response, "200 OK", body, content_type)

    def _admin(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        operation = environ["HTTP_X_AMZ_TARGET"].partition(".")[2]
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise WireError("UnknownOperationException", "admin calls are POSTs")
            answer = self.admin.call(operation, _read_body(environ))
        except WireError as exc:
            return respond_error(start_response, exc.status, exc.error_type, exc.message)
        except JournalError as exc:
            return journal_refusal(start_response, exc)
        return respond(start_response, "200 OK", answer, CONTENT_TYPE)

    def _parse(self, environ: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """(service, operation, parameters) of a request the API model accepts, for an
        operation ddbkit serves."""
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        if environ.get("REQUEST_METHOD") != "POST" or service not in self._validators:
            raise WireError("UnknownOperationException",
                            f"expected a POST with X-Amz-Target {DYNAMODB_TARGET}.<Operation> "
                            f"or {STREAMS_TARGET}.<Operation>")
        body = _read_body(environ)
        params = self._validators[service].parse(operation, body)
        if registry.lookup(self._services[service], operation) is None:
            raise WireError("UnknownOperationException",
                            f"{operation} is not supported by this emulator")
        return service, operation, params


def _run(run: registry.Run, call: Call) -> Answer:
    try:
        return run(call)
    except OperationError as exc:
        return exc.answer()


@contextlib.contextmanager
def _admitted_by(model: OnDemandModel) -> Iterator[None]:
    token = admission.set(model)
    try:
        yield
    finally:
        admission.reset(token)


def journal_refusal(start_response: StartResponse, exc: JournalError) -> Iterable[bytes]:
    """A write the journal could not take: a full disk is the fault injector's
    ServiceUnavailable (SDKs retry it), anything else a 500; the server's path and errno go
    to its log (once per episode, by the journal), never to the client."""
    if isinstance(exc, DiskFull):
        return respond_error(start_response, *RESPONSES["ServiceUnavailable"][:2], exc.answer)
    return respond_error(start_response, *RESPONSES["InternalServerError"][:2], exc.answer)


def table_named(params: dict[str, Any]) -> str | None:
    """The table a request is about: its TableName, the first of a batch's or a
    transaction's, or the one in a stream ARN (arn:...:table/NAME/stream/...)."""
    if isinstance(name := params.get("TableName"), str):
        return name
    if isinstance(items := params.get("RequestItems"), dict) and items:
        return str(next(iter(items)))
    if isinstance(transact := params.get("TransactItems"), list) and transact:
        first = transact[0]
        inner = next(iter(first.values()), None) if isinstance(first, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("TableName"), str):
            return str(inner["TableName"])
    for key in ("StreamArn", "ResourceArn", "TableArn"):
        if isinstance(arn := params.get(key), str) and ":table/" in arn:
            return arn.split(":table/", 1)[1].split("/", 1)[0]
    return None


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise WireError("SerializationException", "invalid Content-Length") from None
    if length > MAX_REQUEST_BYTES:
        raise WireError("RequestEntityTooLarge",
                        f"request of {length} bytes exceeds {MAX_REQUEST_BYTES}",
                        "413 Request Entity Too Large")
    return environ["wsgi.input"].read(length) if length else b""

"""The WSGI app in front of moto: routes DynamoDB and Streams calls, pins region and account.

moto derives the region from each request's signature and the account from its access key, so
two clients with different profiles would see different, empty sets of tables. A local
endpoint should behave like DynamoDB Local's shared database instead: one region, one account
(the spec's, so ARNs read as deployed), whatever credentials the client signs with.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from ddbkit.emulator import moto_ext
from ddbkit.emulator.durability import hooks as durability
from ddbkit.emulator.durability.journal import DiskFull, JournalError
from ddbkit.emulator.endpoint.admin import ADMIN_PREFIX, Admin
from ddbkit.emulator.endpoint.protocol import (
    CONTENT_TYPE,
    DELAY_KEY,
    DYNAMODB_TARGET,
    MAX_REQUEST_BYTES,
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
from ddbkit.emulator.moto_ext.clock import Clock, running_on
from ddbkit.emulator.moto_ext.consumed_capacity import admission
from ddbkit.emulator.moto_ext.fast_dispatch import dynamodb_call, implemented
from ddbkit.emulator.moto_ext.store import STORE_LOCK
from ddbkit.emulator.operations import registry
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.throughput.model import MODELS, OnDemandModel, Throttled

log = logging.getLogger(__name__)

_CREDENTIAL_REGION = re.compile(r"(Credential=[^/,\s]+/[^/,\s]+/)([^/,\s]+)(/)")
_UA_REGION = re.compile(r"region/[a-z0-9-]+")
THROUGHPUT_PATH = "/ddbkit/throughput"  # the throughput model's counters, as JSON
_NO_MODEL = contextlib.nullcontext()


class DynamoDBApp:
    """A WSGI callable serving the DynamoDB and DynamoDB Streams JSON APIs."""

    def __init__(self, region: str, account_id: str, clock: Clock = time.time,
                 throughput_model: str | None = None, faults: FaultPlan | None = None) -> None:
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
        moto_ext.install()
        # moto answers only DynamoDB operations not yet moved; Streams' are all ddbkit's.
        self._calls = {DYNAMODB_TARGET: dynamodb_call}
        self._services = {DYNAMODB_TARGET: "dynamodb", STREAMS_TARGET: "dynamodbstreams"}
        self._validators = {target: RequestValidator(service)
                            for target, service in self._services.items()}
        self.admin = Admin(account_id, region, clock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method == "GET" and environ.get("PATH_INFO", "/") == "/":
            # Real DynamoDB answers a bare GET like this; load balancers and scripts probe it.
            return respond(start_response, "200 OK", b"healthy: ddbkit", "text/plain")
        if method == "GET" and environ.get("PATH_INFO") == THROUGHPUT_PATH:
            return self._throughput_stats(start_response)
        try:
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith(ADMIN_PREFIX):
                return self._admin(environ, start_response)
            service, operation, body, params = self._parse(environ)
            environ[PARAMS_KEY] = params  # the access log names its table, when there is one
        except WireError as exc:
            return respond_error(start_response, exc.status, exc.error_type, exc.message)
        if self.faults is not None:
            fault, delay = self.faults.draw(operation)
            if delay > 0:
                environ[DELAY_KEY] = delay
            if fault is not None:  # before the store is touched: it leaves no trace
                return respond_error(start_response, *error_answer(fault, operation, params))
        try:
            with STORE_LOCK, running_on(self.clock), self._admitting(), \
                    durability.journaled(operation):
                run = registry.lookup(self._services[service], operation)
                if run is not None:
                    return send(start_response, *_run(run, Call(
                        self._services[service], operation, params, self.account_id,
                        self.region)))
                self._pin_identity(environ)
                environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
                return send(start_response, *self._calls[service](environ))
        except Throttled as exc:  # the throughput model refused it; the write was undone
            return respond_error(start_response, "400 Bad Request", exc.error_type, str(exc),
                                 exc.fields())
        except JournalError as exc:  # durability: a write that is not journaled was undone
            return journal_refusal(start_response, exc)
        except Exception:
            # The last resort: the request passed every check and still crashed moto, a gap
            # to close at its cause (the fuzz test hunts them). The traceback goes to the
            # server's log; the client gets no Python in its answer.
            log.exception("moto failed on a %s request", operation)
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

    def _admin(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            raise WireError("UnknownOperationException", "admin calls are POSTs")
        operation = environ["HTTP_X_AMZ_TARGET"].partition(".")[2]
        try:
            answer = self.admin.call(operation, _read_body(environ))
        except JournalError as exc:
            return journal_refusal(start_response, exc)
        return respond(start_response, "200 OK", answer, CONTENT_TYPE)

    def _parse(self, environ: dict[str, Any]) -> tuple[str, str, bytes, dict[str, Any]]:
        """(service, operation, body, parameters) of a request the API model accepts."""
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        if environ.get("REQUEST_METHOD") != "POST" or service not in self._validators:
            raise WireError("UnknownOperationException",
                            f"expected a POST with X-Amz-Target {DYNAMODB_TARGET}.<Operation> "
                            f"or {STREAMS_TARGET}.<Operation>")
        body = _read_body(environ)
        params = self._validators[service].parse(operation, body)
        if registry.lookup(self._services[service], operation) is None and \
                not implemented(self._services[service], operation):
            raise WireError("UnknownOperationException",
                            f"{operation} is not supported by this emulator")
        return service, operation, body, params

    def _pin_identity(self, environ: dict[str, Any]) -> None:
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account_id
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if "Credential=" in auth:
            environ["HTTP_AUTHORIZATION"] = _CREDENTIAL_REGION.sub(
                rf"\g<1>{self.region}\g<3>", auth, count=1)
        else:
            environ["HTTP_AUTHORIZATION"] = (
                f"AWS4-HMAC-SHA256 Credential=ddbkit/19700101/{self.region}/dynamodb/aws4_request")
        if "HTTP_USER_AGENT" in environ:
            environ["HTTP_USER_AGENT"] = _UA_REGION.sub(f"region/{self.region}",
                                                        environ["HTTP_USER_AGENT"])


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

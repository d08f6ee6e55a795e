"""A lean DynamoDB client for Locust: gevent-cooperative, keep-alive, SigV4-signed.

boto3 spends most of a request in its model-driven serializer, parser, hooks and retry
machinery; under load that client cost hides the server's. This one sends the JSON body as
is over geventhttpclient (Locust's own fast client), signs with botocore's SigV4 signer so
the same run works against AWS, and fires `events.request` per call with request_type = the
operation and name = the access pattern (Locust's custom-client pattern).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from geventhttpclient import HTTPClient

from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE, DYNAMODB_TARGET_PREFIX
from ddbkit.loadtests.capacity import THROTTLE_CODES, consumed_units, throttle_reasons


class DynamoCallError(Exception):
    """DynamoDB answered with an error (`code` is the part of `__type` after '#');
    `throttling_reasons` are a throttle's `ThrottlingReasons`, as `reason on target`."""

    def __init__(self, code: str, message: str, status: int, operation: str = "",
                 throttling_reasons: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.operation = operation
        self.throttling_reasons = throttling_reasons

    @property
    def throttled(self) -> bool:
        return self.code in THROTTLE_CODES


@dataclass(frozen=True)
class Endpoint:
    url: str
    region: str
    credentials: Credentials


class DynamoClient:
    def __init__(self, endpoint: Endpoint, events: Any = None, timeout: float = 30.0,
                 concurrency: int = 1) -> None:
        parts = urlsplit(endpoint.url)
        self.url = endpoint.url
        self.host = parts.netloc
        self._signer = SigV4Auth(endpoint.credentials, "dynamodb", endpoint.region)
        self._http = HTTPClient.from_url(endpoint.url, concurrency=concurrency,
                                         connection_timeout=timeout, network_timeout=timeout)
        self.events = events

    def call(self, operation: str, body: dict[str, Any], *, name: str | None = None,
             expect: frozenset[str] = frozenset(), context: dict[str, Any] | None = None
             ) -> dict[str, Any]:
        """Send one request. Errors named in `expect` are returned (as {"__error": code}) and
        reported as successes: they are the flow working as designed, not failures."""
        payload = json.dumps(body).encode()
        headers = self._signed_headers(operation, payload)
        started = time.perf_counter()
        exception: Exception | None = None
        length = 0
        try:
            response = self._http.post("/", body=payload, headers=headers)
            raw = response.read()
            length = len(raw)
            answer = json.loads(raw) if raw else {}
            if response.status_code >= 300:
                code = str(answer.get("__type", "HTTP")).rpartition("#")[2]
                reasons = tuple(throttle_reasons(answer)) if code in THROTTLE_CODES else ()
                error = DynamoCallError(code, str(answer.get("message", answer.get("Message", ""))),
                                        response.status_code, operation, reasons)
                if code not in expect:
                    raise error
                answer = {"__error": code}
        except Exception as exc:  # noqa: BLE001 - reported to Locust, then re-raised
            exception = exc
            answer = {}
        elapsed_ms = (time.perf_counter() - started) * 1000
        if self.events is not None:
            throttle = (list(exception.throttling_reasons) if isinstance(
                exception, DynamoCallError) and exception.throttled else None)
            self.events.request.fire(
                request_type=operation, name=name or operation, response_time=elapsed_ms,
                response_length=length, exception=exception,
                context={**(context or {}),
                         "units": consumed_units(operation, answer.get("ConsumedCapacity")),
                         "throttle": throttle,
                         "found": found(operation, answer)})
        if exception is not None:
            raise exception
        return answer

    def _signed_headers(self, operation: str, payload: bytes) -> dict[str, str]:
        request = AWSRequest(method="POST", url=self.url + "/", data=payload, headers={
            "Content-Type": CONTENT_TYPE, "X-Amz-Target": DYNAMODB_TARGET_PREFIX + operation,
            "Host": self.host})
        self._signer.add_auth(request)
        return dict(request.headers.items())

    def close(self) -> None:
        self._http.close()


def found(operation: str, answer: dict[str, Any]) -> bool | None:
    """Did a read find data (GetItem an Item, Query/Scan a match)? None for writes: a run
    against the wrong data reads nothing without a single failure, and this shows it."""
    if operation == "GetItem":
        return "Item" in answer
    if operation in ("Query", "Scan"):
        return int(answer.get("Count", 0)) > 0
    return None

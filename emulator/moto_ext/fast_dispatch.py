"""Call moto's DynamoDB handler straight from WSGI, without Flask.

moto's server puts a Flask app per service behind a host-sniffing dispatcher, adds CORS
headers, and its `call_action` lists the handler class's methods with `inspect.getmembers`
on every request (a few hundred microseconds), and `_enrich_response` runs a regex over each
JSON body looking for an XML RequestId. Here the request becomes moto's own Request
type and goes to the handler's `dispatch`, exactly as moto's Flask view would pass it, and
the method list is computed once per class. Request ids come from os.urandom instead of 52
calls to random.choice. The handler, its parsing and its responses are moto's.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import moto.core.responses as core_responses
from moto.core.request import Request
from moto.core.utils import camelcase_to_underscores
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require


class _ServerRequest(Request):
    from_wsgi_server = True  # as moto's own server marks its requests


MotoResponse = tuple[Any, dict[str, Any], Any]  # (status, headers, body), as handlers return


def dynamodb_call(environ: dict[str, Any]) -> MotoResponse:
    """A DynamoDB request, answered by moto's handler."""
    return _dispatch(DynamoHandler, environ)


def _dispatch(handler: Any, environ: dict[str, Any]) -> MotoResponse:
    request = _ServerRequest(environ)
    return handler.dispatch(request, request.raw_url, dict(request.headers))  # type: ignore[no-any-return]


# DynamoDB Streams has no operation left in moto's handler: all four are ddbkit's own.
_HANDLERS: dict[str, Any] = {"dynamodb": DynamoHandler}


def implemented(service: str, operation: str) -> bool:
    """Whether moto's handler for the service has the operation; for the others (global
    tables, Kinesis destinations, contributor insights, ...) it raises NotImplementedError.
    False for every Streams operation: ddbkit's own modules answer those."""
    handler = _HANDLERS.get(service)
    module: Any = core_responses  # its names are imports, not exports, for mypy
    return handler is not None and camelcase_to_underscores(operation) in \
        module.method_names_from_class(handler)


def request_id(headers: dict[str, Any] | None = None) -> str:
    """52 characters, like DynamoDB's x-amzn-RequestId."""
    value = os.urandom(26).hex().upper()
    if isinstance(headers, dict):
        headers["x-amzn-requestid"] = value
    return value


def _wrap_enrich_response(original: Any) -> Any:
    def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if isinstance(body, str) and "<RequestId>" not in body:
            # moto's version also runs a regex over the whole body for an XML RequestId;
            # DynamoDB answers JSON, so only the request id header is left to add.
            if "status" in headers:
                headers["status"] = str(headers["status"])
            request_id(headers)
            return headers, body
        return original(headers, body)  # type: ignore[no-any-return]

    return staticmethod(enrich_response)


def install() -> None:
    require(core_responses, "method_names_from_class", "gen_amzn_requestid_long")
    require(core_responses.BaseResponse, "_enrich_response")
    require(DynamoHandler, "dispatch")
    require(Request, "raw_url")
    module: Any = core_responses  # its names are imports, not exports, for mypy
    module.gen_amzn_requestid_long = request_id
    module.method_names_from_class = functools.cache(module.method_names_from_class)
    DynamoHandler._enrich_response = _wrap_enrich_response(  # type: ignore[method-assign]
        core_responses.BaseResponse._enrich_response)

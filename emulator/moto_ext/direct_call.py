"""Data-plane requests go to moto's DynamoDB handler without `BaseResponse.setup_class`.

`setup_class` prepares a handler for any AWS protocol: it parses the JSON body as a query
string, builds werkzeug views over the headers, runs the botocore-driven parameter parser and
records the caller with IAM; about 200 us, most of a PutItem. The data-plane actions read only
their parsed parameters, the account and the region, and the WSGI layer has already parsed and
validated the body against the same botocore model. So the handler is given exactly those
attributes and moto's own `call_action` runs as it always does (errors, ConsumedCapacity,
CRC32 header). moto's parser differs from plain JSON only in decoding blobs from base64, so a
body that could hold a blob (or a key spelled with escapes) goes through moto's parser.
Control-plane and Streams operations keep moto's full dispatch (fast_dispatch.py).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import Request
from moto.core.responses import BaseResponse
from moto.core.utils import get_service_model
from moto.dynamodb.responses import DynamoHandler
from moto.utilities.utils import get_partition

from ddbkit.emulator.endpoint.protocol import DYNAMODB_TARGET_PREFIX
from ddbkit.emulator.moto_ext.fast_serializer import FAST_OPERATIONS
from ddbkit.emulator.moto_ext.store import require

# The operations whose results fast_serializer writes: the data plane.
DIRECT_OPERATIONS = FAST_OPERATIONS
Response = tuple[int, dict[str, Any], Any]


@functools.cache
def _parser(operation: str) -> Any:
    model = get_service_model(DynamoHandler().boto3_service_name)  # a property
    return PROTOCOL_PARSERS[model.protocol](model.operation_model(operation),
                                            map_type=DynamoHandler.PROTOCOL_PARSER_MAP_TYPE)


def moto_params(operation: str, body: bytes) -> dict[str, Any]:
    """What moto's own parser makes of the body: JSON with blobs decoded."""
    return _parser(operation).parse(  # type: ignore[no-any-return]
        {"method": "POST", "values": {}, "headers": {}, "body": body, "url_path": "/",
         "url_params": {}})


def might_hold_blob(body: bytes) -> bool:
    # `"B` starts every B and BS member; `\u` could spell one in escapes.
    return b'"B' in body or b"\\u" in body


def call(operation: str, params: dict[str, Any], body: bytes, content_type: str,
         account_id: str, region: str) -> Response:
    """moto's answer to one data-plane request: (status, headers, body)."""
    handler = DynamoHandler()
    handler.params = moto_params(operation, body) if might_hold_blob(body) else params
    handler.current_account = account_id
    handler.region = region
    handler.partition = get_partition(region)
    # _get_action reads the target; moto's error serializer reads the content type. Up to
    # moto 5.2.5 both come from these headers; from 5.2.6, from the request (as setup_class
    # keeps it), which moto's router matches against the service model.
    target = DYNAMODB_TARGET_PREFIX + operation
    handler.headers = {"X-Amz-Target": target, "Content-Type": content_type}
    handler.normalized_request = _request(target, content_type)
    handler.querystring = handler.data = {}
    handler.uri_match = {}
    handler.method, handler.uri, handler.path = "POST", "/", "/"
    handler.raw_body = body
    handler.is_werkzeug_request = True  # the server adds the Date header
    handler.response_headers = {"server": "amazon.com"}
    return handler.call_action()  # type: ignore[no-any-return]


def _request(target: str, content_type: str) -> Request:
    """The little of the HTTP request moto's router and protocol choice read (no body:
    the parameters are already parsed)."""
    return Request({"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "localhost",
                    "SERVER_PORT": "80", "wsgi.url_scheme": "http",
                    "CONTENT_TYPE": content_type, "HTTP_X_AMZ_TARGET": target})


def install() -> None:
    require(BaseResponse, "setup_class", "call_action", "_get_action")
    require(DynamoHandler, "call_action", "boto3_service_name", "PROTOCOL_PARSER_MAP_TYPE")

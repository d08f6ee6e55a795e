"""Check each request before moto sees it: the body, then the validation engine (rules/).

moto trusts its input: a missing `KeySchema` or an `Item` that is not a map raises KeyError or
AttributeError deep inside it, which would reach the client as a 500. The rules engine
(rules/__init__.py) answers such requests as DynamoDB does, from botocore's model of the API,
AWS's limits and DynamoDB's rules, with DynamoDB's error types and wording.

Checked first, as DynamoDB deserializes before it validates (SerializationException):
- the body is JSON of an object, nested no deeper than Python's parser goes (moto answered a
  2,000-level body with a RecursionError, a 500);
- its strings are Unicode DynamoDB can store as UTF-8: a lone surrogate escape (`"\\ud800"`) is
  valid JSON but no UTF-8 (moto crashed encoding it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.model import OperationNotFoundError

from ddbkit.emulator.connect.clients import bare_botocore_session
from ddbkit.emulator.endpoint.rules import ServiceRules, request_rules
from ddbkit.emulator.endpoint.wire import WireError

TOO_DEEP = "the request body nests JSON deeper than DynamoDB accepts"
NOT_UTF8 = "the request body holds a string with an unpaired UTF-16 surrogate ({escape}), " \
           "which has no UTF-8 form"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class RequestValidator:
    def __init__(self, service: str) -> None:
        self._rules = ServiceRules(bare_botocore_session().get_service_model(service))

    def parse(self, operation: str, body: bytes) -> dict[str, Any]:
        """The request's parameters, or WireError saying why they are not acceptable."""
        try:
            rules = self._rules.for_operation(operation)
        except OperationNotFoundError:
            raise WireError("UnknownOperationException",
                            f"unknown operation {operation!r}") from None
        params = _load(body)
        if rules is not None:
            rules.check(params)  # with request_rules, in the order of DynamoDB's layers
        else:
            request_rules.check(operation, params)
        return params


def _load(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except RecursionError:
        raise WireError("SerializationException", TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("SerializationException",
                        f"request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise WireError("SerializationException", "request body must be a JSON object")
    escape = _SURROGATE_ESCAPE.search(body)
    if escape is not None:  # rare: only then is the whole document encoded to be sure
        try:
            json.dumps(params, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise WireError("SerializationException", NOT_UTF8.format(
                escape=escape.group(0).decode())) from None
    return params


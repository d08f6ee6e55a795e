"""Check each request against botocore's model of the API before moto sees it.

moto trusts its input: a missing `KeySchema` or an `Item` that is not a map raises KeyError or
AttributeError deep inside it, which would reach the client as a 500. botocore ships the
service's own input shapes (required members, types, lengths, enums), so one generic engine
gives the ValidationException AWS would send, with no hand-written rule per operation.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.model import OperationNotFoundError, ServiceModel
from botocore.validate import ParamValidator

from ddbkit.emulator.endpoint.protocol import PLAIN_SCALAR_TYPES
from ddbkit.emulator.endpoint.wire import WireError


class ShortcutValidator(ParamValidator):  # type: ignore[misc]
    """botocore's validator, answering the commonest input at once: a scalar attribute value
    ({"S": "..."}: a string or boolean member without constraints), which botocore checks
    member by member (a fifth of a PutItem). Anything else gets botocore's own check, so
    every report is botocore's."""

    def _validate_structure(self, params: Any, shape: Any, errors: Any, name: str) -> None:
        if shape.name == "AttributeValue" and type(params) is dict and len(params) == 1:
            for kind, value in params.items():
                if type(value) is PLAIN_SCALAR_TYPES.get(kind):
                    return
        super()._validate_structure(params, shape, errors, name)


class RequestValidator:
    def __init__(self, service: str) -> None:
        self._model: ServiceModel = botocore.session.get_session().get_service_model(service)
        self._validator = ShortcutValidator()

    def parse(self, operation: str, body: bytes) -> dict[str, Any]:
        """The request's parameters, or WireError saying why they are not acceptable."""
        try:
            model = self._model.operation_model(operation)
        except OperationNotFoundError:
            raise WireError("UnknownOperationException",
                            f"unknown operation {operation!r}") from None
        try:
            params = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise WireError("SerializationException",
                            f"request body is not valid JSON: {exc}") from None
        if not isinstance(params, dict):
            raise WireError("SerializationException", "request body must be a JSON object")
        if model.input_shape is not None:
            report = self._validator.validate(params, model.input_shape)
            if report.has_errors():
                raise WireError("ValidationException", _one_line(report.generate_report()))
        return params


def _one_line(report: str) -> str:
    lines = [line.strip() for line in report.splitlines() if line.strip()]
    return "; ".join(line for line in lines if not line.startswith("Parameter validation failed"))

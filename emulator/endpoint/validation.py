"""Check each request against botocore's model of the API before moto sees it.

moto trusts its input: a missing `KeySchema` or an `Item` that is not a map raises KeyError or
AttributeError deep inside it, which would reach the client as a 500. botocore ships the
service's own input shapes (required members, types, lengths, enums), so one generic engine
gives the ValidationException AWS would send, with no hand-written rule per operation.
DynamoDB's own rules for attribute values (attribute_values.py) and for requests as a whole
(request_rules.py) are data applied by the same pass.

Checked first, as DynamoDB deserializes before it validates (SerializationException):
- the body is JSON of an object, nested no deeper than Python's parser goes (moto answered a
  2,000-level body with a RecursionError, a 500);
- its strings are Unicode DynamoDB can store as UTF-8: a lone surrogate escape (`"\\ud800"`) is
  valid JSON but no UTF-8 (moto crashed encoding it);
- binary values are base64.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
from botocore.model import OperationNotFoundError, ServiceModel
from botocore.validate import ParamValidator

from ddbkit.emulator.endpoint import attribute_values, request_rules
from ddbkit.emulator.endpoint.attribute_values import Problem
from ddbkit.emulator.endpoint.protocol import PLAIN_SCALAR_TYPES
from ddbkit.emulator.endpoint.wire import WireError

TOO_DEEP = "the request body nests JSON deeper than DynamoDB accepts"
NOT_UTF8 = "the request body holds a string with an unpaired UTF-16 surrogate ({escape}), " \
           "which has no UTF-8 form"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Where an attribute value's problem is reported with its place (DynamoDB's wording).
_PLACES = (("ExpressionAttributeValues.", "ExpressionAttributeValues contains invalid value: "
            "{message} for key {key}"),
           ("ExclusiveStartKey.", "The provided starting key is invalid: {message}"))


class ShortcutValidator(ParamValidator):  # type: ignore[misc]
    """botocore's validator, with DynamoDB's attribute value rules, answering the commonest
    input at once: a scalar attribute value ({"S": "..."}: a string or boolean member without
    constraints), which botocore checks member by member (a fifth of a PutItem).

    The rules see each outermost attribute value whole (attribute_values.check walks it
    without recursion); botocore then checks the types inside, except in a value nested
    beyond DynamoDB's limit, where its recursion would overflow Python's stack. The first
    problem found is kept on botocore's error report (`ddbkit_problems`) and raised by
    `RequestValidator.parse` once botocore's own report is empty."""

    def _validate_structure(self, params: Any, shape: Any, errors: Any, name: str) -> None:
        if shape.name != "AttributeValue" or errors.__dict__.get("ddbkit_inside"):
            if shape.name == "AttributeValue" and _plain_scalar(params):
                return
            super()._validate_structure(params, shape, errors, name)
            return
        if _plain_scalar(params):
            kind, value = next(iter(params.items()))
            message = attribute_values.number_problem(value) if kind == "N" else \
                attribute_values.NULL_NOT_TRUE if kind == "NULL" and value is not True else None
            if message is not None:
                _note(errors, name, Problem("ValidationException", message))
            return
        problem = attribute_values.check(params)
        if problem is not None:
            _note(errors, name, problem)
            if problem.message == attribute_values.NESTING:
                return
        errors.ddbkit_inside = True
        try:
            super()._validate_structure(params, shape, errors, name)
        finally:
            errors.ddbkit_inside = False

    def _type_check_datetime(self, value: Any) -> bool:
        # botocore lets RuntimeError and OverflowError out of a 100-digit epoch number.
        try:
            return bool(super()._type_check_datetime(value))
        except Exception:  # noqa: BLE001 - any timestamp botocore cannot read is invalid
            return False


def _plain_scalar(params: Any) -> bool:
    if type(params) is dict and len(params) == 1:
        for kind, value in params.items():
            return type(value) is PLAIN_SCALAR_TYPES.get(kind)
    return False


def _note(errors: Any, name: str, problem: Problem) -> None:
    """Keeps the request's first problem, worded for where the value is."""
    problems = errors.__dict__.setdefault("ddbkit_problems", [])
    if problems:
        return
    for place, wording in _PLACES:
        if place in name:
            key = name.rpartition(place)[2]
            message = problem.message if problem.message == attribute_values.NESTING else \
                wording.format(message=problem.message, key=key)
            problem = Problem(problem.error_type, message)
            break
    problems.append(problem)


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
        params = _load(body)
        if model.input_shape is not None:
            try:
                report = self._validator.validate(params, model.input_shape)
                text = report.generate_report() if report.has_errors() else ""
            except RecursionError:  # a value nested ~1,000 levels deep, outside any item
                raise WireError("SerializationException", TOO_DEEP) from None
            problems = report.__dict__.get("ddbkit_problems") or []
            for problem in problems:
                if problem.error_type == "SerializationException":
                    raise WireError(problem.error_type, problem.message)
            if text:
                raise WireError("ValidationException", _one_line(text))
            for problem in problems:
                raise WireError(problem.error_type, problem.message)
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


def _one_line(report: str) -> str:
    lines = [line.strip() for line in report.splitlines() if line.strip()]
    return "; ".join(line for line in lines if not line.startswith("Parameter validation failed"))

"""moto's ValidationException messages lose the prefix DynamoDB does not send.

moto words several rule violations "1 validation error detected: Invalid UpdateExpression:
Two document paths overlap ...", "1 validation error detected: One or more parameter values
were invalid: An number set  may not be empty", "1 validation error detected: Cannot specify
the ProjectionExpression ...". DynamoDB prefixes only constraint violations ("1 validation
error detected: Value '...' at '...' failed to satisfy constraint: ..."); its other answers
start with the sentence itself (recorded in dynalite's tests and the Parity Suite). Replaces
`MockValidationException.__init__`, which every moto ValidationException goes through.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException

from ddbkit.emulator.moto_ext.store import require

PREFIX = "1 validation error detected: "
# Sentences DynamoDB sends without the prefix.
BARE = ("Invalid UpdateExpression:", "Invalid ProjectionExpression:",
        "One or more parameter values were invalid:", "Cannot specify the",
        "Must specify the", "Value provided in ExpressionAttribute")


def _wrap(original: Any) -> Any:
    def __init__(self: MockValidationException, message: str) -> None:
        if isinstance(message, str) and message.startswith(PREFIX) and \
                message[len(PREFIX):].startswith(BARE):
            message = message[len(PREFIX):]
        original(self, message)

    return __init__


def install() -> None:
    require(MockValidationException, "__init__")
    MockValidationException.__init__ = _wrap(  # type: ignore[method-assign]
        MockValidationException.__init__)

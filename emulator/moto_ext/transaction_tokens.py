"""TransactWriteItems' ClientRequestToken: a retried request is applied once.

moto's `DynamoHandler.transact_write_items` ignores ClientRequestToken, so an SDK retry of a
transaction that succeeded (the SDKs send a token and retry with it) applies it twice.
DynamoDB remembers a token for 10 minutes: the same token with the same request is answered
as before without writing again; with a different request it is refused with
IdempotentParameterMismatchException. Here successful requests are remembered by token
(the request, without the token, and moto's answer), for 10 minutes on the store's clock and
at most MAX_TOKENS at once, oldest forgotten first, so memory stays bounded. A refused
transaction is not remembered: retrying it runs it again, as DynamoDB does.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.store import require

# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
TOKEN_LIFETIME_SECONDS = 600
MAX_TOKENS = 10_000
MISMATCH = ("The request uses the same client token as a previous, but non-identical "
            "request.")

# token -> (time applied, the request without its token, moto's answer)
_applied: OrderedDict[str, tuple[float, str, Any]] = OrderedDict()


def _forget_expired(at: float) -> None:
    while _applied:
        token, (applied_at, _, _) = next(iter(_applied.items()))
        if at - applied_at < TOKEN_LIFETIME_SECONDS and len(_applied) <= MAX_TOKENS:
            return
        del _applied[token]


def _wrap_transact_write_items(original: Any) -> Any:
    def transact_write_items(self: DynamoHandler) -> Any:
        body = self.body
        token = body.get("ClientRequestToken") if isinstance(body, dict) else None
        if not isinstance(token, str):
            return original(self)
        request = json.dumps({k: v for k, v in body.items() if k != "ClientRequestToken"},
                             sort_keys=True, default=str)
        at = now()
        _forget_expired(at)
        seen = _applied.get(token)
        if seen is not None:
            if seen[1] != request:
                raise JsonRESTError(ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                                    MISMATCH)
            return seen[2]
        answer = original(self)
        _applied[token] = (at, request, answer)
        _forget_expired(at)
        return answer

    return transact_write_items


def install() -> None:
    require(DynamoHandler, "transact_write_items")
    DynamoHandler.transact_write_items = _wrap_transact_write_items(  # type: ignore[method-assign]
        DynamoHandler.transact_write_items)

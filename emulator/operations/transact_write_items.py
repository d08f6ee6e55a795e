"""TransactWriteItems: up to 100 ConditionChecks, Puts, Deletes and Updates, all or none.

Read top to bottom as DynamoDB runs it. The endpoint checked 1..100 actions, each exactly one
of ConditionCheck, Put, Delete or Update, their expressions' names and values used, no Key
named twice and at most 4 MB of items. Then: an action whose Key (or Put's Item) does not
match its table's key schema cancels the transaction (reason ValidationError, the others
None); an unknown table is ResourceNotFoundException; each action is checked as its single
write checks it (Key values, a Put's item, an Update's expression), and no two actions may
name one item. A ClientRequestToken seen in the last 10 minutes answers as before (the same
request) or is refused (another request). Then every condition is read against the items as
they are, and every Update applied to a copy: any failure cancels the whole transaction
(TransactionCanceledException, one reason per action in order, the old item for ALL_OLD), and
a cancelled transaction is charged for each action by the item there. Otherwise every write
is made in one undo journal (item, indexes, stream record, durability note), charged 2 WCU
per KB (a ConditionCheck by its item), and answered: ConsumedCapacity per table,
ItemCollectionMetrics per written item of a table with LSIs.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.capacity.rules import TRANSACTIONAL_WRITE
from ddbkit.emulator.endpoint.protocol import ERROR_NAMESPACE
from ddbkit.emulator.operations import keys, pipeline, updates, writes
from ddbkit.emulator.operations.call import (
    Answer,
    Call,
    OperationError,
    answer,
    encoded_answer,
    validation_error,
)
from ddbkit.emulator.store import access, atomic_writes, clock

CANCELLED = ("Transaction cancelled, please refer cancellation reasons for specific reasons "
             "[{}]")
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
MISSING_KEY = "One or more parameter values were invalid: Missing the key {} in the item"
KEY_TYPE = ("One or more parameter values were invalid: Type mismatch for key {} expected: {} "
            "actual: {}")
TOKEN_MISMATCH = ("The request uses the same client token as a previous, but non-identical "
                  "request.")
ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")  # the endpoint let exactly one through
TOKEN_LIFETIME_SECONDS = 600  # API_TransactWriteItems: a token is remembered for 10 minutes
MAX_TOKENS = 10_000  # memory stays bounded: the oldest are forgotten first

Reason = tuple[str, str, Any] | None  # (code, message, item) of a cancelled action

# token -> (time applied, the request without its token, the answer's body)
_tokens: OrderedDict[str, tuple[float, str, bytes]] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # ConditionCheck, Put, Delete or Update
    table: Any
    keys: tuple[Any, Any]  # (hash, range) as the store keys the item
    key: dict[str, Any]  # the item's table key attributes, decoded
    condition: writes.Condition
    new: Any = None  # a Put's item
    update: updates.Update | None = None


def run(call: Call) -> Answer:
    params = call.params
    requests = [next((kind, request) for kind, request in action.items()
                     if kind in ACTIONS and request is not None)
                for action in params["TransactItems"]]
    _schema_cancels(call, requests)
    parsed = [_expressions(kind, request) for kind, request in requests]
    actions = [_checked(call, kind, request, *expressions)
               for (kind, request), expressions in zip(requests, parsed, strict=True)]
    _once_each(actions)
    token, request = _token(params)
    if token is not None and (replayed := _replayed(token, request)) is not None:
        return encoded_answer(replayed)
    metering = writes.metering_for(call, transactional=True, write_step=TRANSACTIONAL_WRITE)
    with atomic_writes.atomic():
        olds = [writes.read_old(action.table, action.keys) for action in actions]
        news = _checked_against(actions, olds, metering)
        for action, old, new in zip(actions, olds, news, strict=True):
            _write(metering, action, old, new)
        if metering.admit is not None:
            metering.admit(metering.meter.charges)  # type: ignore[union-attr]
    result: dict[str, Any] = {}
    meter = metering.meter
    if meter is not None and meter.mode is not None:
        result["ConsumedCapacity"] = meter.consumed_list()
    _collection_metrics(params, actions, result)
    done = answer(result)
    if token is not None:
        _remember(token, request, done[2])
    return done


# -- validate ---------------------------------------------------------------------------------

def _schema_cancels(call: Call, requests: list[tuple[str, dict[str, Any]]]) -> None:
    """Keys (a Put's item keys) against each existing table's schema: a mismatch cancels."""
    backend = pipeline.backend(call)
    reasons: list[Reason] = []
    for kind, request in requests:
        table = access.find_table(backend, request.get("TableName"))
        problem = None if table is None else _schema_problem(table, kind, request)
        reasons.append(None if problem is None else ("ValidationError", problem, None))
    if any(reasons):
        raise cancelled(reasons)


def _schema_problem(table: Any, kind: str, request: dict[str, Any]) -> str | None:
    if kind != "Put":
        return None if keys.matches(access.key_schema(table), request.get("Key")) else \
            keys.MISMATCH
    item = request.get("Item") or {}
    declared = {table.hash_key_attr: table.hash_key_type,
                table.range_key_attr: table.range_key_type}
    for name in table.table_key_attrs:
        if name not in item:
            return MISSING_KEY.format(name)
        kind_sent = next(iter(item[name]), None) if isinstance(item[name], dict) else None
        if kind_sent != declared[name]:
            return KEY_TYPE.format(name, declared[name], kind_sent)
    return None


def _expressions(kind: str, request: dict[str, Any]) -> tuple[writes.Condition,
                                                              updates.Update | None]:
    """Every action's expressions are read (a syntax error refused) before any table is
    looked up."""
    return writes.conditions(request), updates.parse(request) if kind == "Update" else None


def _checked(call: Call, kind: str, request: dict[str, Any], condition: writes.Condition,
             update: updates.Update | None) -> Action:
    """One action as its single write checks it, before anything is read."""
    table = pipeline.resolve_table(call, request["TableName"])
    if kind == "Put":
        item = writes.decoded_map(request["Item"])
        writes.check_item_keys(table, item)
        item_keys = writes.item_keys(table, item)
        new = writes.build(table, item_keys, item)
        key = {name: item[name] for name in table.table_key_attrs}
        return Action(kind, table, item_keys, key, condition, new=new)
    key = writes.decoded_map(request["Key"])
    checked = writes.check_key(table, key)
    if update is not None:
        updates.check_actions(table, update)
    return Action(kind, table, checked, key, condition, update=update)


def _once_each(actions: list[Action]) -> None:
    """No two actions on one item (a Put's key included): numbers by value, binary by bytes."""
    seen = set()
    for action in actions:
        identity = (action.table.name, *keys.stored_identity(action.keys))
        if identity in seen:
            raise validation_error(SAME_ITEM)
        seen.add(identity)



# -- the token --------------------------------------------------------------------------------

def _token(params: dict[str, Any]) -> tuple[str | None, str]:
    token = params.get("ClientRequestToken")
    if not isinstance(token, str):
        return None, ""
    request = json.dumps({k: v for k, v in params.items() if k != "ClientRequestToken"},
                         sort_keys=True, default=str)
    return token, request


def _replayed(token: str, request: str) -> bytes | None:
    """The answer given to this token's request, or None (a new token); another request
    under a remembered token is refused."""
    _forget_expired(clock.now())
    seen = _tokens.get(token)
    if seen is None:
        return None
    if seen[1] != request:
        raise OperationError("IdempotentParameterMismatchException", TOKEN_MISMATCH)
    return seen[2]


def _remember(token: str, request: str, body: bytes) -> None:
    at = clock.now()
    _tokens[token] = (at, request, body)
    _forget_expired(at)


def _forget_expired(at: float) -> None:
    while _tokens:
        applied_at = next(iter(_tokens.values()))[0]
        if at - applied_at < TOKEN_LIFETIME_SECONDS and len(_tokens) <= MAX_TOKENS:
            return
        _tokens.popitem(last=False)


# -- check every condition --------------------------------------------------------------------

def _checked_against(actions: list[Action], olds: list[Any],
                     metering: writes.Metering) -> list[Any]:
    """Each action's item after it (a ConditionCheck's and a Delete's: None); any condition
    that fails, or Update that outgrows 400 KB, cancels them all (charged as they stand)."""
    reasons: list[Reason] = []
    news: list[Any] = []
    for action, old in zip(actions, olds, strict=True):
        reason, new = _outcome(action, old)
        reasons.append(reason)
        news.append(new)
    if any(reasons):
        for action, old in zip(actions, olds, strict=True):
            _charge_check(metering, action, old)
        if metering.admit is not None:
            metering.admit(metering.meter.charges)  # type: ignore[union-attr]
        raise cancelled(reasons)
    return news


def _outcome(action: Action, old: Any) -> tuple[Reason, Any]:
    try:
        writes.check_condition(action.condition, old)
    except OperationError as failed:
        return ("ConditionalCheckFailed", failed.message, failed.fields.get("Item")), None
    if action.kind == "Put":
        return None, action.new
    if action.update is None:
        return None, None
    try:
        applied = updates.apply(action.table, action.key, old, action.update)
        if updates.creates_nothing(action.table, action.update, old, applied):
            return None, None
        new = updates.checked(action.table, action.keys, applied)
    except OperationError as refused:
        if refused.message != updates.TOO_LARGE:  # known only with the item: a cancellation
            raise
        return ("ValidationError", refused.message, None), None
    return None, new


def cancelled(reasons: list[Reason]) -> OperationError:
    """TransactionCanceledException: one reason per action, in order."""
    message = CANCELLED.format(", ".join(r[0] if r else "None" for r in reasons))
    error = OperationError("TransactionCanceledException", message)
    error.document = {"__type": ERROR_NAMESPACE + "TransactionCanceledException",
                      "CancellationReasons": [_reason(r) for r in reasons],
                      "Message": message}
    return error


def _reason(reason: Reason) -> dict[str, Any]:
    if reason is None:
        return {"Code": "None"}
    code, message, item = reason
    return {"Code": code, "Message": message, **({"Item": item} if item else {})}


# -- apply every write, meter -----------------------------------------------------------------

def _write(metering: writes.Metering, action: Action, old: Any, new: Any) -> None:
    """The action's store change with its undo and journal notes, indexes, stream record."""
    table, item_keys = action.table, action.keys
    writes.image_before(metering, table, old)
    if action.kind == "ConditionCheck" or (new is None and old is None):
        writes.charge_failed(metering, table, item_keys)  # charged by the item there
        return
    if new is None:
        writes.delete(table, item_keys)
    else:
        writes.put(table, item_keys, new)
    writes.maintain_indexes(table, old, new)
    writes.stream(table, old, new)
    writes.charge_write(metering, table, new)


def _charge_check(metering: writes.Metering, action: Action, old: Any) -> None:
    writes.image_before(metering, action.table, old)
    writes.charge_failed(metering, action.table, action.keys)


# -- answer -----------------------------------------------------------------------------------

def _collection_metrics(params: dict[str, Any], actions: list[Action],
                        result: dict[str, Any]) -> None:
    """For SIZE: one entry per written item of a table with LSIs, by table."""
    by_table: dict[str, list[Any]] = {}
    for action in actions:
        if action.kind == "ConditionCheck":
            continue
        entry: dict[str, Any] = {}
        writes.collection_metrics(params, action.table, action.key[action.table.hash_key_attr],
                                  entry)
        if entry:
            by_table.setdefault(action.table.name, []).append(entry["ItemCollectionMetrics"])
    result["ItemCollectionMetrics"] = by_table  # {} when none, as moto answered it

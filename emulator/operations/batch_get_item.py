"""BatchGetItem: up to 100 items from one or more tables, each by its primary key.

Validation beyond the API model (the endpoint already refused more than 100 keys, a Key
listed twice word for word, bad expressions): no ProjectionExpression on one table beside
AttributesToGet on another; every Key of every table that exists against
its key schema, first each one's values (empty, too large), then their schema, as DynamoDB
answers; then the same item asked twice in other spellings ("1" and "1.0", one blob in
two base64 texts). Each table is then read in turn: its projection, the table itself
(ResourceNotFoundException), its keys.

Answered as DynamoDB does: every table under `Responses` (found items only, in no
particular order), keys left over under `UnprocessedKeys` with the table's other request
members: those beyond 16 MB of items, and those the throughput model refused (each key
admitted on its own; all of them refused is a ThrottlingException). Capacity per table,
each item rounded to 4 KB on its own.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.meter import Meter, Refused
from ddbkit.emulator.capacity.rules import read_step
from ddbkit.emulator.operations import item_reads, keys, pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer, validation_error
from ddbkit.emulator.store import access

# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"
MIXED = ("Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: {AttributesToGet} Expression parameters: "
         "{ProjectionExpression}")


def run(call: Call) -> Answer:
    requests: dict[str, Any] = call.params["RequestItems"]
    _validate(call, requests)
    meter = pipeline.meter("BatchGetItem", call.params)
    admit = pipeline.throughput() if meter is not None else None
    responses: dict[str, list[Any]] = {}
    unprocessed: dict[str, list[Any]] = {}
    size = 0
    for name, request in requests.items():
        paths = item_reads.selection(request)
        table = pipeline.resolve_table(call, name)
        step = read_step(bool(request.get("ConsistentRead")))
        found = responses[name] = []
        for key in request["Keys"]:
            stored, partition = access.stored(table, key)
            item_bytes = access.billed_size(stored) if stored is not None else 0
            if size + item_bytes > MAX_RESPONSE_BYTES:
                unprocessed.setdefault(name, []).append(key)  # the next call's, uncharged
                continue
            if meter is not None:
                start = item_reads.charge(meter, table, stored, step, partition)
                if admit is not None and not _admitted(meter, admit, start, name, key):
                    continue
            if stored is not None:
                found.append(item_reads.document(stored, paths))
                size += item_bytes
    result: dict[str, Any] = {"Responses": responses,
                              "UnprocessedKeys": _unprocessed(requests, unprocessed, meter)}
    if meter is not None and meter.mode is not None:
        result["ConsumedCapacity"] = meter.consumed_list()
    return answer(result)


def _validate(call: Call, requests: dict[str, Any]) -> None:
    if any("AttributesToGet" in request for request in requests.values()) and any(
            "ProjectionExpression" in request for request in requests.values()):
        raise validation_error(MIXED)
    backend = pipeline.backend(call)
    tables = [(access.find_table(backend, name), request) for name, request in requests.items()]
    known = [(access.key_schema(table), request) for table, request in tables if table is not None]
    for schema, request in known:
        for key in request["Keys"]:
            problem = keys.value_problem(schema, key) if keys.matches(schema, key) else None
            if problem is not None:
                raise validation_error(problem)
    for schema, request in known:
        if not all(keys.matches(schema, key) for key in request["Keys"]):
            raise validation_error(keys.MISMATCH)
        if len({keys.identity(key) for key in request["Keys"]}) < len(request["Keys"]):
            raise validation_error(DUPLICATES)


def _admitted(meter: Meter, admit: pipeline.Admission, start: int, name: str,
              key: dict[str, Any]) -> bool:
    """Asks the throughput model about one key's charges; a refused key is taken back."""
    try:
        admit(meter.charges[start:])
    except Refused as refusal:
        meter.retract(start)
        meter.refuse(name, key, refusal)
        return False
    return True


def _unprocessed(requests: dict[str, Any], oversized: dict[str, list[Any]],
                 meter: Meter | None) -> dict[str, Any]:
    """UnprocessedKeys: each table's keys left over, with its other request members. When
    the throughput model refused every key, the request is throttled instead."""
    refused = meter.unprocessed if meter is not None else {}
    if meter is not None and meter.refusals and len(meter.refusals) >= sum(
            len(request["Keys"]) for request in requests.values()):
        first = meter.refusals[0]
        first.reasons = [dict(t) for t in dict.fromkeys(
            tuple(sorted(r.items())) for refusal in meter.refusals for r in refusal.reasons)]
        raise first
    left: dict[str, Any] = {}
    for name in requests:
        keys_left = [*refused.get(name, []), *oversized.get(name, [])]
        if keys_left:
            left[name] = {**{k: v for k, v in requests[name].items() if k != "Keys"},
                          "Keys": keys_left}
    return left

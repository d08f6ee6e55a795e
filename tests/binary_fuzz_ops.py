"""The item operations of tests/test_fuzz_binary_keys.py on the binary-keyed tables: each
sends one random request through boto3 and checks its answer against the model."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from binary_fuzz_model import (
    BB,
    DUPLICATES,
    HASH_ONLY,
    BinaryModel,
    Item,
    Key,
    Outcome,
    outcome_of,
)

RETURN_UPDATE = ["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"]


def _table(model: BinaryModel) -> str:
    return model.rng.choice([BB, BB, HASH_ONLY])


def key_of(table: str, item: Item) -> Key:
    return tuple(item[n]["B"] for n in (("pk", "sk") if table == BB else ("pk",)))


def put(model: BinaryModel, client: Any) -> Outcome:
    table = _table(model)
    key = model.present_or_not(table)
    item = model.new_item(table, key)
    body: dict[str, Any] = {"TableName": model.name(table), "Item": item,
                            "ReturnValues": model.rng.choice(["NONE", "ALL_OLD"])}
    holds = model.condition(table, key, body) if model.rng.random() < 0.5 else True
    outcome, answer = outcome_of(lambda: client.put_item(**body))
    model.expect(outcome, answer, None if holds else "ConditionalCheckFailedException")
    if holds and not outcome.wrong:
        if body["ReturnValues"] == "ALL_OLD":
            model.same(outcome, "ALL_OLD", answer.get("Attributes"), model.items[table].get(key))
        model.items[table][key] = item
    return outcome


def get(model: BinaryModel, client: Any) -> Outcome:
    table = _table(model)
    key = model.present_or_not(table)
    outcome, answer = outcome_of(lambda: client.get_item(
        TableName=model.name(table), Key=model.wire_key(table, key), ConsistentRead=True))
    model.expect(outcome, answer, None)
    model.same(outcome, "GetItem", answer.get("Item"), model.items[table].get(key))
    return outcome


def update(model: BinaryModel, client: Any) -> Outcome:
    table = _table(model)
    key = model.present_or_not(table)
    old = model.items[table].get(key)
    value = {"B": model.rng.randbytes(model.rng.randint(1, 3))}
    body: dict[str, Any] = {"TableName": model.name(table), "Key": model.wire_key(table, key),
                            "ReturnValues": model.rng.choice(RETURN_UPDATE)}
    changed = {"v": value}
    holds = True
    if model.rng.random() < 0.05 and table == BB:  # a key attribute: never updatable
        body.update(UpdateExpression="SET sk = :s", ExpressionAttributeValues={
            ":s": {"B": model.sort()}})
        outcome, answer = outcome_of(lambda: client.update_item(**body))
        model.expect(outcome, answer, "ValidationException")
        return outcome
    if model.rng.random() < 0.3:  # the legacy form
        body["AttributeUpdates"] = {"v": {"Action": "PUT", "Value": value},
                                    "n": {"Action": "ADD", "Value": {"N": "1"}}}
        if model.rng.random() < 0.4:
            present = key in model.items[table]
            body["Expected"], holds = model.rng.choice([
                ({"pk": {"Value": {"B": key[0]}}}, present), ({"pk": {"Exists": False}},
                                                              not present)])
    else:
        body["UpdateExpression"] = "SET v = :v ADD n :one"
        body["ExpressionAttributeValues"] = {":v": value, ":one": {"N": "1"}}
        if table == BB and model.rng.random() < 0.4:
            changed["gsk"] = {"B": model.sort()}
            body["UpdateExpression"] = "SET v = :v, gsk = :g ADD n :one"
            body["ExpressionAttributeValues"][":g"] = changed["gsk"]
        if model.rng.random() < 0.5:
            holds = model.condition(table, key, body)
    outcome, answer = outcome_of(lambda: client.update_item(**body))
    model.expect(outcome, answer, None if holds else "ConditionalCheckFailedException")
    if not holds or outcome.wrong:
        return outcome
    new = copy.deepcopy(old) if old else model.wire_key(table, key)
    new.update(changed)
    new["n"] = {"N": str(int(old["n"]["N"]) + 1 if old and "n" in old else 1)}
    model.items[table][key] = new
    touched = [*changed, "n"]
    expected = {"NONE": None, "ALL_OLD": old, "ALL_NEW": new,
                "UPDATED_NEW": {a: new[a] for a in touched},
                "UPDATED_OLD": {a: old[a] for a in touched if a in old} if old else None}
    model.same(outcome, f"ReturnValues {body['ReturnValues']}", answer.get("Attributes"),
               expected[body["ReturnValues"]] or None)
    return outcome


def delete(model: BinaryModel, client: Any) -> Outcome:
    table = _table(model)
    key = model.present_or_not(table)
    body: dict[str, Any] = {"TableName": model.name(table), "Key": model.wire_key(table, key),
                            "ReturnValues": "ALL_OLD"}
    holds = model.condition(table, key, body) if model.rng.random() < 0.5 else True
    outcome, answer = outcome_of(lambda: client.delete_item(**body))
    model.expect(outcome, answer, None if holds else "ConditionalCheckFailedException")
    if holds and not outcome.wrong:
        model.same(outcome, "ALL_OLD", answer.get("Attributes"),
                   model.items[table].pop(key, None))
    return outcome


def batch_get(model: BinaryModel, client: Any) -> Outcome:
    tables = model.rng.sample([BB, HASH_ONLY], model.rng.randint(1, 2))
    wanted = {t: list(dict.fromkeys(model.present_or_not(t) for _ in range(
        model.rng.randint(1, 4)))) for t in tables}
    duplicate = model.rng.random() < 0.2
    if duplicate:
        wanted[tables[0]].append(wanted[tables[0]][0])
    request = {model.name(t): {"Keys": [model.wire_key(t, k) for k in keys]}
               for t, keys in wanted.items()}
    outcome, answer = outcome_of(lambda: client.batch_get_item(RequestItems=request))
    model.expect(outcome, answer, "ValidationException" if duplicate else None,
                 DUPLICATES if duplicate else None)
    if not duplicate and not outcome.wrong:
        for table, keys in wanted.items():
            got = sorted(answer["Responses"].get(model.name(table), []),
                         key=lambda i, t=table: key_of(t, i))  # type: ignore[misc]
            expected = sorted((model.items[table][k] for k in keys if k in model.items[table]),
                              key=lambda i, t=table: key_of(t, i))  # type: ignore[misc]
            model.same(outcome, "BatchGetItem", got, expected)
    return outcome


def batch_write(model: BinaryModel, client: Any) -> Outcome:
    table = _table(model)
    writes: dict[Key, Item | None] = {}
    for _ in range(model.rng.randint(1, 5)):
        key = model.present_or_not(table)
        writes[key] = model.new_item(table, key) if model.rng.random() < 0.6 else None
    requests = [{"PutRequest": {"Item": item}} if item else
                {"DeleteRequest": {"Key": model.wire_key(table, key)}}
                for key, item in writes.items()]
    duplicate = model.rng.random() < 0.2
    if duplicate:
        key = next(iter(writes))
        requests.append(model.rng.choice([{"DeleteRequest": {"Key": model.wire_key(table, key)}},
                                          {"PutRequest": {"Item": model.new_item(table, key)}}]))
    outcome, answer = outcome_of(lambda: client.batch_write_item(
        RequestItems={model.name(table): requests}))
    model.expect(outcome, answer, "ValidationException" if duplicate else None,
                 DUPLICATES if duplicate else None)
    if not duplicate and not outcome.wrong:
        model.same(outcome, "UnprocessedItems", answer["UnprocessedItems"], {})
        for key, item in writes.items():
            if item:
                model.items[table][key] = item
            else:
                model.items[table].pop(key, None)
    return outcome


def transact_get(model: BinaryModel, client: Any) -> Outcome:
    gets = [(t, model.present_or_not(t)) for t in
            (_table(model) for _ in range(model.rng.randint(1, 4)))]
    gets = list(dict.fromkeys(gets))
    outcome, answer = outcome_of(lambda: client.transact_get_items(TransactItems=[
        {"Get": {"TableName": model.name(t), "Key": model.wire_key(t, k)}} for t, k in gets]))
    model.expect(outcome, answer, None)
    if not outcome.wrong:
        model.same(outcome, "TransactGetItems", [r.get("Item") for r in answer["Responses"]],
                   [model.items[t].get(k) for t, k in gets])
    return outcome


def transact_write(model: BinaryModel, client: Any) -> Outcome:
    actions: dict[tuple[str, Key], tuple[str, dict[str, Any], bool]] = {}
    for _ in range(model.rng.randint(1, 4)):
        table = _table(model)
        key = model.present_or_not(table)
        kind = model.rng.choice(["Put", "Update", "Delete", "ConditionCheck"])
        body: dict[str, Any] = {"TableName": model.name(table)}
        if kind == "Put":
            body["Item"] = model.new_item(table, key)
        else:
            body["Key"] = model.wire_key(table, key)
        if kind == "Update":
            body["UpdateExpression"] = "SET v = :v"
            body["ExpressionAttributeValues"] = {":v": {"B": model.rng.randbytes(2)}}
        holds = model.condition(table, key, body) \
            if kind == "ConditionCheck" or model.rng.random() < 0.4 else True
        actions[(table, key)] = kind, body, holds
    items = [{kind: body} for kind, body, _ in actions.values()]
    twice = model.rng.random() < 0.15
    if twice:
        (table, key), _ = next(iter(actions.items()))
        items.append({"ConditionCheck": {"TableName": model.name(table), "Key": model.wire_key(
            table, key), "ConditionExpression": "attribute_exists(pk)"}})
    outcome, answer = outcome_of(lambda: client.transact_write_items(TransactItems=items))
    if twice:
        model.expect(outcome, answer, "ValidationException", "Transaction request cannot "
                     "include multiple operations on one item")
        return outcome
    failing = [not holds for _, _, holds in actions.values()]
    if any(failing):
        model.expect(outcome, answer, "TransactionCanceledException")
        reasons = [r.get("Code") for r in answer.get("CancellationReasons") or []]
        model.same(outcome, "CancellationReasons", reasons,
                   ["ConditionalCheckFailed" if f else "None" for f in failing])
        return outcome
    model.expect(outcome, answer, None)
    if not outcome.wrong:
        for (table, key), (kind, body, _) in actions.items():
            _apply(model, table, key, kind, body)
    return outcome


def _apply(model: BinaryModel, table: str, key: Key, kind: str, body: dict[str, Any]) -> None:
    if kind == "Put":
        model.items[table][key] = body["Item"]
    elif kind == "Delete":
        model.items[table].pop(key, None)
    elif kind == "Update":
        item = model.items[table].get(key) or model.wire_key(table, key)
        model.items[table][key] = {**item, "v": body["ExpressionAttributeValues"][":v"]}


OPERATIONS: list[tuple[str, Callable[[BinaryModel, Any], Outcome]]] = [
    ("PutItem", put), ("GetItem", get), ("UpdateItem", update), ("DeleteItem", delete),
    ("BatchGetItem", batch_get), ("BatchWriteItem", batch_write),
    ("TransactGetItems", transact_get), ("TransactWriteItems", transact_write),
]

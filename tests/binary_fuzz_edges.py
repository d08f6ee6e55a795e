"""The edges of tests/test_fuzz_binary_keys.py: raw JSON with malformed base64 in key
positions, binary values where an S or N key goes, and the checks after the run (stream
records, a backup restored, DescribeTable)."""

from __future__ import annotations

import json
from typing import Any

from binary_fuzz_model import BB, HASH_ONLY, BinaryModel, Outcome, b64, outcome_of
from binary_fuzz_ops import key_of
from fuzz_requests import Target
from restored import restored

# Not base64, wrongly padded, not text, not one value: each a request DynamoDB refuses.
MALFORMED_B = ["!!!!", "A", "AAA", "====", "AA=A", "AB==x", "\u00e9\u00e9", " AA== ", 12,
               None, True, ["AA=="], {"B": "AA=="}, "AA==" * 700, ""]  # "" is no key
DB = "DynamoDB_20120810"
SCHEMA = "The provided key element does not match the schema"


def raw_request(model: BinaryModel, connection: Any) -> tuple[str, Outcome]:
    """One request over raw JSON: a key whose B is malformed, or a valid one as text."""
    rng = model.rng
    bad: Any = rng.choice(MALFORMED_B)
    table = rng.choice([BB, HASH_ONLY])
    good = {n: {"B": b64(v["B"])} for n, v in model.wire_key(table, model.key(table)).items()}
    key = dict(good)
    key[rng.choice(list(key))] = {"B": bad}
    name = model.name(table)
    operation, body = rng.choice([
        ("GetItem", {"TableName": name, "Key": key}),
        ("PutItem", {"TableName": name, "Item": {**key, "v": {"S": "x"}}}),
        ("DeleteItem", {"TableName": name, "Key": key}),
        ("UpdateItem", {"TableName": name, "Key": key, "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"B": bad}}}),
        ("Query", {"TableName": model.name(BB), "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"B": bad}}}),
        ("Query", {"TableName": model.name(BB), "KeyConditionExpression":
                   "pk = :p AND sk BETWEEN :a AND :b", "ExpressionAttributeValues": {
                       ":p": {"B": "AA=="}, ":a": {"B": bad}, ":b": {"B": "/w=="}}}),
        ("Scan", {"TableName": name, "ExclusiveStartKey": key}),
        ("BatchGetItem", {"RequestItems": {name: {"Keys": [key, good]}}}),
        ("BatchWriteItem", {"RequestItems": {name: [{"DeleteRequest": {"Key": key}},
                                                    {"PutRequest": {"Item": good}}]}}),
        ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": name, "Key": key}}]}),
        ("TransactWriteItems", {"TransactItems": [{"ConditionCheck": {
            "TableName": name, "Key": key, "ConditionExpression": "attribute_exists(pk)"}}]}),
        ("ExecuteStatement", {"Statement": f'SELECT * FROM "{name}" WHERE pk = ?',
                              "Parameters": [{"B": bad}]}),
    ])
    status, answer = connection.send(Target(DB, operation), json.dumps(body).encode())
    outcome = Outcome(status, answer)
    # An empty binary is base64 (of no bytes): only a key refuses it, and neither a PartiQL
    # parameter nor an ExclusiveStartKey is one (DynamoDB's answer to those is unrecorded).
    if status == 200 and not (bad == "" and operation in ("ExecuteStatement", "Scan")):
        outcome.wrong.append(f"malformed B {bad!r} accepted")
    model.counts["raw"] += 1
    return f"raw {operation} B={str(bad)[:20]!r}", outcome


class WrongPosition:
    """Binary values where a table's S or N key (or an S GSI key) goes."""

    def __init__(self, model: BinaryModel) -> None:
        self.model = model

    def step(self, client: Any) -> tuple[str, Outcome]:
        rng = self.model.rng
        table = rng.choice(["s", "n"])
        name = self.model.name(table)
        blob = {"B": rng.choice([b"\x00", b"\xff", b"1", rng.randbytes(3)])}
        good = {"pk": {"S": "a"}, "sk": {"N": "1"}} if table == "s" else {"pk": {"N": "1"}}
        attr = rng.choice(list(good))
        key = {**good, attr: blob}
        mismatch = ("One or more parameter values were invalid: Type mismatch for key "
                    f"{attr} expected: {next(iter(good[attr]))} actual: B")
        if table == "s" and rng.random() < 0.2:  # an S GSI key given a binary value
            item = {**good, "gs": blob}
            outcome, answer = outcome_of(lambda: client.put_item(TableName=name, Item=item))
            return self.refused("PutItem GSI", outcome, answer, (
                "One or more parameter values were invalid: Type mismatch for Index Key gs "
                "Expected: S Actual: B IndexName: gsis"))
        transact = rng.choice(["Put", "Delete"])
        shape, call, expected = rng.choice([
            ("PutItem", lambda: client.put_item(TableName=name, Item=key), mismatch),
            ("GetItem", lambda: client.get_item(TableName=name, Key=key), SCHEMA),
            ("DeleteItem", lambda: client.delete_item(TableName=name, Key=key), SCHEMA),
            ("UpdateItem", lambda: client.update_item(
                TableName=name, Key=key, UpdateExpression="SET v = :v",
                ExpressionAttributeValues={":v": blob}), SCHEMA),
            ("Query", lambda: client.query(
                TableName=name, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": blob}), "One or more parameter values were "
             "invalid: Condition parameter type does not match schema type"),
            ("Scan", lambda: client.scan(TableName=name, ExclusiveStartKey=key),
             "The provided starting key is invalid: " + SCHEMA),
            ("BatchGetItem", lambda: client.batch_get_item(RequestItems={name: {
                "Keys": [key]}}), SCHEMA),
            # A batch Put's keys get a Key's answer (parity suite, recorded against AWS).
            ("BatchWriteItem", lambda: client.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": key}}]}), SCHEMA),
            ("TransactGetItems", lambda: client.transact_get_items(TransactItems=[
                {"Get": {"TableName": name, "Key": key}}]), ("cancelled", SCHEMA)),
            (f"TransactWriteItems {transact}", lambda: client.transact_write_items(
                TransactItems=[{transact: {"TableName": name, "Key" if transact == "Delete"
                                           else "Item": key}}]),
             ("cancelled", mismatch if transact == "Put" else SCHEMA)),
            ("ExecuteStatement", lambda: client.execute_statement(
                Statement=f'INSERT INTO "{name}" VALUE {{\'pk\': ?, \'sk\': ?}}',
                Parameters=[key["pk"], key.get("sk", {"N": "1"})]), mismatch),
            ("ExecuteStatement", lambda: client.execute_statement(
                Statement=rng.choice([f'DELETE FROM "{name}"', f'UPDATE "{name}" SET v = 1'])
                + " WHERE " + " AND ".join(f"{a} = ?" for a in key),
                Parameters=list(key.values())), SCHEMA),
        ])
        outcome, answer = outcome_of(call)
        return self.refused(f"{shape} {table} {key!r}", outcome, answer, expected)

    def refused(self, shape: str, outcome: Outcome, answer: Any,
                expected: str | tuple[str, str]) -> tuple[str, Outcome]:
        """A ValidationException with the `expected` message, or a transaction cancelled
        with one ValidationError reason of that message (as DynamoDB answers a wrong type)."""
        self.model.counts["wrong position"] += 1
        if isinstance(expected, str):
            self.model.expect(outcome, answer, "ValidationException", expected)
        else:
            self.model.expect(outcome, answer, "TransactionCanceledException")
            reasons = [(r.get("Code"), r.get("Message"))
                       for r in answer.get("CancellationReasons") or []]
            self.model.same(outcome, "reasons", reasons, [("ValidationError", expected[1])])
        return f"wrong position {shape}"[:200], outcome


EMPTY_KEY = "The AttributeValue for a key attribute cannot contain an empty binary value"


def empty_binary_key(model: BinaryModel, client: Any) -> Outcome:
    """An empty binary where a key (the table's, an index's, a key condition's) goes."""
    rng = model.rng
    name, empty, full = model.name(BB), {"B": b""}, {"B": b"\x01"}
    key = {"pk": full, "sk": full, rng.choice(["pk", "sk"]): empty}
    in_index = {"pk": full, "sk": full, rng.choice(["gpk", "gsk", "lsk"]): empty}
    index_key = rng.choice(["gpk", "gsk", "lsk"])
    stored = model.wire_key(BB, rng.choice(list(model.items[BB]) or [(b"\x00", b"\x00")]))
    condition = rng.choice(["pk = :e", "pk = :p AND sk = :e", "pk = :p AND begins_with(sk, :e)",
                            "pk = :p AND sk BETWEEN :e AND :p"])
    values = {k: v for k, v in {":p": full, ":e": empty}.items() if k in condition}
    call = rng.choice([
        lambda: client.put_item(TableName=name, Item=rng.choice([key, in_index])),
        lambda: client.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": rng.choice([key, in_index])}}]}),
        lambda: client.transact_write_items(TransactItems=[{"Put": {
            "TableName": name, "Item": rng.choice([key, in_index])}}]),
        lambda: client.execute_statement(
            Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'sk': ?}}",
            Parameters=[key["pk"], key["sk"]]),
        lambda: client.query(TableName=name, KeyConditionExpression=condition,
                             ExpressionAttributeValues=values),
        lambda: client.query(TableName=name, IndexName="gsi", KeyConditionExpression="gpk = :e",
                             ExpressionAttributeValues={":e": empty}),
        lambda: client.update_item(TableName=name, Key=stored, AttributeUpdates={
            index_key: {"Action": "PUT", "Value": empty}}),
        lambda: client.update_item(TableName=name, Key=stored, UpdateExpression="SET #k = :e",
                                   ExpressionAttributeNames={"#k": index_key},
                                   ExpressionAttributeValues={":e": empty}),
        lambda: client.execute_statement(
            Statement=f'UPDATE "{name}" SET {index_key} = ? WHERE pk = ? AND sk = ?',
            Parameters=[empty, stored["pk"], stored["sk"]]),
    ][:None if model.items[BB] else -3])
    outcome, answer = outcome_of(call)
    message = str(answer.get("Error", {}).get("Message", "")) if "Error" in answer else ""
    if EMPTY_KEY not in message:
        outcome.wrong.append("an empty binary key was not refused as DynamoDB refuses it")
    model.counts["empty binary"] += 1
    return outcome


TOO_LONG = {"pk": 2049, "sk": 1025, "gpk": 2049, "gsk": 1025, "lsk": 1025}


def oversized_key(model: BinaryModel, client: Any) -> Outcome:
    """A binary key one byte over its limit (2048 bytes to partition, 1024 to sort), on
    every write path; refused, and nothing written."""
    rng = model.rng
    name = model.name(BB)
    attr = rng.choice(list(TOO_LONG))
    value = {"B": rng.choice([b"\x00", b"\xff"]) * TOO_LONG[attr]}
    stored = model.present_or_not(BB)
    item = {**model.wire_key(BB, stored), attr: value}
    call = rng.choice([
        lambda: client.put_item(TableName=name, Item=item),
        lambda: client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item}}]}),
        lambda: client.transact_write_items(TransactItems=[{"Put": {"TableName": name,
                                                                     "Item": item}}]),
        lambda: client.execute_statement(
            Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'sk': ?, '{attr}': ?}}"
            if attr not in ("pk", "sk") else f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'sk': ?}}",
            Parameters=[item["pk"], item["sk"]] + ([value] if attr not in ("pk", "sk") else [])),
    ] + ([] if attr in ("pk", "sk") else [
        lambda: client.update_item(TableName=name, Key=model.wire_key(BB, stored),
                                   UpdateExpression="SET #k = :v",
                                   ExpressionAttributeNames={"#k": attr},
                                   ExpressionAttributeValues={":v": value})]))
    outcome, answer = outcome_of(call)
    message = str(answer.get("Error", {}).get("Message", "")) if "Error" in answer else ""
    if "exceeded" not in message:
        outcome.wrong.append(f"a {TOO_LONG[attr]}-byte {attr} was not refused")
    model.counts["oversized key"] += 1
    return outcome


def final_checks(model: BinaryModel, client: Any, streams: Any) -> list[tuple[str, Outcome]]:
    return [("stream", _stream_replays_to_model(model, client, streams)),
            ("backup", _backup_restores_the_model(model, client)),
            ("describe", _describe_keeps_binary_keys(model, client))]


def _stream_replays_to_model(model: BinaryModel, client: Any, streams: Any) -> Outcome:
    """Replaying every stream record by its Keys gives the table as the model has it."""
    outcome = Outcome(200, b"{}")
    arn = client.describe_table(TableName=model.name(BB))["Table"]["LatestStreamArn"]
    replayed: dict[tuple[bytes, ...], Any] = {}
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(200):
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                change = record["dynamodb"]
                key = key_of(BB, change["Keys"])
                image = change.get("NewImage") or change.get("OldImage")
                if image is None or key_of(BB, image) != key:
                    outcome.wrong.append(f"record keys {change['Keys']} not its image's")
                replayed[key] = change.get("NewImage") if record["eventName"] != "REMOVE" \
                    else None
            iterator = page.get("NextShardIterator")
            if not iterator or not page["Records"]:
                break
    replayed = {k: v for k, v in replayed.items() if v is not None}
    model.same(outcome, "stream replay", replayed, model.items[BB])
    return outcome


def _backup_restores_the_model(model: BinaryModel, client: Any) -> Outcome:
    outcome = Outcome(200, b"{}")
    arn = client.create_backup(TableName=model.name(BB), BackupName="binfuzz")[
        "BackupDetails"]["BackupArn"]
    target = model.name("restored")
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    restored(client, target)
    items = [i for page in client.get_paginator("scan").paginate(TableName=target)
             for i in page["Items"]]
    model.same(outcome, "restored items", {key_of(BB, i): i for i in items}, model.items[BB])
    described = client.describe_table(TableName=target)["Table"]
    model.same(outcome, "restored key types", sorted(
        (d["AttributeName"], d["AttributeType"]) for d in described["AttributeDefinitions"]),
        sorted((n, "B") for n in ("pk", "sk", "gpk", "gsk", "lsk")))
    in_gsi = [i for page in client.get_paginator("scan").paginate(TableName=target,
                                                                   IndexName="gsi")
              for i in page["Items"]]
    model.same(outcome, "restored GSI", sorted(key_of(BB, i) for i in in_gsi), sorted(
        k for k, i in model.items[BB].items() if "gpk" in i and "gsk" in i))
    return outcome


def _describe_keeps_binary_keys(model: BinaryModel, client: Any) -> Outcome:
    outcome = Outcome(200, b"{}")
    table = client.describe_table(TableName=model.name(BB))["Table"]
    model.same(outcome, "ItemCount is a number", isinstance(table["ItemCount"], int), True)
    model.same(outcome, "key schema", table["KeySchema"], [
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return outcome

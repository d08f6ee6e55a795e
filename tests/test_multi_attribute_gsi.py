"""GSIs whose key has several HASH and several RANGE attributes (multi-attribute keys).

Checked against a model of DynamoDB's rules (the developer guide's "Multi-attribute key
schema" and the Parity Suite's recorded answers): an item is in the index only with every key
attribute; a Query names every HASH attribute with `=` and the RANGE attributes from the
first on without a gap, only the last one named compared by other than `=`; items come in
the order of the RANGE attributes compared one after another (numbers as numbers); pages
continue from a LastEvaluatedKey holding the table's and the index's keys. The schema's
limits, PartiQL's refusal, capacity, backfill, backup restore and a restart are checked too.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner
from restored import restored
from test_durability import wait_for

from ddbkit.cli import cli
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.partition_keys import of_documents, partition_key
from ddbkit.emulator.tables.status_view import key_text
from ddbkit.emulator.throughput.model import key_hash

HASHES = ("tour_id", "zone_id")
RANGES = ("round_name", "seq_no")
INDEX = "by-event"
_names = itertools.count(1)


def _definitions(*names: str, numbers: tuple[str, ...] = ("seq_no",)) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": "N" if n in numbers else "S"} for n in names]


def _key_schema(hashes: tuple[str, ...] = HASHES,
                ranges: tuple[str, ...] = RANGES) -> list[dict[str, str]]:
    return [*({"AttributeName": n, "KeyType": "HASH"} for n in hashes),
            *({"AttributeName": n, "KeyType": "RANGE"} for n in ranges)]


def _gsi(name: str = INDEX, **extra: Any) -> dict[str, Any]:
    return {"IndexName": name, "KeySchema": _key_schema(), "Projection": {"ProjectionType": "ALL"},
            **extra}


@pytest.fixture
def matches(client: Any) -> Iterator[str]:
    name = f"matches-{next(_names)}"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=_definitions("id", *HASHES, *RANGES),
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[_gsi()])
    yield name
    client.delete_table(TableName=name)


def _item(n: int, rng: random.Random) -> dict[str, Any]:
    """An item of two tournaments, two regions, three rounds and numbers of both signs;
    one in seven lacks a key attribute."""
    item: dict[str, Any] = {"id": {"S": f"m{n:03d}"},
                            "tour_id": {"S": rng.choice(["winter", "summer"])},
                            "zone_id": {"S": rng.choice(["eu", "us"])},
                            "round_name": {"S": rng.choice(["final", "quarter", "semi"])},
                            "seq_no": {"N": str(rng.choice([-12, -1.5, 0, 2, 2.25, 10, 100]))}}
    if n % 7 == 0:
        del item[rng.choice([*HASHES, *RANGES])]
    return item


def _fill(client: Any, table: str, count: int = 80) -> list[dict[str, Any]]:
    rng = random.Random(24)
    items = [_item(n, rng) for n in range(count)]
    for item in items:
        client.put_item(TableName=table, Item=item)
    return items


def _sort_key(item: dict[str, Any]) -> tuple[str, Decimal]:
    return item["round_name"]["S"], Decimal(item["seq_no"]["N"])


# (key condition beyond the HASH attributes, values, what it keeps of (round, seq_no))
SHAPES: list[tuple[str, dict[str, Any], Any]] = [
    ("", {}, lambda r, s: True),
    ("AND round_name = :r", {":r": {"S": "semi"}}, lambda r, s: r == "semi"),
    ("AND round_name > :r", {":r": {"S": "quarter"}}, lambda r, s: r > "quarter"),
    ("AND round_name <= :r", {":r": {"S": "quarter"}}, lambda r, s: r <= "quarter"),
    ("AND begins_with(round_name, :r)", {":r": {"S": "s"}}, lambda r, s: r.startswith("s")),
    ("AND round_name BETWEEN :a AND :b", {":a": {"S": "g"}, ":b": {"S": "r"}},
     lambda r, s: "g" <= r <= "r"),
    ("AND round_name = :r AND seq_no = :s", {":r": {"S": "final"}, ":s": {"N": "2.0"}},
     lambda r, s: r == "final" and s == 2),
    ("AND round_name = :r AND seq_no < :s", {":r": {"S": "final"}, ":s": {"N": "0"}},
     lambda r, s: r == "final" and s < 0),
    ("AND round_name = :r AND seq_no >= :s", {":r": {"S": "semi"}, ":s": {"N": "2"}},
     lambda r, s: r == "semi" and s >= 2),
    ("AND round_name = :r AND seq_no BETWEEN :a AND :b", {":r": {"S": "quarter"}, ":a": {"N": "-2"},
                                                ":b": {"N": "10"}},
     lambda r, s: r == "quarter" and -2 <= s <= 10),
    ("AND seq_no > :s AND round_name = :r", {":r": {"S": "semi"}, ":s": {"N": "-1.5"}},
     lambda r, s: r == "semi" and s > Decimal("-1.5")),
]


@pytest.mark.parametrize(("extra", "values", "keeps"), SHAPES)
@pytest.mark.parametrize("forward", [True, False])
def test_every_legal_shape_answers_the_index_s_items_in_key_order(
        client: Any, matches: str, extra: str, values: dict[str, Any], keeps: Any,
        forward: bool) -> None:
    items = _fill(client, matches)
    for tournament, region in itertools.product(["winter", "summer"], ["eu", "us"]):
        expected = sorted((i for i in items if all(a in i for a in (*HASHES, *RANGES))
                           and i["tour_id"]["S"] == tournament and i["zone_id"]["S"] == region
                           and keeps(*_sort_key(i))), key=_sort_key, reverse=not forward)
        # the clauses in another order than the schema's: the HASH attributes last
        found = client.query(
            TableName=matches, IndexName=INDEX, ScanIndexForward=forward,
            KeyConditionExpression=f"{extra[4:] + ' AND ' if extra else ''}"
                                   "zone_id = :g AND tour_id = :t",
            ExpressionAttributeValues={":t": {"S": tournament}, ":g": {"S": region},
                                       **values})["Items"]
        assert [_sort_key(i) for i in found] == [_sort_key(i) for i in expected]
        assert sorted(i["id"]["S"] for i in found) == sorted(i["id"]["S"] for i in expected)


def test_items_missing_a_key_attribute_stay_out_and_enter_when_it_is_set(
        client: Any, matches: str) -> None:
    full = {"id": {"S": "a"}, "tour_id": {"S": "t"}, "zone_id": {"S": "eu"},
            "round_name": {"S": "final"}, "seq_no": {"N": "1"}}
    for missing in (*HASHES, *RANGES):
        client.put_item(TableName=matches,
                        Item={k: v for k, v in full.items() if k != missing})
        assert client.scan(TableName=matches, IndexName=INDEX)["Count"] == 0
    client.update_item(TableName=matches, Key={"id": {"S": "a"}},
                       UpdateExpression="SET seq_no = :s", ExpressionAttributeValues={":s": {"N": "1"}})
    assert client.scan(TableName=matches, IndexName=INDEX)["Items"] == [full]
    client.update_item(TableName=matches, Key={"id": {"S": "a"}}, UpdateExpression="REMOVE zone_id")
    assert client.scan(TableName=matches, IndexName=INDEX)["Count"] == 0


@pytest.mark.parametrize(("condition", "message"), [
    ("tour_id = :t AND zone_id = :g AND seq_no = :s",
     "RANGE key attributes round_name must have equality conditions specified in the query because "
     "a condition is present on key attribute seq_no"),
    ("tour_id = :t AND zone_id = :g AND round_name > :r AND seq_no = :s",
     "RANGE key attributes round_name must have equality conditions specified in the query because "
     "a condition is present on key attribute seq_no"),
    ("tour_id = :t", "Query condition missed key schema element: zone_id"),
    ("zone_id = :g AND round_name = :r", "Query condition missed key schema element: tour_id"),
    ("tour_id = :t AND zone_id > :g", "Query key condition not supported"),
    ("tour_id = :t AND zone_id = :g AND note_x = :r",
     "Query condition missed key schema element: round_name"),
    ("tour_id = :t AND zone_id = :g AND round_name = :s",
     "One or more parameter values were invalid: Condition parameter type does not match "
     "schema type"),
    ("tour_id = :t AND tour_id = :t AND zone_id = :g",
     "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition "
     "per key"),
])
def test_illegal_shapes_are_refused_in_dynamodb_s_words(client: Any, matches: str,
                                                         condition: str, message: str) -> None:
    values = {":t": {"S": "winter"}, ":g": {"S": "eu"}, ":r": {"S": "semi"}, ":s": {"N": "1"}}
    with pytest.raises(ClientError) as refused:
        client.query(TableName=matches, IndexName=INDEX, KeyConditionExpression=condition,
                     ExpressionAttributeValues={k: v for k, v in values.items()
                                                if k in condition})
    assert refused.value.response["Error"] == {"Code": "ValidationException", "Message": message}


def test_gaps_name_every_attribute_lacking_an_equality(client: Any) -> None:
    name = f"deep-{next(_names)}"
    ranges = ("a", "b", "c", "d")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=_definitions("id", "h", *ranges),
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[{
                            "IndexName": INDEX, "KeySchema": _key_schema(("h",), ranges),
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    with pytest.raises(ClientError) as refused:
        client.query(TableName=name, IndexName=INDEX,
                     KeyConditionExpression="h = :v AND a < :v AND d = :v",
                     ExpressionAttributeValues={":v": {"S": "x"}})
    assert refused.value.response["Error"]["Message"] == (
        "RANGE key attributes a, b, c must have equality conditions specified in the query "
        "because a condition is present on key attribute d")
    client.delete_table(TableName=name)


@pytest.mark.parametrize("forward", [True, False])
def test_pages_carry_every_key_attribute_and_continue_where_they_stopped(
        client: Any, matches: str, forward: bool) -> None:
    _fill(client, matches, 120)
    asked = {"TableName": matches, "IndexName": INDEX, "ScanIndexForward": forward,
             "KeyConditionExpression": "tour_id = :t AND zone_id = :g AND round_name = :r",
             "ExpressionAttributeValues": {":t": {"S": "winter"}, ":g": {"S": "us"},
                                           ":r": {"S": "semi"}}}
    whole = client.query(**asked)["Items"]
    assert len(whole) > 3
    paged: list[Any] = []
    start: dict[str, Any] | None = None
    while True:
        page = client.query(**asked, Limit=2, **({"ExclusiveStartKey": start} if start else {}))
        paged += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
        assert sorted(start) == ["id", "round_name", "seq_no", "tour_id", "zone_id"]
        assert start == {k: page["Items"][-1][k] for k in start}
    assert paged == whole
    scanned: list[Any] = []
    start = None
    while True:
        page = client.scan(TableName=matches, IndexName=INDEX, Limit=7,
                           **({"ExclusiveStartKey": start} if start else {}))
        scanned += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
    assert sorted(i["id"]["S"] for i in scanned) == sorted(
        i["id"]["S"] for i in client.scan(TableName=matches, IndexName=INDEX)["Items"])


def test_describe_table_shows_the_key_schema_as_created(client: Any, matches: str) -> None:
    described = client.describe_table(TableName=matches)["Table"]
    index, = described["GlobalSecondaryIndexes"]
    assert index["KeySchema"] == _key_schema()
    assert index["IndexStatus"] == "ACTIVE"


def _create(client: Any, index: dict[str, Any], *names: str) -> None:
    client.create_table(TableName=f"refused-{next(_names)}", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=_definitions("id", *names),
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[index])


@pytest.mark.parametrize(("schema", "message"), [
    (_key_schema(("a", "b", "c", "d", "e"), ()),
     "One or more parameter values were invalid: Index KeySchema has more than 4 HASH key "
     "attributes for index: gsi"),
    (_key_schema(("a",), ("b", "c", "d", "e", "f")),
     "One or more parameter values were invalid: Index KeySchema has more than 4 RANGE key "
     "attributes for index: gsi"),
    ([{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"},
      {"AttributeName": "c", "KeyType": "HASH"}],
     "Invalid KeySchema: A HASH KeySchemaElement cannot follow a RANGE KeySchemaElement"),
    (_key_schema(("a", "b"), ("c", "a")),
     "One or more parameter values were invalid: Duplicate attribute in Index KeySchema for "
     "index: gsi. Attribute: a"),
    (_key_schema(("b", "a"), ("c",))[::-1],
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
])
def test_schemas_dynamodb_refuses(client: Any, schema: list[dict[str, str]],
                                  message: str) -> None:
    names = sorted({k["AttributeName"] for k in schema})
    with pytest.raises(ClientError) as refused:
        _create(client, {"IndexName": "gsi", "KeySchema": schema,
                         "Projection": {"ProjectionType": "ALL"}}, *names)
    assert refused.value.response["Error"] == {"Code": "ValidationException", "Message": message}


def test_nine_key_elements_and_a_wide_lsi_or_table_key_fail_the_length_rule(
        client: Any, unchecked: Any) -> None:
    nine = _key_schema(("a", "b", "c", "d"), ("e", "f", "g", "h", "i"))
    with pytest.raises(ClientError) as refused:
        _create(unchecked, {"IndexName": "gsi", "KeySchema": nine,
                            "Projection": {"ProjectionType": "ALL"}}, *"abcdefghi")
    assert "Member must have length less than or equal to 8" in str(refused.value)
    with pytest.raises(ClientError) as refused:
        unchecked.create_table(
            TableName=f"refused-{next(_names)}", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=_definitions("id", "sk", "a"),
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": _key_schema(
                ("id",), ("a", "sk")), "Projection": {"ProjectionType": "ALL"}}])
    assert "Member must have length less than or equal to 2" in str(refused.value)


def test_undefined_key_attributes_are_refused(client: Any) -> None:
    with pytest.raises(ClientError) as refused:
        client.create_table(TableName=f"refused-{next(_names)}", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=_definitions("id", "tour_id", "round_name"),
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                            GlobalSecondaryIndexes=[_gsi()])
    assert refused.value.response["Error"]["Message"].startswith(
        "One or more parameter values were invalid: Some index key attributes are not defined "
        "in AttributeDefinitions. Keys: [tour_id, zone_id, round_name, seq_no]")


def test_a_key_value_of_another_type_than_declared_is_refused(client: Any, matches: str) -> None:
    with pytest.raises(ClientError) as refused:
        client.put_item(TableName=matches, Item={"id": {"S": "x"}, "seq_no": {"S": "one"}})
    assert refused.value.response["Error"]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for Index Key seq_no Expected: N "
        "Actual: S IndexName: by-event")
    assert "Item" not in client.get_item(TableName=matches, Key={"id": {"S": "x"}})


def test_partiql_refuses_the_index_but_reads_and_writes_the_table(
        client: Any, matches: str) -> None:
    refused_message = ("PartiQL statements cannot be executed on tables with multi-attribute "
                       "HASH keys or multi-attribute RANGE keys.")
    _fill(client, matches, 10)
    for statement in (f'SELECT * FROM "{matches}"."{INDEX}" WHERE tour_id = \'winter\'',
                      f'SELECT * FROM "{matches}"."{INDEX}"'):
        with pytest.raises(ClientError) as refused:
            client.execute_statement(Statement=statement)
        assert refused.value.response["Error"]["Message"] == refused_message
    batch = client.batch_execute_statement(Statements=[
        {"Statement": f'SELECT * FROM "{matches}"."{INDEX}" WHERE tour_id = \'winter\''},
        {"Statement": f'SELECT * FROM "{matches}" WHERE id = \'m001\''}])["Responses"]
    assert batch[0]["Error"] == {"Code": "ValidationError", "Message": refused_message}
    assert batch[1]["Item"]["id"] == {"S": "m001"}
    client.execute_statement(Statement=f"INSERT INTO \"{matches}\" VALUE {{'id': 'new'}}")
    assert client.execute_statement(
        Statement=f'SELECT id FROM "{matches}" WHERE id = \'new\'')["Items"] == [
            {"id": {"S": "new"}}]


def test_index_writes_are_metered(client: Any, matches: str) -> None:
    item = {"id": {"S": "a"}, "tour_id": {"S": "t"}, "zone_id": {"S": "eu"},
            "round_name": {"S": "final"}, "seq_no": {"N": "1"}}
    put = client.put_item(TableName=matches, Item=item, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {INDEX: {"CapacityUnits": 1.0}}
    moved = client.put_item(TableName=matches, Item={**item, "seq_no": {"N": "2"}},
                            ReturnConsumedCapacity="INDEXES")
    assert moved["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        INDEX: {"CapacityUnits": 2.0}}
    out = client.put_item(TableName=matches, Item={"id": {"S": "b"}, "seq_no": {"N": "2"}},
                          ReturnConsumedCapacity="INDEXES")
    assert "GlobalSecondaryIndexes" not in out["ConsumedCapacity"]


def _wait_active(client: Any, table: str) -> None:
    wait_for(lambda: all(i["IndexStatus"] == "ACTIVE" for i in client.describe_table(
        TableName=table)["Table"].get("GlobalSecondaryIndexes", [])), "the backfill")


def _query_all(client: Any, table: str) -> list[Any]:
    found: list[Any] = []
    for tournament, region in itertools.product(["winter", "summer"], ["eu", "us"]):
        found += client.query(
            TableName=table, IndexName=INDEX,
            KeyConditionExpression="tour_id = :t AND zone_id = :g",
            ExpressionAttributeValues={":t": {"S": tournament}, ":g": {"S": region}})["Items"]
    return found


def test_a_multi_attribute_gsi_added_later_is_backfilled(client: Any, make_table: Any) -> None:
    table = make_table("backfill")
    items = []
    rng = random.Random(7)
    for n in range(60):
        item = _item(n, rng)
        item["pk"] = item.pop("id")
        items.append(item)
        client.put_item(TableName=table, Item=item)
    client.update_table(TableName=table,
                        AttributeDefinitions=_definitions("pk", *HASHES, *RANGES),
                        GlobalSecondaryIndexUpdates=[{"Create": _gsi()}])
    _wait_active(client, table)
    indexed = [i for i in items if all(a in i for a in (*HASHES, *RANGES))]
    found = _query_all(client, table)
    assert sorted(i["pk"]["S"] for i in found) == sorted(i["pk"]["S"] for i in indexed)
    assert client.scan(TableName=table, IndexName=INDEX)["Count"] == len(indexed)


def test_a_backup_restores_the_index(client: Any, matches: str) -> None:
    _fill(client, matches)
    before = _query_all(client, matches)
    arn = client.create_backup(TableName=matches, BackupName="multi")["BackupDetails"][
        "BackupArn"]
    target = f"{matches}-restored"
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    described = restored(client, target)
    assert described["GlobalSecondaryIndexes"][0]["KeySchema"] == _key_schema()
    assert _query_all(client, target) == before
    client.delete_table(TableName=target)


def _multi_table(client: Any, name: str) -> list[dict[str, Any]]:
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=_definitions("id", *HASHES, *RANGES),
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[_gsi()])
    return _fill(client, name)


def test_the_index_comes_back_after_a_restart_from_journal_and_from_snapshot(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    _multi_table(client, "journaled")
    expected = _query_all(client, "journaled")
    assert first.stop() == 0

    second = durable_up(data_dir, *args, "--journal-max-mb", "0").start()  # snapshots
    client = make_client(endpoint_url=second.endpoint_url)
    assert _query_all(client, "journaled") == expected
    snapshots = set(data_dir.glob("snapshot-*.snap"))
    _multi_table(client, "snapshotted")
    wait_for(lambda: set(data_dir.glob("snapshot-*.snap")) - snapshots, "a snapshot")
    expected_too = _query_all(client, "snapshotted")
    assert second.stop() == 0

    third = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=third.endpoint_url)
    assert _query_all(client, "journaled") == expected
    assert _query_all(client, "snapshotted") == expected_too
    assert client.describe_table(TableName="snapshotted")["Table"]["GlobalSecondaryIndexes"][0][
        "KeySchema"] == _key_schema()


def test_a_point_in_time_restore_keeps_the_index(client: Any, matches: str) -> None:
    client.update_continuous_backups(TableName=matches, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    _fill(client, matches)
    before = _query_all(client, matches)
    target = f"{matches}-pitr"
    client.restore_table_to_point_in_time(SourceTableName=matches, TargetTableName=target,
                                          UseLatestRestorableTime=True)
    restored(client, target)
    assert _query_all(client, target) == before
    client.delete_table(TableName=target)


def test_status_shows_each_role_of_a_multi_attribute_key(fresh_emulator: Any) -> None:
    client, stage = fresh_emulator.client(), fresh_emulator.config.stage
    users = f"marketplace-{stage}-users-table"
    client.update_table(TableName=users,
                        AttributeDefinitions=_definitions(*HASHES, *RANGES),
                        GlobalSecondaryIndexUpdates=[{"Create": _gsi()}])
    _wait_active(client, users)
    result = CliRunner().invoke(cli, ["status", "--endpoint-url", fresh_emulator.endpoint_url,
                                      "--stage", stage])
    assert result.exit_code == 1
    assert key_text(_key_schema()) == "tour_id + zone_id / round_name + seq_no"
    assert key_text(_key_schema(("pk",), ("sk",))) == "pk / sk"  # as before
    assert f"drift: {users}: GSI {INDEX} is not in the spec" in result.output


def test_the_throughput_model_hashes_the_whole_partition_key() -> None:
    """A Query's partition (its HASH conditions' values) and a write's index entry (the
    item's values) are one partition of the model; other values of any attribute another."""
    read = partition_key([Key({"S": "winter"}), Key({"S": "eu"})])
    written = of_documents([{"S": "winter"}, {"S": "eu"}])
    assert read == written and key_hash(read) == key_hash(written)
    assert key_hash(read) != key_hash(of_documents([{"S": "winter"}, {"S": "us"}]))
    assert of_documents([{"S": "winter"}]) == {"S": "winter"}  # one attribute: its value


def test_a_scan_pages_through_a_gsi_keyed_on_the_table_key_and_another(
        client: Any, make_table: Any) -> None:
    """A GSI without RANGE attributes on a table with a sort key is in the table keys' order
    per partition; its partition may hold the table's own partition key."""
    table = make_table("hash-pair", sort="N", attributes=_definitions("g", numbers=()),
                       GlobalSecondaryIndexes=[{
                           "IndexName": "by-pk-g", "KeySchema": _key_schema(("pk", "g"), ()),
                           "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    for n in range(12):
        client.put_item(TableName=table, Item={"pk": {"S": f"p{n % 2}"}, "sk": {"N": str(n)},
                                               "g": {"S": "same"}})
    whole = client.scan(TableName=table, IndexName="by-pk-g")["Items"]
    paged: list[Any] = []
    start: dict[str, Any] | None = None
    while True:
        page = client.scan(TableName=table, IndexName="by-pk-g", Limit=1,
                           **({"ExclusiveStartKey": start} if start else {}))
        paged += page["Items"]
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
        assert sorted(start) == ["g", "pk", "sk"]
    assert len(whole) == 12 and paged == whole
    found = client.query(TableName=table, IndexName="by-pk-g",
                         KeyConditionExpression="pk = :p AND g = :g",
                         ExpressionAttributeValues={":p": {"S": "p1"}, ":g": {"S": "same"}})
    assert [i["sk"]["N"] for i in found["Items"]] == ["1", "3", "5", "7", "9", "11"]


def test_legacy_key_conditions_take_a_multi_attribute_key(client: Any, matches: str) -> None:
    _fill(client, matches)
    eq = [{"S": "winter"}, {"S": "eu"}, {"S": "semi"}]
    conditions = {name: {"ComparisonOperator": "EQ", "AttributeValueList": [value]}
                  for name, value in zip(["tour_id", "zone_id", "round_name"], eq, strict=True)}
    conditions["seq_no"] = {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "0"}]}
    legacy = client.query(TableName=matches, IndexName=INDEX, KeyConditions=conditions)["Items"]
    expression = client.query(
        TableName=matches, IndexName=INDEX,
        KeyConditionExpression="tour_id = :t AND zone_id = :g AND round_name = :r AND "
                               "seq_no >= :s",
        ExpressionAttributeValues={":t": eq[0], ":g": eq[1], ":r": eq[2],
                                   ":s": {"N": "0"}})["Items"]
    assert legacy == expression and legacy
    with pytest.raises(ClientError) as refused:  # more than 2 on the table's own key
        client.query(TableName=matches, KeyConditions=conditions)
    assert refused.value.response["Error"]["Message"] == "Conditions can be of length 1 or 2 only"

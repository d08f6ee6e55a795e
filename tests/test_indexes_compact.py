"""Index entries keyed by one bytes object (store/entry_keys.py): the bytes sort as DynamoDB
orders the values they join, their bounds select exactly one first value or a begins_with
prefix (binary 0x00 and 0xFF bytes too), and Query, Scan and paging through a real server
answer in that order after puts, updates and deletes."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.store import entry_keys
from ddbkit.emulator.store.key_bytes import encode

_TRICKY_BYTES = [b"", b"\x00", b"\x00\x00", b"\x00\x01", b"\x00\xff", b"\x01", b"\x7f",
                 b"\x80", b"\xff", b"\xff\x00", b"\xff\xff", b"a\x00b", b"a\xff"]
_TRICKY_TEXT = ["", "\x00", "\x00\x01", "a", "a\x00", "ab", "b", "é", "\uffff", "\U0010ffff"]
_NUMBERS = ["-1E+125", "-100", "-1.5", "-1", "-0.001", "0", "1E-130", "0.5", "1", "1.5", "10",
            "99999999999999999999999999999999999999", "1E+125"]


def _typed_values(kind: str, rng: random.Random) -> list[Any]:
    if kind == "B":
        return [*_TRICKY_BYTES, *(bytes(rng.choice([0, 1, 0x7F, 0xFF]) for _ in range(3))
                                  for _ in range(8))]
    if kind == "S":
        return [*_TRICKY_TEXT, *("".join(rng.choice("\x00a\xff\u4e00") for _ in range(3))
                                 for _ in range(8))]
    return _NUMBERS


def _dynamodb_order(kind: str, value: Any) -> Any:
    """How DynamoDB orders a value of the type: code points, unsigned bytes, the number."""
    return Decimal(value) if kind == "N" else value


def _order_bytes(kind: str, value: Any) -> bytes:
    return encode({kind: value})


@pytest.mark.parametrize("kinds", [("S", "S"), ("B", "S"), ("N", "B"), ("B", "B", "B"),
                                   ("S", "N", "B"), ("N",), ("B",)])
def test_joined_keys_sort_as_dynamodb_orders_their_values(kinds: tuple[str, ...]) -> None:
    rng = random.Random(25)
    pools = [_typed_values(kind, rng) for kind in kinds]
    entries = {tuple(rng.choice(pool) for pool in pools) for _ in range(400)}
    expected = sorted(entries, key=lambda entry: tuple(
        _dynamodb_order(kind, value) for kind, value in zip(kinds, entry, strict=True)))
    joined = sorted(entries, key=lambda entry: entry_keys.join(
        [_order_bytes(kind, value) for kind, value in zip(kinds, entry, strict=True)]))
    assert joined == expected


def test_distinct_values_never_join_to_one_key() -> None:
    pairs = [(a, b) for a in _TRICKY_BYTES for b in _TRICKY_BYTES]
    assert len({entry_keys.join([a, b]) for a, b in pairs}) == len(pairs)


@pytest.mark.parametrize("first", _TRICKY_BYTES)
def test_lowest_and_above_bound_exactly_one_first_value(first: bytes) -> None:
    keys = [(a, entry_keys.join([a, b])) for a in _TRICKY_BYTES for b in _TRICKY_BYTES]
    lowest, above = entry_keys.lowest(first), entry_keys.above(first)
    for value, key in keys:
        if value < first:
            assert key < lowest
        elif value == first:
            assert lowest <= key < above
        else:
            assert key >= above


@pytest.mark.parametrize("prefix", [b"\x00", b"\xff", b"\xff\xff", b"a", b"a\xff", b"\x00\xff",
                                    b"\x01\xff\xff"])
def test_begins_with_bounds_select_the_prefixed_first_values(prefix: bytes) -> None:
    values = [*_TRICKY_BYTES, prefix, prefix + b"\x00", prefix + b"\xff", prefix[:-1],
              prefix[:-1] + b"\xfe\xff"]
    keys = [(a, entry_keys.join([a, b])) for a in values for b in (b"", b"\x00", b"\xff")]
    low = entry_keys.escaped(prefix)
    high = entry_keys.successor(low)
    selected = {key for _, key in keys if key >= low and (high is None or key < high)}
    assert selected == {key for value, key in keys if value.startswith(prefix)}


def test_successor_of_all_ff_is_the_end() -> None:
    assert entry_keys.successor(b"\xff\xff") is None
    assert entry_keys.successor(b"") is None
    assert entry_keys.successor(b"a\xff") == b"b"


# -- through a real server -------------------------------------------------------------------

_GS = [b"\x00", b"\x00\xff", b"\x01", b"\x7f\xff", b"\xff", b"\xff\x00", b"\xff\xff",
       b"\xff\xff\x01"]
_LS = ["-10", "-1.5", "0", "0.25", "3", "10", "1E+3"]


def _item(i: int) -> dict[str, Any]:
    item = {"pk": {"S": f"p{i % 3}"}, "sk": {"B": bytes([0xFF, i % 5, 0x00])},
            "gp": {"S": "g\x00" if i % 2 else "g"}, "ls": {"N": _LS[i % len(_LS)]}}
    if i % 7:  # sparse: some items are in no GSI
        item["gs"] = {"B": _GS[i % len(_GS)]}
    return item


@pytest.fixture
def table(make_table: Any) -> str:
    attribute = [{"AttributeName": name, "AttributeType": kind}
                 for name, kind in (("gp", "S"), ("gs", "B"), ("ls", "N"))]
    gsi = {"IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
           "KeySchema": [{"AttributeName": "gp", "KeyType": "HASH"},
                         {"AttributeName": "gs", "KeyType": "RANGE"}]}
    unsorted = {"IndexName": "unsorted", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "gp", "KeyType": "HASH"}]}
    lsi = {"IndexName": "lsi", "Projection": {"ProjectionType": "ALL"},
           "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                         {"AttributeName": "ls", "KeyType": "RANGE"}]}
    name: str = make_table("compact", sort="B", attributes=attribute,
                           GlobalSecondaryIndexes=[gsi, unsorted], LocalSecondaryIndexes=[lsi])
    return name


def _pages(client: Any, method: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every item, one page of `limit` after another through LastEvaluatedKey."""
    found: list[dict[str, Any]] = []
    while True:
        answer = getattr(client, method)(Limit=limit, **params)
        found.extend(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return found
        params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _keys(items: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    return [(item["pk"]["S"], bytes(item["sk"]["B"])) for item in items]


def _table_order(item: dict[str, Any]) -> tuple[bytes, bytes]:
    return item["pk"]["S"].encode(), bytes(item["sk"]["B"])


def _stored(client: Any, table: str) -> list[dict[str, Any]]:
    return list(client.scan(TableName=table)["Items"])


@pytest.mark.parametrize("prefix", [b"\xff", b"\xff\xff", b"\x00", b"\x7f"])
@pytest.mark.parametrize("forward", [True, False])
def test_gsi_begins_with_on_binary_pages_in_order(client: Any, table: str, prefix: bytes,
                                                  forward: bool) -> None:
    _write_and_change(client, table)
    items = _stored(client, table)
    got = _pages(client, "query", 2, TableName=table, IndexName="gsi", ScanIndexForward=forward,
                 KeyConditionExpression="gp = :p AND begins_with(gs, :b)",
                 ExpressionAttributeValues={":p": {"S": "g\x00"}, ":b": {"B": prefix}})
    expected = sorted((i for i in items if i["gp"]["S"] == "g\x00" and "gs" in i
                       and bytes(i["gs"]["B"]).startswith(prefix)),
                      key=lambda i: (bytes(i["gs"]["B"]), *_table_order(i)), reverse=not forward)
    assert expected and _keys(got) == _keys(expected)


@pytest.mark.parametrize("forward", [True, False])
def test_lsi_and_base_ranges_page_in_order(client: Any, table: str, forward: bool) -> None:
    _write_and_change(client, table)
    items = [i for i in _stored(client, table) if i["pk"]["S"] == "p1"]
    got = _pages(client, "query", 1, TableName=table, IndexName="lsi", ScanIndexForward=forward,
                 KeyConditionExpression="pk = :p AND ls BETWEEN :a AND :b",
                 ExpressionAttributeValues={":p": {"S": "p1"}, ":a": {"N": "-1.5"},
                                            ":b": {"N": "10"}})
    expected = sorted((i for i in items if Decimal("-1.5") <= Decimal(i["ls"]["N"]) <= 10),
                      key=lambda i: (Decimal(i["ls"]["N"]), bytes(i["sk"]["B"])),
                      reverse=not forward)
    assert expected and _keys(got) == _keys(expected)
    base = _pages(client, "query", 1, TableName=table, ScanIndexForward=forward,
                  KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
                  ExpressionAttributeValues={":p": {"S": "p1"}, ":b": {"B": b"\xff"}})
    assert _keys(base) == sorted(_keys(items), reverse=not forward)


def test_scan_of_a_gsi_without_sort_key_pages_in_table_key_order(client: Any,
                                                                 table: str) -> None:
    _write_and_change(client, table)
    items = _stored(client, table)
    got = _pages(client, "scan", 2, TableName=table, IndexName="unsorted")
    expected = sorted(items, key=lambda i: (i["gp"]["S"].encode(), *_table_order(i)))
    assert _keys(got) == _keys(expected)
    assert _keys(_pages(client, "scan", 3, TableName=table)) == \
        _keys(sorted(items, key=_table_order))


def _write_and_change(client: Any, table: str) -> None:
    """Puts, then moves entries between partitions and keys, overwrites in place, deletes."""
    for i in range(30):
        client.put_item(TableName=table, Item=_item(i))
    key = {"pk": {"S": "p1"}, "sk": {"B": bytes([0xFF, 1, 0])}}
    client.update_item(TableName=table, Key=key, UpdateExpression="SET gs = :s, gp = :p",
                       ExpressionAttributeValues={":s": {"B": b"\xff\xff\xff"},
                                                  ":p": {"S": "g\x00"}})
    client.update_item(TableName=table, Key={"pk": {"S": "p2"}, "sk": {"B": bytes([0xFF, 2, 0])}},
                       UpdateExpression="REMOVE gs")
    client.put_item(TableName=table, Item={**_item(4), "extra": {"S": "same keys"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "p0"}, "sk": {"B": bytes([0xFF, 3, 0])}})


def test_writes_before_the_first_query_after_a_restart_are_in_its_answers(
        tmp_path: Path, durable_up: Any) -> None:
    """A restored table's indexes are built by its first Query, from the items then stored:
    the writes before it (an index key moved, an item gone, a new one) are all in it."""
    data_dir, args = tmp_path / "data", ("--stage", "compact", "--no-seed")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    attribute = [{"AttributeName": "gp", "AttributeType": "S"},
                 {"AttributeName": "gs", "AttributeType": "B"}]
    gsi = {"IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
           "KeySchema": [{"AttributeName": "gp", "KeyType": "HASH"},
                         {"AttributeName": "gs", "KeyType": "RANGE"}]}
    client.create_table(TableName="restart", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              *attribute], GlobalSecondaryIndexes=[gsi])
    for i, gs in enumerate([b"\x01", b"\xff", b"\xff\xff"]):
        client.put_item(TableName="restart", Item={"pk": {"S": f"k{i}"}, "gp": {"S": "g"},
                                                   "gs": {"B": gs}})
    assert first.stop() == 0

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    client.update_item(TableName="restart", Key={"pk": {"S": "k0"}},
                       UpdateExpression="SET gs = :s",
                       ExpressionAttributeValues={":s": {"B": b"\xff\x00"}})
    client.delete_item(TableName="restart", Key={"pk": {"S": "k1"}})
    client.put_item(TableName="restart", Item={"pk": {"S": "k3"}, "gp": {"S": "g"},
                                               "gs": {"B": b"\x00"}})
    found = client.query(TableName="restart", IndexName="gsi", ScanIndexForward=False,
                         KeyConditionExpression="gp = :p AND begins_with(gs, :b)",
                         ExpressionAttributeValues={":p": {"S": "g"}, ":b": {"B": b"\xff"}})
    assert [item["pk"]["S"] for item in found["Items"]] == ["k2", "k0"]
    assert [item["pk"]["S"] for item in client.scan(TableName="restart")["Items"]] == \
        ["k0", "k2", "k3"]
    second.stop()


@pytest.mark.parametrize("parts", [("pk",), ("s", "pk"), ("s", "t", "pk")])  # as `layouts`
def test_partitions_built_at_once_equal_ones_built_item_by_item(parts: tuple[str, ...]) -> None:
    """`buckets.partitions` (a restart's first Query) against SortedKeyList adds (writes):
    the same items in the same order per partition, sparse items left out, and lists that
    go on taking writes (sortedcontainers' own invariant check)."""
    from sortedcontainers import SortedKeyList

    from ddbkit.emulator.store import buckets
    from ddbkit.emulator.store.item import Item

    rng = random.Random(23)
    items = []
    for n in range(3000):
        attrs: dict[str, Any] = {"pk": {"S": f"k{n}"}, "t": {"B": bytes([rng.randrange(3)])}}
        if rng.random() < 0.8:  # sparse: the rest are in no partition
            attrs["g"] = {"S": rng.choice(["a", "b", "\x00"])}
            attrs["s"] = {"N": str(rng.randrange(-50, 50))} if rng.random() < 0.5 else \
                {"N": rng.choice(_NUMBERS)}
        items.append(Item.stored(attrs, "pk", None))

    def order(attribute: str) -> Any:
        return lambda item: encode(item.attrs[attribute])

    orders = [order(a) for a in parts]

    def key(item: Any) -> bytes:
        return entry_keys.join([o(item) for o in orders])

    built = buckets.partitions(buckets.Columns(items, "pk", None), "g", parts, ("g", "s"), key)
    expected: dict[bytes, Any] = {}
    for item in items:
        if "g" in item.attrs:
            expected.setdefault(encode(item.attrs["g"]), SortedKeyList(key=key)).add(item)
    assert sorted(built) == sorted(expected)
    for value, bucket in built.items():
        assert [i.attrs["pk"] for i in bucket] == [i.attrs["pk"] for i in expected[value]]
        first = bucket[0]
        bucket.discard(first)
        bucket.add(first)
        assert [i.attrs["pk"] for i in bucket] == [i.attrs["pk"] for i in expected[value]]
        bucket._check()

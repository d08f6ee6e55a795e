"""Differential property test: ddbkit answers exactly like stock moto.

Hypothesis generates random sequences of operations over small value domains (6 booking ids,
3 providers, 4 statuses, 8 dates, a few prices written in several ways ...), so keys collide,
items get overwritten, and GSI key attributes come and go (sparse indexes):
- writes: PutItem, UpdateItem (SET / REMOVE of GSI key attributes, ADD / SET counters, an ADD
  that moto fails on some items), DeleteItem, BatchWriteItem (puts and deletes),
  TransactWriteItems (2-3 actions, conditions that sometimes fail), each sometimes with a
  condition and ReturnValues / ReturnValuesOnConditionCheckFailure;
- reads: Query on the base table and every GSI (`=` on the partition and sometimes
  = < <= > >= BETWEEN begins_with on the sort key, either direction, Limit 1-4, a
  FilterExpression, Select COUNT, a ProjectionExpression, an ExclusiveStartKey naming no item,
  the legacy KeyConditions form), Scan (Limit, filter, projection, segments), GetItem,
  BatchGetItem; and a "check" that reads a whole table: a Scan of it and of each index, and a
  Query of every partition value of every index in pages of 2.
Each sequence starts with a BatchWriteItem that fills the tables and a Query on most of them
(see `first_queries`), and ends with a check of every table.

Every request goes to both endpoints:
- stock moto (the installed version, `ThreadedMotoServer`) in a separate process: ddbkit patches moto when it
  starts, so stock moto must never share the test process;
- the ddbkit emulator (`fresh_emulator`), in this process.
Each example gets new, empty tables with the same names on both sides (a stage of its own),
created through the API: the spec's `bookings` (hash-only key, four GSIs, one of them
hash-only) and `services` (GSIs with a numeric sort key), and a hash+range table of the test's
own (`pk` S, `sk` N; GSIs `g-index` (`g` S, `sk2` S, ALL) and `h-index` (`h` S, hash-only,
INCLUDE `note`)).

Compared:
- a success: the whole response but `ResponseMetadata` and `ConsumedCapacity`;
- an error: the error code, any `Item` (ReturnValuesOnConditionCheckFailure) and, for
  transactions, each cancellation reason's `Code` and `Item` (the messages are left out);
- Query and Scan page by page (Items in order, Count, ScannedCount, LastEvaluatedKey),
  following LastEvaluatedKey to the end. Scan order is compared as is: both sides are moto,
  which scans in key order, so there is no legitimate order difference to allow for.
Two normalisations: the order of the elements of SS/NS/BS sets (see `sets_sorted`), and
numbers compared by value (`numbers_by_value`): ddbkit stores a number as DynamoDB does
(`1.0` reads back `1`), moto as it was sent.

ddbkit's intended differences from stock moto (account and region in ARNs, moto's
TransactGetItems cap, stream records, UPDATED_* return values, overlapping ProjectionExpression
paths refused) are outside what this test compares: it never reads table descriptions,
TransactGetItems or streams, and draws no overlapping projection.

The suite runs a fixed set of 40 examples; a longer, random hunt:
DDBKIT_DIFF_RANDOM=1 DDBKIT_DIFF_EXAMPLES=500 pytest tests/test_differential.py
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.spec import get_table
from ddbkit.emulator.tables.schema import create_table_request

pytestmark = pytest.mark.slow  # random operation sequences against stock moto

REGION = "us-east-1"
MAX_PAGES = 60  # a pagination loop longer than this is a bug (more pages than items)

# --------------------------------------------------------------------------------------------
# Stock moto in its own process
# --------------------------------------------------------------------------------------------

_STOCK_MOTO = textwrap.dedent("""
    import sys
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    assert "emulator" not in sys.modules, "stock moto must run without ddbkit's patches"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()  # until the test process closes our stdin (or dies)
    server.stop()
""")


@pytest.fixture(scope="module")
def stock_moto_url() -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOTO_", "TEST_SERVER"))}
    proc = subprocess.Popen([sys.executable, "-c", _STOCK_MOTO], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"stock moto did not start (printed {line!r}, "
                               f"exit code {proc.poll()})")
        yield f"http://127.0.0.1:{int(line)}"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _client(endpoint_url: str) -> Any:
    # Same configuration on both sides; no retries, so each op is exactly one request.
    return boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "max_attempts": 1},
                                      read_timeout=30))


# --------------------------------------------------------------------------------------------
# The tables and their value domains
# --------------------------------------------------------------------------------------------


def S(v: str) -> dict[str, str]:
    return {"S": v}


def N(v: str) -> dict[str, str]:
    return {"N": v}


# Every value each scalar domain can give, in wire form (final_state queries every partition).
DOMAIN_VALUES: dict[st.SearchStrategy[Any], list[dict[str, str]]] = {}


def _ss(values: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    strategy = st.sampled_from(values).map(S)
    DOMAIN_VALUES[strategy] = [S(v) for v in values]
    return strategy


def _ns(values: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    strategy = st.sampled_from(values).map(N)
    DOMAIN_VALUES[strategy] = [N(v) for v in values]
    return strategy


PROVIDERS = _ss(["p0", "p1", "p2"])
NOTES = _ss(["x", "y", "hello world"])
COUNTERS = _ns(["0", "1", "5", "-2"])
DATES = ["2025-01-01", "2025-01-02", "2025-01-09", "2025-01-10", "2025-01-15", "2025-02-01",
         "2025-02-10", "2025-12-31"]
CREATED = ["2024-12-01T10:00:00Z", "2024-12-01T11:30:00Z", "2024-12-24T08:00:00Z",
           "2025-01-01T00:00:00Z", "2025-01-01T09:15:00Z", "2025-01-05T12:00:00Z",
           "2025-01-20T18:45:00Z", "2025-02-01T07:00:00Z"]
# Numerically equal numbers written differently ("10" / "10.0" / "1e1") are the same key.
PRICES = ["0", "9.99", "10", "10.0", "1e1", "25.5", "100", "-5"]
SKS = ["1", "1.0", "2", "2.50", "10", "-1"]
INCREMENTS = _ns(["1", "-1", "2.5"])


class Model:
    """A table as the generator sees it: keys, indexes and a value domain per attribute."""

    def __init__(self, key: str, pk: str, sk: str | None, domains: dict[str, Any],
                 indexes: dict[str | None, tuple[str, str | None]],
                 prefixes: dict[str, list[str]]) -> None:
        self.key = key
        self.pk = pk
        self.sk = sk
        self.domains = domains  # every attribute, keys included
        self.indexes = indexes  # None: the base table
        self.prefixes = prefixes  # begins_with prefixes per string sort key
        self.primary = (pk,) if sk is None else (pk, sk)
        self.others = [a for a in domains if a not in self.primary]


def spec_indexes(table: str) -> dict[str | None, tuple[str, str | None]]:
    """(partition, sort) attributes of a spec table (None) and of each of its GSIs."""
    spec = get_table(table)
    found: dict[str | None, tuple[str, str | None]] = {None: (spec.primary.partition,
                                                              spec.primary.sort)}
    found.update({g.name: (g.key.partition, g.key.sort) for g in spec.gsis})
    return found


BOOKINGS = Model(
    "bookings", "bookingId", None,
    {"bookingId": _ss([f"b{i}" for i in range(6)]),
     "customerId": _ss(["c0", "c1"]),
     "providerId": PROVIDERS,
     "status": _ss(["PENDING", "CONFIRMED", "COMPLETED", "CANCELLED"]),
     "scheduledDate": _ss(DATES),
     "createdAt": _ss(CREATED),
     "note": NOTES,
     "amount": _ns(["1", "2.5", "10", "-3"]),
     "counter": COUNTERS},
    spec_indexes("bookings"),
    {"scheduledDate": ["2025-01-0", "2025-01", "2025-02-10", "2026"],
     "createdAt": ["2024-12-01T1", "2025-01-0", "2025", "2024"]},
)
SERVICES = Model(
    "services", "serviceId", None,
    {"serviceId": _ss([f"s{i}" for i in range(6)]),
     "providerId": PROVIDERS,
     "category": _ss(["plumbing", "cleaning", "electrical"]),
     "price": _ns(PRICES),
     "name": NOTES,
     "counter": COUNTERS},
    spec_indexes("services"),
    {},
)
ITEMS = Model(
    "items", "pk", "sk",
    {"pk": _ss(["k0", "k1", "k2"]),
     "sk": _ns(SKS),
     "g": _ss(["x", "y"]),
     "sk2": _ss(["a", "ab", "abc", "b", "ba"]),
     "h": _ss(["h0", "h1"]),
     "note": NOTES,
     "counter": COUNTERS,
     "details": st.fixed_dictionaries({"city": _ss(["Oslo", "Rome"])},
                                      optional={"zip": _ns(["1000", "2000"])}).map(
         lambda m: {"M": m}),
     "tags": st.sets(st.sampled_from(["red", "green", "blue"]), min_size=1).map(
         lambda s: {"SS": sorted(s)})},
    {None: ("pk", "sk"), "g-index": ("g", "sk2"), "h-index": ("h", None)},
    {"sk2": ["a", "ab", "b", "c"]},
)
MODELS = {m.key: m for m in (BOOKINGS, SERVICES, ITEMS)}
NUMERIC = {"sk", "price", "amount", "counter"}  # no begins_with on these

for _model in (BOOKINGS, SERVICES):
    _spec = get_table(_model.key)
    assert set(_spec.key_attributes) <= set(_model.domains), _model.key
    assert set(_model.indexes) - {None} == {g.name for g in _spec.gsis}, _model.key


def items_table_request(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"},
                                 {"AttributeName": "g", "AttributeType": "S"},
                                 {"AttributeName": "sk2", "AttributeType": "S"},
                                 {"AttributeName": "h", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {"IndexName": "g-index",
             "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                           {"AttributeName": "sk2", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "h-index",
             "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}},
        ],
    }


def key_identity(model: Model, key: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two keys the same item: numbers compare by value."""
    return (model.key, *tuple(Decimal(key[a]["N"]) if "N" in key[a] else key[a]["S"] for a in model.primary))


# --------------------------------------------------------------------------------------------
# Request generators. Requests name tables by their logical key ("bookings", "services",
# "items"); `resolve` swaps in the example's real table names.
# --------------------------------------------------------------------------------------------


class Expr:
    """Placeholders for one request: `#attr` names and `:vN` values, each only when used."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def n(self, attr: str) -> str:
        self.names[f"#{attr}"] = attr
        return f"#{attr}"

    def v(self, value: Any) -> str:
        ph = f":v{len(self.values)}"
        self.values[ph] = value
        return ph

    def into(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        return request


tables = st.sampled_from(list(MODELS.values()))


@st.composite
def items_of(draw: Any, model: Model) -> dict[str, Any]:
    """An item: its primary key and the other attributes (GSI keys included) but a few.

    Mostly all of them, so indexes fill up and reads return pages; sometimes without some,
    so sparse indexes (an item missing a GSI's key attribute is not in it) are exercised.
    """
    omitted = []
    if draw(st.integers(0, 3)) == 0:
        omitted = draw(st.lists(st.sampled_from(model.others), min_size=1, max_size=3,
                                unique=True))
    return {a: draw(model.domains[a]) for a in model.domains
            if a in model.primary or a not in omitted}


def keys_of(model: Model) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({a: model.domains[a] for a in model.primary})


def _sorted_pair(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    def value(x: dict[str, Any]) -> Any:
        return Decimal(x["N"]) if "N" in x else x["S"]
    return (a, b) if value(a) <= value(b) else (b, a)


@st.composite
def conditions(draw: Any, model: Model, e: Expr) -> str:
    """A condition expression on an item (write conditions and ConditionCheck)."""
    attr = draw(st.sampled_from(model.others))
    kind = draw(st.sampled_from(["exists", "not_exists", "absent_or_eq", "eq", "ne", "lt",
                                 "begins", "and", "not"]))
    if kind == "exists":
        return f"attribute_exists({e.n(model.pk)})"
    if kind == "not_exists":
        return f"attribute_not_exists({e.n(model.pk)})"
    if kind == "absent_or_eq":
        return f"attribute_not_exists({e.n(attr)}) OR {e.n(attr)} = " \
               f"{e.v(draw(model.domains[attr]))}"
    if kind == "eq":
        return f"{e.n(attr)} = {e.v(draw(model.domains[attr]))}"
    if kind == "ne":
        return f"{e.n(attr)} <> {e.v(draw(model.domains[attr]))}"
    if kind == "lt":
        return f"{e.n('counter')} < {e.v(draw(COUNTERS))}"
    if kind == "begins":
        return f"begins_with({e.n(model.pk)}, {e.v(S(draw(st.sampled_from(['b', 's', 'k', 'k1']))))})"
    if kind == "and":
        return f"attribute_exists({e.n(model.pk)}) AND {e.n(attr)} = " \
               f"{e.v(draw(model.domains[attr]))}"
    return f"NOT attribute_exists({e.n(attr)})"


@st.composite
def update_expressions(draw: Any, model: Model, e: Expr) -> str:
    """SET / REMOVE of non-key attributes (GSI keys among them), and a counter change.

    Sometimes instead an ADD of a number to the text attribute alone: where the item holds
    text there, the update fails (ValidationException). Stock moto applies the clauses before
    a failing ADD; DynamoDB, and ddbkit (store/atomic_writes.py), apply none, so the
    failing ADD comes alone, where the two agree.
    """
    counter = draw(st.sampled_from([None, "add", "set_if_not_exists", "set_plus", "remove",
                                    "add_to_text"]))
    text = "name" if "name" in model.domains else "note"
    if counter == "add_to_text":
        return f"ADD {e.n(text)} {e.v(N('1'))}"
    plain = [a for a in model.others if a != "counter"]
    actions = draw(st.fixed_dictionaries(
        {}, optional={a: st.sampled_from(["set", "remove"]) for a in plain}))
    if not actions and counter is None:
        counter = "add"
    sets = [f"{e.n(a)} = {e.v(draw(model.domains[a]))}" for a, act in actions.items()
            if act == "set"]
    removes = [e.n(a) for a, act in actions.items() if act == "remove"]
    adds = []
    inc = INCREMENTS
    if counter == "add":
        adds.append(f"{e.n('counter')} {e.v(draw(inc))}")
    elif counter == "set_if_not_exists":
        sets.append(f"{e.n('counter')} = if_not_exists({e.n('counter')}, "
                    f"{e.v(N('0'))}) + {e.v(draw(inc))}")
    elif counter == "set_plus":  # fails (ValidationException) where counter is absent
        sets.append(f"{e.n('counter')} = {e.n('counter')} + {e.v(draw(inc))}")
    elif counter == "remove":
        removes.append(e.n("counter"))
    clauses = []
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    if adds:
        clauses.append("ADD " + ", ".join(adds))
    order = draw(st.permutations(clauses))
    return " ".join(order)


@st.composite
def put_item(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key, "Item": draw(items_of(model))}
    if draw(st.booleans()):
        request["ConditionExpression"] = draw(conditions(model, e))
        if draw(st.booleans()):
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if draw(st.booleans()):
        request["ReturnValues"] = draw(st.sampled_from(["NONE", "ALL_OLD"]))
    return "put_item", e.into(request)


@st.composite
def update_item(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key, "Key": draw(keys_of(model)),
                               "UpdateExpression": draw(update_expressions(model, e))}
    if draw(st.booleans()):
        request["ConditionExpression"] = draw(conditions(model, e))
        if draw(st.booleans()):
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if draw(st.booleans()):
        # UPDATED_OLD / UPDATED_NEW: ddbkit returns the paths the update names, as DynamoDB
        # does, moto the top-level attributes whose value changed (test_semantics_*).
        request["ReturnValues"] = draw(st.sampled_from(["NONE", "ALL_OLD", "ALL_NEW"]))
    return "update_item", e.into(request)


@st.composite
def delete_item(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key, "Key": draw(keys_of(model))}
    if draw(st.booleans()):
        request["ConditionExpression"] = draw(conditions(model, e))
    if draw(st.booleans()):
        request["ReturnValues"] = draw(st.sampled_from(["NONE", "ALL_OLD"]))
    return "delete_item", e.into(request)


@st.composite
def distinct_keys(draw: Any, min_size: int, max_size: int, models: list[Model],
                  by_value: bool = True) -> list[tuple[Model, dict[str, Any]]]:
    """(table, key) pairs naming distinct items (by value: `sk` 1 and 1.0 are one item).

    `by_value=False` only keeps the keys' wire forms distinct, so a request may name one item
    as both `sk` 1 and 1.0: DynamoDB rejects that, moto compares keys as written and accepts.
    """
    pairs = st.sampled_from(models).flatmap(lambda m: keys_of(m).map(lambda k: (m, k)))
    if by_value:
        return draw(st.lists(pairs, min_size=min_size, max_size=max_size,
                             unique_by=lambda mk: key_identity(mk[0], mk[1])))
    return draw(st.lists(pairs, min_size=min_size, max_size=max_size,
                         unique_by=lambda mk: (mk[0].key, repr(sorted(mk[1].items())))))


@st.composite
def batch_write_item(draw: Any) -> tuple[str, dict[str, Any]]:
    targets = draw(distinct_keys(1, 6, list(MODELS.values()), by_value=draw(st.booleans())))
    request_items: dict[str, list[dict[str, Any]]] = {}
    for model, key in targets:
        if draw(st.booleans()):
            item = draw(items_of(model)) | key
            request_items.setdefault(model.key, []).append({"PutRequest": {"Item": item}})
        else:
            request_items.setdefault(model.key, []).append({"DeleteRequest": {"Key": key}})
    return "batch_write_item", {"RequestItems": request_items}


@st.composite
def transact_write_items(draw: Any) -> tuple[str, dict[str, Any]]:
    targets = draw(distinct_keys(2, 3, list(MODELS.values()), by_value=draw(st.booleans())))
    actions = []
    for model, key in targets:
        e = Expr()
        kind = draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
        action: dict[str, Any] = {"TableName": model.key}
        if kind == "Put":
            action["Item"] = draw(items_of(model)) | key
        else:
            action["Key"] = key
        if kind == "Update":
            action["UpdateExpression"] = draw(update_expressions(model, e))
        if kind == "ConditionCheck" or draw(st.booleans()):
            action["ConditionExpression"] = draw(conditions(model, e))
            if draw(st.booleans()):
                action["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        actions.append({kind: e.into(action)})
    return "transact_write_items", {"TransactItems": actions}


@st.composite
def get_item(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key, "Key": draw(keys_of(model))}
    if draw(st.booleans()):
        request["ProjectionExpression"] = draw(projections(model, e))
    if draw(st.booleans()):
        request["ConsistentRead"] = draw(st.booleans())
    return "get_item", e.into(request)


@st.composite
def batch_get_item(draw: Any) -> tuple[str, dict[str, Any]]:
    targets = draw(distinct_keys(1, 5, list(MODELS.values())))
    request_items: dict[str, dict[str, Any]] = {}
    for model, key in targets:
        request_items.setdefault(model.key, {"Keys": []})["Keys"].append(key)
    for table, entry in request_items.items():
        if draw(st.booleans()):
            e = Expr()
            entry["ProjectionExpression"] = draw(projections(MODELS[table], e))
            e.into(entry)
    return "batch_get_item", {"RequestItems": request_items}


@st.composite
def projections(draw: Any, model: Model, e: Expr) -> str:
    attrs = draw(st.lists(st.sampled_from(list(model.domains) + (
        ["details.city"] if "details" in model.domains else [])), min_size=1, max_size=3,
        unique=True))
    if "details" in attrs and "details.city" in attrs:  # overlapping paths: DynamoDB refuses
        attrs.remove("details.city")
    return ", ".join(".".join(e.n(part) for part in a.split(".")) for a in attrs)


@st.composite
def filters(draw: Any, model: Model, e: Expr, exclude: tuple[str, ...]) -> str:
    """A filter expression on attributes that are not keys of what is read."""
    candidates = [a for a in model.others if a not in exclude]
    attr = draw(st.sampled_from(candidates))
    kind = draw(st.sampled_from(["exists", "not_exists", "eq", "ne", "counter", "or"]))
    if kind == "exists":
        return f"attribute_exists({e.n(attr)})"
    if kind == "not_exists":
        return f"attribute_not_exists({e.n(attr)})"
    if kind == "eq":
        return f"{e.n(attr)} = {e.v(draw(model.domains[attr]))}"
    if kind == "ne":
        return f"{e.n(attr)} <> {e.v(draw(model.domains[attr]))}"
    if kind == "counter":
        return f"{e.n('counter')} >= {e.v(draw(COUNTERS))}"
    return f"attribute_not_exists({e.n(attr)}) OR {e.n('counter')} > {e.v(draw(COUNTERS))}"


SORT_OPS = ["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]
LEGACY_OPS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "BETWEEN": "BETWEEN",
              "begins_with": "BEGINS_WITH"}


@st.composite
def read_options(draw: Any, model: Model, e: Expr, request: dict[str, Any],
                 exclude: tuple[str, ...], expressions: bool = True) -> None:
    """Limit, FilterExpression, Select COUNT / ProjectionExpression, shared by Query and Scan.

    Without `expressions` (a legacy KeyConditions query: DynamoDB refuses to mix the two
    forms) only Limit and Select COUNT.
    """
    if draw(st.booleans()):
        request["Limit"] = draw(st.integers(1, 4))
    if expressions and draw(st.integers(0, 2)) == 0:
        request["FilterExpression"] = draw(filters(model, e, exclude))
    shape = draw(st.sampled_from(["all", "all", "count", "projection", "specific"]))
    if shape != "count" and not expressions:
        shape = "all"
    if shape == "count":
        request["Select"] = "COUNT"
    elif shape in ("projection", "specific"):
        request["ProjectionExpression"] = draw(projections(model, e))
        if shape == "specific":
            request["Select"] = "SPECIFIC_ATTRIBUTES"


@st.composite
def query(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    index = draw(st.sampled_from(list(model.indexes)))
    hash_attr, range_attr = model.indexes[index]
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key}
    if index is not None:
        request["IndexName"] = index
    hash_value = draw(model.domains[hash_attr])
    # The sort key condition, if any: (attribute, operator, values).
    sort: tuple[str, str, list[dict[str, Any]]] | None = None
    if range_attr is not None and draw(st.booleans()):
        domain = model.domains[range_attr]
        op = draw(st.sampled_from(SORT_OPS[:-1] if range_attr in NUMERIC else SORT_OPS))
        if op == "BETWEEN":
            sort = (range_attr, op, list(_sorted_pair(draw(domain), draw(domain))))
        elif op == "begins_with":
            sort = (range_attr, op, [S(draw(st.sampled_from(model.prefixes[range_attr])))])
        else:
            sort = (range_attr, op, [draw(domain)])
    legacy = draw(st.integers(0, 4)) == 0
    if legacy:
        # The legacy KeyConditions form, which moto parses on its own path.
        key_conditions: dict[str, dict[str, Any]] = {
            hash_attr: {"ComparisonOperator": "EQ", "AttributeValueList": [hash_value]}}
        if sort is not None:
            key_conditions[sort[0]] = {"ComparisonOperator": LEGACY_OPS[sort[1]],
                                       "AttributeValueList": sort[2]}
        request["KeyConditions"] = key_conditions
    else:
        kce = f"{e.n(hash_attr)} = {e.v(hash_value)}"
        if sort is not None:
            attr, op, values = sort
            if op == "BETWEEN":
                kce += f" AND {e.n(attr)} BETWEEN {e.v(values[0])} AND {e.v(values[1])}"
            elif op == "begins_with":
                kce += f" AND begins_with({e.n(attr)}, {e.v(values[0])})"
            else:
                kce += f" AND {e.n(attr)} {op} {e.v(values[0])}"
        request["KeyConditionExpression"] = kce
    if draw(st.booleans()):
        request["ScanIndexForward"] = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        # Start after a key of the read's shape that may name no item (deleted, or never
        # written): paging resumes by key order, not by position.
        start = {a: draw(model.domains[a]) for a in (*model.primary, range_attr)
                 if a is not None}
        request["ExclusiveStartKey"] = start | {hash_attr: hash_value}
    if index is None and draw(st.integers(0, 3)) == 0:
        request["ConsistentRead"] = True
    index_keys = tuple(a for a in (hash_attr, range_attr) if a is not None)
    draw(read_options(model, e, request, model.primary + index_keys, expressions=not legacy))
    return "query", e.into(request)


@st.composite
def scan(draw: Any) -> tuple[str, dict[str, Any]]:
    model = draw(tables)
    index = draw(st.sampled_from(list(model.indexes)))
    e = Expr()
    request: dict[str, Any] = {"TableName": model.key}
    if index is not None:
        request["IndexName"] = index
    draw(read_options(model, e, request, ()))
    if draw(st.integers(0, 3)) == 0:
        total = draw(st.integers(1, 3))
        request["TotalSegments"] = total
        request["Segment"] = draw(st.integers(0, total - 1))
    return "scan", e.into(request)


@st.composite
def seed_batch(draw: Any) -> tuple[str, dict[str, Any]]:
    """A first BatchWriteItem of puts, so that reads find full partitions and pages."""
    request_items: dict[str, list[dict[str, Any]]] = {}
    for model, least, most in ((BOOKINGS, 4, 6), (SERVICES, 4, 6), (ITEMS, 6, 12)):  # <= 25
        every_key = [dict(zip(model.primary, values, strict=False)) for values in itertools.product(
            *(DOMAIN_VALUES[model.domains[a]] for a in model.primary))]
        distinct = {key_identity(model, k): k for k in draw(st.permutations(every_key))}
        for key in list(distinct.values())[:draw(st.integers(least, most))]:
            item = draw(items_of(model)) | key
            request_items.setdefault(model.key, []).append({"PutRequest": {"Item": item}})
    return "batch_write_item", {"RequestItems": request_items}


@st.composite
def check_table(draw: Any) -> tuple[str, dict[str, Any]]:
    """Read one table in full, mid-sequence: what `final_state` does for every table."""
    return "check", {"TableName": draw(tables).key}


writes = st.one_of(put_item(), put_item(), update_item(), update_item(), delete_item(),
                   batch_write_item(), transact_write_items())
reads = st.one_of(query(), query(), query(), scan(), get_item(), batch_get_item(),
                  check_table())


@st.composite
def first_queries(draw: Any) -> list[tuple[str, dict[str, Any]]]:
    """A Query on most tables right after the seed: ddbkit builds a table's maintained indexes
    on its first Query, so the writes that follow must keep them current (a table left out
    gets its indexes built later, from the items as they are then)."""
    ops = []
    for model in MODELS.values():
        if draw(st.integers(0, 3)):
            hash_attr = model.indexes[None][0]
            ops.append(("query", {"TableName": model.key, "KeyConditionExpression": "#p = :p",
                                  "ExpressionAttributeNames": {"#p": hash_attr},
                                  "ExpressionAttributeValues": {
                                      ":p": draw(model.domains[hash_attr])}}))
    return ops


operations = st.tuples(seed_batch(), first_queries(),
                       st.lists(st.one_of(writes, writes, reads), min_size=8, max_size=24)
                       ).map(lambda t: [t[0], *t[1], *t[2]])


# --------------------------------------------------------------------------------------------
# Running an op on both sides
# --------------------------------------------------------------------------------------------


def resolve(request: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The request with logical table keys swapped for the example's table names."""
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for k, v in node.items():
                if k == "TableName":
                    out[k] = names[v]
                elif k == "RequestItems":
                    out[k] = {names[t]: walk(entry) for t, entry in v.items()}
                else:
                    out[k] = walk(v)
            return out
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node
    return walk(request)  # type: ignore[no-any-return]


def sets_sorted(node: Any) -> Any:
    """The one normalisation: the elements of SS/NS/BS values in sorted order.

    DynamoDB sets are unordered, and moto's own order for them is not stable: where it
    rebuilds an item through boto3's TypeDeserializer/TypeSerializer (ProjectionExpression,
    for one), a set's elements come out in Python `set` iteration order, which depends on the
    process's string-hash seed. Two stock moto processes already disagree there, so stock moto
    in its process and ddbkit in this one legitimately do too.
    """
    if isinstance(node, dict):
        return {k: sorted(v, key=str) if k in ("SS", "NS", "BS") and isinstance(v, list)
                else sets_sorted(v) for k, v in node.items()}
    if isinstance(node, list):
        return [sets_sorted(x) for x in node]
    return node


def numbers_by_value(node: Any) -> Any:
    """Numbers (N and NS elements) in one form per value: Decimal's normalised text."""
    if isinstance(node, dict):
        return {k: str(Decimal(v).normalize()) if k == "N" and isinstance(v, str)
                else [str(Decimal(x).normalize()) for x in v] if k == "NS" and isinstance(v, list)
                else numbers_by_value(v) for k, v in node.items()}
    if isinstance(node, list):
        return [numbers_by_value(x) for x in node]
    return node


def call(client: Any, operation: str, request: dict[str, Any]) -> tuple[str, Any]:
    """("ok", response) or ("error", error body), each minus what the test does not compare."""
    try:
        response = getattr(client, operation)(**request)
    except ClientError as exc:
        body = {k: v for k, v in exc.response.items() if k != "ResponseMetadata"}
        body["Error"] = {k: v for k, v in body.get("Error", {}).items() if k != "Message"}
        if "CancellationReasons" in body:
            body["CancellationReasons"] = [{k: v for k, v in reason.items() if k != "Message"}
                                           for reason in body["CancellationReasons"]]
        return "error", sets_sorted(numbers_by_value(body))
    return "ok", sets_sorted(numbers_by_value({
        k: v for k, v in response.items() if k not in ("ResponseMetadata", "ConsumedCapacity")}))


class Differential:
    """Runs each request on both sides (stock moto in a worker thread, at the same time) and
    asserts the answers are equal."""

    def __init__(self, stock: Any, ddbkit: Any, names: dict[str, str],
                 pool: ThreadPoolExecutor) -> None:
        self.stock = stock
        self.ddbkit = ddbkit
        self.names = names
        self.pool = pool

    def run(self, step: int, operation: str, request: dict[str, Any]) -> None:
        if operation == "check":
            self.check(step, MODELS[request["TableName"]])
            return
        real = resolve(request, self.names)
        if operation in ("query", "scan"):
            self._paginate(step, operation, real)
        else:
            self._compare(step, operation, real)

    def _compare(self, step: int, operation: str, request: dict[str, Any],
                 page: int | None = None) -> tuple[str, Any]:
        pending = self.pool.submit(call, self.stock, operation, request)
        actual = call(self.ddbkit, operation, request)
        expected = pending.result()
        where = f"op #{step} {operation}" + (f" page {page}" if page is not None else "")
        event(f"{operation}: " + (expected[1]["Error"].get("Code", "?") if expected[0] == "error"
                                  else "ok"))
        assert actual == expected, (
            f"{where} differs\nrequest: {request}\nstock moto: {expected}\nddbkit:     {actual}")
        return expected

    def check(self, step: int, model: Model) -> None:
        """A Scan of the table and of each index, and a Query of every partition value of
        each (Scan reads the items as stored; Query goes through ddbkit's maintained indexes,
        which a first Query builds and later writes keep current)."""
        for index, (hash_attr, _) in model.indexes.items():
            request: dict[str, Any] = {"TableName": model.key}
            if index is not None:
                request["IndexName"] = index
            self.run(step, "scan", request)
            for i, value in enumerate(partition_values(model, hash_attr)):
                # In pages of 2, alternately forwards and backwards.
                self.run(step, "query", request | {
                    "KeyConditionExpression": "#p = :p",
                    "ExpressionAttributeNames": {"#p": hash_attr},
                    "ExpressionAttributeValues": {":p": value},
                    "Limit": 2, "ScanIndexForward": i % 2 == 0})

    def _paginate(self, step: int, operation: str, request: dict[str, Any]) -> None:
        start = None
        for page in range(MAX_PAGES):
            paged = dict(request)
            if start is not None:
                paged["ExclusiveStartKey"] = start
            outcome, body = self._compare(step, operation, paged, page)
            if outcome != "ok" or "LastEvaluatedKey" not in body:
                event(f"{operation} {'index' if 'IndexName' in request else 'table'}: "
                      f"{page + 1} page(s)")
                return
            start = body["LastEvaluatedKey"]
        raise AssertionError(f"op #{step} {operation}: more than {MAX_PAGES} pages: {request}")


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------

_examples = itertools.count(1)


def create_tables(stock: Any, ddbkit: Any, stage: str,
                  pool: ThreadPoolExecutor) -> dict[str, str]:
    """The example's three tables, created alike on both sides through the API."""
    requests = [create_table_request(get_table("bookings"), stage),
                create_table_request(get_table("services"), stage),
                items_table_request(f"diff-{stage}-items-table")]

    def create(client: Any) -> None:
        for request in requests:
            client.create_table(**request)

    pending = pool.submit(create, stock)
    create(ddbkit)
    pending.result()
    return {"bookings": requests[0]["TableName"], "services": requests[1]["TableName"],
            "items": requests[2]["TableName"]}


def delete_tables(stock: Any, ddbkit: Any, names: dict[str, str],
                  pool: ThreadPoolExecutor) -> None:
    def delete(client: Any) -> None:
        for name in names.values():
            try:
                client.delete_table(TableName=name)
            except ClientError:
                pass

    pending = pool.submit(delete, stock)
    delete(ddbkit)
    pending.result()


def final_state(diff: Differential, step: int) -> None:
    """The state the ops left behind, read in full on both sides."""
    for model in MODELS.values():
        diff.check(step, model)


def partition_values(model: Model, attribute: str) -> list[dict[str, str]]:
    return DOMAIN_VALUES[model.domains[attribute]]


@pytest.fixture(scope="module")
def stock_client(stock_moto_url: str) -> Any:
    return _client(stock_moto_url)


@pytest.fixture
def ddbkit_client(fresh_emulator: Emulator) -> Any:
    return _client(fresh_emulator.endpoint_url)


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stock-moto") as executor:
        yield executor


# The suite runs a fixed set of examples, so CI is repeatable; a longer, random hunt:
# DDBKIT_DIFF_EXAMPLES=500 DDBKIT_DIFF_RANDOM=1 pytest tests/test_differential.py
# A failure is shrunk to a minimal sequence, which can take Hypothesis's maximum of 5 minutes;
# DDBKIT_DIFF_SHRINK=0 reports the first failing sequence as found instead.
@settings(max_examples=int(os.environ.get("DDBKIT_DIFF_EXAMPLES", "40")), deadline=None,
          database=None, derandomize=not os.environ.get("DDBKIT_DIFF_RANDOM"),
          phases=[Phase.explicit, Phase.reuse, Phase.generate] + (
              [] if os.environ.get("DDBKIT_DIFF_SHRINK") == "0" else [Phase.shrink]),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_ddbkit_answers_like_stock_moto(stock_client: Any, ddbkit_client: Any,
                                        pool: ThreadPoolExecutor,
                                        ops: list[tuple[str, dict[str, Any]]]) -> None:
    # Tables of the example's own (a stage of its own), empty on both sides.
    names = create_tables(stock_client, ddbkit_client, f"d{next(_examples)}", pool)
    diff = Differential(stock_client, ddbkit_client, names, pool)
    try:
        for step, (operation, request) in enumerate(ops):
            diff.run(step, operation, request)
        final_state(diff, len(ops))
    finally:
        delete_tables(stock_client, ddbkit_client, names, pool)

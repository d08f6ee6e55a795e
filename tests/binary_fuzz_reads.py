"""Query, Scan and PartiQL over the binary-keyed tables of tests/test_fuzz_binary_keys.py,
checked against the model: unsigned byte order both ways, paging by binary
ExclusiveStartKey, key conditions of every operator, the GSI and the LSI, segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from binary_fuzz_model import BB, HASH_ONLY, PARTITIONS, BinaryModel, Item, Outcome, outcome_of
from binary_fuzz_ops import key_of

# operator -> (expression form, legacy name, test on bytes)
KEY_OPERATORS: dict[str, tuple[str, str, Callable[[bytes, bytes, bytes], bool]]] = {
    "=": ("{r} = :a", "EQ", lambda v, a, b: v == a),
    "<": ("{r} < :a", "LT", lambda v, a, b: v < a),
    "<=": ("{r} <= :a", "LE", lambda v, a, b: v <= a),
    ">": ("{r} > :a", "GT", lambda v, a, b: v > a),
    ">=": ("{r} >= :a", "GE", lambda v, a, b: v >= a),
    "between": ("{r} BETWEEN :a AND :b", "BETWEEN", lambda v, a, b: a <= v <= b),
    "begins_with": ("begins_with({r}, :a)", "BEGINS_WITH", lambda v, a, b: v.startswith(a)),
}
MAX_PAGES = 60


def _pages(call: Callable[[dict[str, Any]], Any], limit: int | None,
           start: dict[str, Any] | None = None) -> tuple[Outcome, Any, list[Item]]:
    """Every page of a Query or Scan from `start`, each from the last one's LastEvaluatedKey."""
    items: list[Item] = []
    for _ in range(MAX_PAGES):
        extra = {"Limit": limit} if limit else {}
        if start:
            extra["ExclusiveStartKey"] = start
        outcome, answer = outcome_of(lambda: call(extra))
        if outcome.status != 200:
            return outcome, answer, items
        items += answer["Items"]
        start = answer.get("LastEvaluatedKey")
        if not start:
            return outcome, answer, items
    return Outcome(200, b"{}", ["paging never ended"]), {}, items


def query(model: BinaryModel, client: Any) -> Outcome:
    rng = model.rng
    index = rng.choice([None, None, "gsi", "lsi"])
    hash_attr, range_attr = {None: ("pk", "sk"), "gsi": ("gpk", "gsk"), "lsi": ("pk", "lsk")}[index]
    partition = rng.choice(PARTITIONS[:2] if index == "gsi" else PARTITIONS[:3])
    operator = rng.choice([None, *KEY_OPERATORS])
    low, high = sorted((model.sort(), model.sort()))
    reversed_bounds = operator == "between" and low != high and rng.random() < 0.1
    if reversed_bounds:
        low, high = high, low
    if operator == "begins_with" and rng.random() < 0.5:
        low = low[:1]
    body: dict[str, Any] = {"TableName": model.name(BB), "ScanIndexForward": rng.random() < 0.5}
    if index:
        body["IndexName"] = index
    values = {":p": {"B": partition}, ":a": {"B": low}, ":b": {"B": high}}
    if rng.random() < 0.3:  # the legacy form
        conditions = {hash_attr: {"ComparisonOperator": "EQ", "AttributeValueList": [
            values[":p"]]}}
        if operator:
            form = KEY_OPERATORS[operator]
            conditions[range_attr] = {"ComparisonOperator": form[1], "AttributeValueList": [
                values[":a"], values[":b"]][:2 if operator == "between" else 1]}
        body["KeyConditions"] = conditions
    else:
        expression = f"{hash_attr} = :p"
        if operator:
            expression += " AND " + KEY_OPERATORS[operator][0].format(r=range_attr)
        body["KeyConditionExpression"] = expression
        body["ExpressionAttributeValues"] = {
            k: v for k, v in values.items() if k == ":p" or (
                operator and (k == ":a" or operator == "between"))}
    # A start key anywhere in the partition (no item need have it): only later keys follow.
    start = model.sort() if index is None and operator is None and rng.random() < 0.3 \
        else None
    outcome, answer, items = _pages(
        lambda extra: client.query(**body, **extra), rng.choice([None, None, 1, 2, 5]),
        {"pk": {"B": partition}, "sk": {"B": start}} if start is not None else None)
    if reversed_bounds:
        model.expect(outcome, answer, "ValidationException")
        return outcome
    model.expect(outcome, answer, None)
    if outcome.wrong:
        return outcome
    test = KEY_OPERATORS[operator][2] if operator else (lambda v, a, b: True)
    if start is not None:
        test = (lambda v, a, b: v > start) if body["ScanIndexForward"] else \
            (lambda v, a, b: v < start)
    expected = [i for i in model.items[BB].values() if hash_attr in i and range_attr in i
                and i[hash_attr]["B"] == partition and test(i[range_attr]["B"], low, high)]
    expected.sort(key=lambda i: (i[range_attr]["B"], key_of(BB, i)),
                  reverse=not body["ScanIndexForward"])
    if index is None:
        model.same(outcome, "Query order", items, expected)
    else:  # items of equal index keys come in no promised order
        model.same(outcome, f"Query order on {index}", [i[range_attr] for i in items],
                   [i[range_attr] for i in expected])
        model.same(outcome, f"Query items on {index}", sorted(items, key=lambda i: key_of(
            BB, i)), sorted(expected, key=lambda i: key_of(BB, i)))
    return outcome


SCAN_FILTERS: list[tuple[str, Callable[[bytes, bytes], bool]]] = [
    ("v = :x", lambda v, x: v == x), ("v < :x", lambda v, x: v < x),
    ("v >= :x", lambda v, x: v >= x), ("begins_with(v, :x)", lambda v, x: v.startswith(x)),
    ("contains(v, :x)", lambda v, x: x in v),
]


def scan(model: BinaryModel, client: Any) -> Outcome:
    rng = model.rng
    table = rng.choice([BB, HASH_ONLY])
    body: dict[str, Any] = {"TableName": model.name(table)}
    index_keys: tuple[str, ...] = ()
    if table == BB and rng.random() < 0.4:
        body["IndexName"] = rng.choice(["gsi", "lsi"])
        index_keys = ("gpk", "gsk") if body["IndexName"] == "gsi" else ("lsk",)
    keep: Callable[[bytes], bool] = lambda v: True  # noqa: E731
    if rng.random() < 0.4:
        expression, test = rng.choice(SCAN_FILTERS)
        operand = rng.randbytes(1)
        body.update(FilterExpression=expression, ExpressionAttributeValues={
            ":x": {"B": operand}})
        keep = lambda v: test(v, operand)  # noqa: E731
    segments = rng.choice([1, 1, 2, 3])
    items: list[Item] = []
    outcome = Outcome(200, b"{}")
    for segment in range(segments):
        extra = {"Segment": segment, "TotalSegments": segments} if segments > 1 else {}
        outcome, answer, found = _pages(lambda more: client.scan(**body, **extra, **more),
                                        rng.choice([None, 1, 3]))
        model.expect(outcome, answer, None)
        if outcome.wrong:
            return outcome
        items += found
    expected = [i for i in model.items[table].values() if "v" in i and keep(i["v"]["B"])
                and all(k in i for k in index_keys)]
    model.same(outcome, "Scan", sorted(items, key=lambda i: key_of(table, i)),
               sorted(expected, key=lambda i: key_of(table, i)))
    return outcome


def partiql(model: BinaryModel, client: Any) -> Outcome:
    rng = model.rng
    table = f'"{model.name(BB)}"'
    key = model.present_or_not(BB)
    item = model.items[BB].get(key)
    keys = [{"B": key[0]}, {"B": key[1]}]
    kind = rng.choice(["get", "query", "range", "index", "insert", "update", "delete"])
    if kind in ("range", "index"):
        return _partiql_select(model, client, kind, key)
    value = {"B": rng.randbytes(2)}
    statement, parameters, code = {
        "get": (f"SELECT * FROM {table} WHERE pk = ? AND sk = ?", keys, None),
        "query": (f"SELECT * FROM {table} WHERE pk = ?", keys[:1], None),
        "insert": (f"INSERT INTO {table} VALUE {{'pk': ?, 'sk': ?, 'v': ?}}", [*keys, value],
                   "DuplicateItemException" if item else None),
        "update": (f"UPDATE {table} SET v = ? WHERE pk = ? AND sk = ?", [value, *keys],
                   None if item else "ConditionalCheckFailedException"),
        "delete": (f"DELETE FROM {table} WHERE pk = ? AND sk = ?", keys, None),
    }[kind]
    how = rng.choice(["single", "single", "batch", "transaction"])
    if how == "batch" and kind != "query":
        outcome, answer = outcome_of(lambda: client.batch_execute_statement(Statements=[
            {"Statement": statement, "Parameters": parameters}]))
        model.expect(outcome, answer, None)
        if outcome.wrong:
            return outcome
        error = answer["Responses"][0].get("Error", {}).get("Code")
        wanted = code and code.replace("Exception", "").replace("ConditionalCheckFailed",
                                                                "ConditionalCheckFailed")
        model.same(outcome, "BatchExecuteStatement error", error, wanted)
        if kind == "get":
            model.same(outcome, "BatchExecuteStatement item", answer["Responses"][0].get(
                "Item"), item)
    elif how == "transaction" and kind not in ("get", "query"):
        outcome, answer = outcome_of(lambda: client.execute_transaction(TransactStatements=[
            {"Statement": statement, "Parameters": parameters}]))
        model.expect(outcome, answer, "TransactionCanceledException" if code else None)
    else:
        outcome, answer = outcome_of(lambda: client.execute_statement(
            Statement=statement, Parameters=parameters))
        model.expect(outcome, answer, code)
        if kind == "get" and not outcome.wrong:
            model.same(outcome, "SELECT by key", answer["Items"], [item] if item else [])
        if kind == "query" and not outcome.wrong and "NextToken" not in answer:
            model.same(outcome, "SELECT by partition", answer["Items"], sorted(
                (i for k, i in model.items[BB].items() if k[0] == key[0]),
                key=lambda i: key_of(BB, i)))
    if code or outcome.wrong or kind in ("get", "query"):
        return outcome
    if kind == "insert":
        model.items[BB][key] = {"pk": keys[0], "sk": keys[1], "v": value}
    elif kind == "update" and item:
        model.items[BB][key] = {**item, "v": value}
    else:
        model.items[BB].pop(key, None)
    return outcome


PARTIQL_RANGES: list[tuple[str, Callable[[bytes, bytes, bytes], bool]]] = [
    ("sk > ?", lambda v, a, b: v > a), ("sk <= ?", lambda v, a, b: v <= a),
    ("sk BETWEEN ? AND ?", lambda v, a, b: a <= v <= b),
    ("begins_with(sk, ?)", lambda v, a, b: v.startswith(a))]


def _partiql_select(model: BinaryModel, client: Any, kind: str, key: Any) -> Outcome:
    """SELECT of a partition's range of binary sort keys (in byte order), or of the GSI."""
    table = f'"{model.name(BB)}"'
    low, high = sorted((model.sort(), model.sort()))
    if kind == "range":
        condition, test = model.rng.choice(PARTIQL_RANGES)
        parameters = [{"B": key[0]}, {"B": low}] + ([{"B": high}] if "BETWEEN" in condition
                                                     else [])
        statement = f"SELECT * FROM {table} WHERE pk = ? AND {condition}"
        expected = sorted((i for k, i in model.items[BB].items()
                           if k[0] == key[0] and test(k[1], low, high)),
                          key=lambda i: key_of(BB, i))
    else:
        partition = model.rng.choice(PARTITIONS[:2])
        parameters = [{"B": partition}]
        statement = f'SELECT * FROM {table}."gsi" WHERE gpk = ?'
        expected = [i for i in model.items[BB].values()
                    if i.get("gpk", {}).get("B") == partition and "gsk" in i]
    outcome, answer = outcome_of(lambda: client.execute_statement(
        Statement=statement, Parameters=parameters))
    model.expect(outcome, answer, None)
    if outcome.wrong or "NextToken" in answer:
        return outcome
    items = answer["Items"]
    if kind == "index":  # in index order; items of equal index keys in no promised order
        model.same(outcome, "SELECT of the GSI order", [i["gsk"] for i in items],
                   sorted((i["gsk"] for i in expected), key=lambda v: v["B"]))
        items, expected = (sorted(x, key=lambda i: key_of(BB, i)) for x in (items, expected))
    model.same(outcome, f"SELECT {kind}", items, expected)
    return outcome


READS: list[tuple[str, Callable[[BinaryModel, Any], Outcome]]] = [
    ("Query", query), ("Query", query), ("Scan", scan), ("PartiQL", partiql),
    ("PartiQL", partiql)]

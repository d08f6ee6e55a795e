"""The 400 KB item limit surface by surface: UpdateItem charges its statement (capacity/sizes.py,
`update_statement_size`) as well as the finished item; a transacted Update, PartiQL's UPDATE
and legacy AttributeUpdates size only the finished item. Every figure is worked by hand in a
comment: 3 for the statement, 19 per SET or ADD plus its target, 1 per REMOVE or DELETE plus
its target, operands at their request size or path cost."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ddbkit.emulator.capacity.sizes import MAX_ITEM_BYTES, update_statement_size
from ddbkit.emulator.expressions.update_grammar import parse_update

UPDATE_WORDING = "Item size to update has exceeded the maximum allowed size"


def _charge(expression: str, values: dict[str, Any] | None = None,
            names: dict[str, str] | None = None, stored: Any = None) -> int:
    return update_statement_size(parse_update(expression), names or {}, values or {},
                                 lambda path, value: value if stored is None else stored)


@pytest.mark.parametrize(("expression", "values", "names", "charge"), [
    ("SET b = :v", {":v": {"S": "xy"}}, None, 3 + 19 + 1 + 2),
    ("SET #alias = :v", {":v": {"S": "xy"}}, {"#alias": "b"}, 3 + 19 + 1 + 2),  # the name
    ("SET d[10] = :v", {":v": {"S": ""}}, None, 3 + 19 + 1 + (4 + 2)),  # index digits
    ("SET d.leaf = :v", {":v": {"S": ""}}, None, 3 + 19 + 1 + (4 + 4)),
    ("SET c = m.z", None, None, 3 + 19 + 1 + (1 + 15 + 15)),  # a path: 1, 14 + each element
    ("SET c = l[10]", None, None, 3 + 19 + 1 + (1 + 15 + 16)),
    ("SET n = n + :v", {":v": {"N": "1"}}, None, 3 + 19 + 1 + 34 + 16 + 2),
    ("SET n = (n - :v)", {":v": {"N": "1"}}, None, 3 + 19 + 1 + 37 + 16 + 2),
    ("SET c = if_not_exists(c, :v)", {":v": {"S": "v"}}, None, 3 + 19 + 1 + 39 + 16 + 1),
    ("SET l = list_append(:a, :a)", {":a": {"L": [{"S": "x"}]}}, None,
     3 + 19 + 1 + 37 + 2 * (3 + 1 + 1)),  # a value is charged at every use
    ("REMOVE abc, m.yy", None, None, 3 + (1 + 3) + (1 + 1 + 4 + 2)),
    ("DELETE ss :v", {":v": {"SS": ["a" * 50]}}, None, 3 + 1 + 2),  # not what it removes
    ("ADD n :v", {":v": {"N": "1"}}, None, 3 + 19 + 1 + 2),
])
def test_the_statement_charge_by_clause(expression: str, values: Any, names: Any,
                                        charge: int) -> None:
    assert _charge(expression, values, names) == charge


def test_an_add_to_a_set_charges_the_members_it_adds() -> None:
    # "ss" 2 + the members new to the set: "bbb" 3
    assert _charge("ADD ss :v", {":v": {"SS": ["a", "bbb"]}},
                   stored={"SS": ["bbb"]}) == 3 + 19 + 2 + 3


# -- through the emulator ----------------------------------------------------------------------

def _key() -> dict[str, Any]:
    return {"pk": {"S": "k"}}  # "pk" 2 + 1: 3 bytes (each test has its own table)


def _refused(call: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"] == {"Code": "ValidationException",
                                              "Message": UPDATE_WORDING}


def _set_b(client: Any, table: str, key: dict[str, Any], pad: int) -> Any:
    return client.update_item(TableName=table, Key=key, UpdateExpression="SET b = :pad",
                              ExpressionAttributeValues={":pad": {"S": "x" * pad}})


# `SET b = :pad` is charged 3 + 19 + 1 + pad: at most 409,577 bytes of padding, a finished
# item of 409,581 at this 3-byte key.
CEILING_PAD = MAX_ITEM_BYTES - 23


def test_update_item_charges_the_statement_not_the_key(client: Any, make_table: Any) -> None:
    table = make_table("by-surface")
    key = _key()
    _set_b(client, table, key, CEILING_PAD)
    got = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert len(got["b"]["S"]) == CEILING_PAD
    _refused(lambda: _set_b(client, table, key, CEILING_PAD + 1))
    assert len(client.get_item(TableName=table, Key=key)["Item"]["b"]["S"]) == CEILING_PAD


def test_an_attribute_left_alone_is_not_charged(client: Any, make_table: Any) -> None:
    table = make_table("by-surface")
    key = _key()
    client.put_item(TableName=table, Item={**key, "u": {"S": "y" * 10}})
    _set_b(client, table, key, CEILING_PAD)  # the item is 11 bytes larger; the charge is not
    assert client.get_item(TableName=table, Key=key)["Item"]["u"] == {"S": "y" * 10}


def test_each_clause_adds_its_charge(client: Any, make_table: Any) -> None:
    table = make_table("by-surface")
    key = _key()
    client.put_item(TableName=table, Item={**key, "r": {"S": "z"}, "ss": {"SS": ["p"]}})
    # REMOVE r: 1 + 1; ADD ss :new with "p" already there: 19 + 2 + 0
    update = {"UpdateExpression": "SET b = :pad REMOVE r ADD ss :new",
              "ExpressionAttributeValues": {":new": {"SS": ["p"]}}}
    pad = CEILING_PAD - 2 - 21
    _refused(lambda: client.update_item(TableName=table, Key=key, **{
        **update, "ExpressionAttributeValues": {**update["ExpressionAttributeValues"],
                                                ":pad": {"S": "x" * (pad + 1)}}}))
    client.update_item(TableName=table, Key=key, **{
        **update, "ExpressionAttributeValues": {**update["ExpressionAttributeValues"],
                                                ":pad": {"S": "x" * pad}}})
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert "r" not in item and len(item["b"]["S"]) == pad


def test_the_charge_is_refused_before_the_condition(client: Any, make_table: Any) -> None:
    table = make_table("by-surface")
    key = _key()
    client.put_item(TableName=table, Item={**key, "c": {"S": "x"}})
    # the item would stay tiny (c exists), but the statement carries 409,700 bytes
    for condition in ("attribute_exists(nope)", "attribute_exists(c)"):
        _refused(lambda condition=condition: client.update_item(
            TableName=table, Key=key, UpdateExpression="SET c = if_not_exists(c, :huge)",
            ConditionExpression=condition,
            ExpressionAttributeValues={":huge": {"S": "h" * 409_700}}))
    assert client.get_item(TableName=table, Key=key)["Item"]["c"] == {"S": "x"}


def test_other_surfaces_size_the_finished_item(client: Any, make_table: Any) -> None:
    """What UpdateItem refuses at a 3-byte key, the others write: the finished item of
    exactly 409,600 bytes ("pk" 3 + "p" 1 + 409,596)."""
    table = make_table("by-surface")
    value = {"S": "v" * (MAX_ITEM_BYTES - 4)}
    key = _key()
    client.put_item(TableName=table, Item=key)
    _refused(lambda: client.update_item(TableName=table, Key=key, UpdateExpression="SET p = :p",
                                        ExpressionAttributeValues={":p": value}))
    client.transact_write_items(TransactItems=[{"Update": {
        "TableName": table, "Key": key, "UpdateExpression": "SET p = :p",
        "ExpressionAttributeValues": {":p": value}}}])
    assert client.get_item(TableName=table, Key=key)["Item"]["p"] == value
    client.put_item(TableName=table, Item=key)
    client.execute_statement(Statement=f'UPDATE "{table}" SET p = ? WHERE pk = ?',
                             Parameters=[value, key["pk"]])
    assert client.get_item(TableName=table, Key=key)["Item"]["p"] == value
    client.put_item(TableName=table, Item=key)
    client.update_item(TableName=table, Key=key,
                       AttributeUpdates={"p": {"Action": "PUT", "Value": value}})
    assert client.get_item(TableName=table, Key=key)["Item"]["p"] == value
    # one byte more is refused by every surface, in the update wording
    over = {"S": value["S"] + "v"}
    with pytest.raises(ClientError) as caught:
        client.execute_statement(Statement=f'UPDATE "{table}" SET p = ? WHERE pk = ?',
                                 Parameters=[over, key["pk"]])
    assert UPDATE_WORDING in caught.value.response["Error"]["Message"]

"""Numbers whose exponent no 64-bit integer or Python Decimal context holds are answered as
DynamoDB answers them, never by a crash (a 500, or the last-resort 'could not process')."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

LAST_RESORT = "could not process"


@pytest.fixture(scope="module")
def number_table(client: Any) -> Iterator[str]:
    name = "number-limits"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "N"}])
    yield name
    client.delete_table(TableName=name)


def _refusal(call: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error: dict[str, str] = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert LAST_RESORT not in error["Message"]
    return error


@pytest.mark.parametrize(("value", "message"), [
    ("1e9223372036854775808", "The parameter cannot be converted to a numeric value"),
    ("1e" + "9" * 5000, "The parameter cannot be converted to a numeric value"),
    ("1e-9223372036854775809", "The parameter cannot be converted to a numeric value"),
    ("1e9223372036854775807", "Number overflow. Attempting to store a number with magnitude "
                              "larger than supported range"),
    ("1e-9223372036854775808", "Number underflow. Attempting to store a number with "
                               "magnitude smaller than supported range"),
])
def test_exponents_past_any_limit_are_refused(client: Any, number_table: str, value: str,
                                              message: str) -> None:
    error = _refusal(lambda: client.put_item(TableName=number_table,
                                             Item={"pk": {"N": "1"}, "v": {"N": value}}))
    assert error["Code"] == "ValidationException"
    assert message in error["Message"]
    assert "Item" not in client.get_item(TableName=number_table, Key={"pk": {"N": "1"}})


@pytest.mark.parametrize("literal", ["1e99999999999", "1.5e-2147483647", "1e2147483648",
                                     "1e" + "9" * 5000])
def test_partiql_literals_past_32_bit_exponents_are_not_well_formed(
        client: Any, number_table: str, literal: str) -> None:
    error = _refusal(lambda: client.execute_statement(
        Statement=f'SELECT * FROM "{number_table}" WHERE pk = {literal}'))
    assert error == {"Code": "ValidationException",
                     "Message": "Statement wasn't well formed, can't be processed: "}



OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = ("Number underflow. Attempting to store a number with magnitude smaller than "
             "supported range")


@pytest.mark.parametrize(("value", "message"), [
    ("0e126", OVERFLOW), ("000.0E127", OVERFLOW),  # zero is ranged by the exponent written
    ("0e-131", UNDERFLOW), ("0.0e-130", UNDERFLOW),  # 0.0e-130 is 0 x 10^-131
])
def test_zero_outside_the_exponent_range_is_refused_on_every_path(
        client: Any, number_table: str, value: str, message: str) -> None:
    calls = [
        lambda: client.put_item(TableName=number_table,
                                Item={"pk": {"N": "2"}, "v": {"N": value}}),
        lambda: client.get_item(TableName=number_table, Key={"pk": {"N": value}}),
        lambda: client.update_item(TableName=number_table, Key={"pk": {"N": "2"}},
                                   UpdateExpression="SET v = v + :z",
                                   ExpressionAttributeValues={":z": {"N": value}}),
        lambda: client.query(TableName=number_table, KeyConditionExpression="pk = :z",
                             ExpressionAttributeValues={":z": {"N": value}}),
    ]
    for call in calls:
        error = _refusal(call)
        assert error["Code"] == "ValidationException" and message in error["Message"]
    assert "Item" not in client.get_item(TableName=number_table, Key={"pk": {"N": "2"}})


@pytest.mark.parametrize("value", ["0e125", "0e-130", "0.00", "-0"])
def test_zero_inside_the_range_is_stored_as_0(client: Any, number_table: str,
                                              value: str) -> None:
    client.put_item(TableName=number_table, Item={"pk": {"N": "3"}, "v": {"N": value}})
    item = client.get_item(TableName=number_table, Key={"pk": {"N": "3"}})["Item"]
    assert item["v"] == {"N": "0"}

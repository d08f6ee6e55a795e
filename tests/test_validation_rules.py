"""The validation engine answers bad requests as DynamoDB does: its error type, its wording,
several constraint violations together, and in its order (the table name alone, then every
member's constraints, then the rules across members, then the rules that need the table).

The expected answers are DynamoDB's, from its documentation and from answers recorded
against it (dynalite's and the Parity Suite's tests). Requests go over HTTP as raw JSON, as a
client without botocore's own checks sends them; the rest with boto3.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from raw_requests import call, error

from ddbkit.emulator.endpoint.rules import ServiceRules
from ddbkit.emulator.runtime import Emulator

VALIDATION = "ValidationException"


@pytest.fixture
def bookings(fresh_emulator: Emulator) -> str:
    return f"marketplace-{fresh_emulator.config.stage}-bookings-table"


@pytest.fixture
def ranged(fresh_emulator: Emulator) -> str:
    """A hash + range table of the test's own (`pk` S, `sk` S)."""
    name = f"ranged-{fresh_emulator.config.stage}"
    answer = call(fresh_emulator, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}]})
    assert answer[0] == 200, answer
    return name


def refused(emulator: Emulator, operation: str, body: dict[str, Any],
            service: str = "DynamoDB_20120810") -> tuple[str, str]:
    status, kind, message = error(call(emulator, operation, body, service=service))
    assert status == 400, (operation, body, message)
    return kind, message


def constraint(value: str | None, path: str, rule: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {rule}"


@pytest.mark.parametrize(("name", "rule"), [
    ("", "Member must have length greater than or equal to 1"),
    ("a" * 256, "Member must have length less than or equal to 255"),
    ("bad table!@#", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
    ("ab", "Member must have length greater than or equal to 3"),
])
def test_table_names_break_dynamodbs_constraints(fresh_emulator: Emulator, name: str,
                                                 rule: str) -> None:
    body = {"TableName": name, "Item": {"k": {"S": "v"}}}
    assert refused(fresh_emulator, "PutItem", body) == (
        VALIDATION, "1 validation error detected: " + constraint(name, "tableName", rule))


def test_a_missing_table_name_is_worded_per_operation(fresh_emulator: Emulator) -> None:
    assert refused(fresh_emulator, "PutItem", {"Item": {"k": {"S": "v"}}}) == (
        VALIDATION, "1 validation error detected: " + constraint(
            None, "tableName", "Member must not be null"))
    assert refused(fresh_emulator, "CreateTable", {"KeySchema": []}) == (
        VALIDATION, "The parameter 'TableName' is required but was not present in the request")


def test_a_bad_table_name_is_reported_alone_and_the_rest_together(
        fresh_emulator: Emulator, bookings: str) -> None:
    alone = {"TableName": "", "Item": {}, "ReturnValues": "INVALID"}
    assert "returnValues" not in refused(fresh_emulator, "PutItem", alone)[1]
    together = {"TableName": bookings, "Item": {"bookingId": {"S": "b"}},
                "ReturnValues": "NO", "ReturnConsumedCapacity": "NO"}
    kind, message = refused(fresh_emulator, "PutItem", together)
    assert kind == VALIDATION
    assert message == "2 validation errors detected: " + "; ".join([
        constraint("NO", "returnValues", "Member must satisfy enum value set: "
                   "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"),
        constraint("NO", "returnConsumedCapacity", "Member must satisfy enum value set: "
                   "[INDEXES, TOTAL, NONE]")])


def test_nested_members_are_named_by_their_path(fresh_emulator: Emulator) -> None:
    body = {"TableName": "table-x", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "X"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "FIRST"}]}
    assert refused(fresh_emulator, "CreateTable", body)[1] == (
        "2 validation errors detected: " + "; ".join([
            constraint("X", "attributeDefinitions.1.member.attributeType",
                       "Member must satisfy enum value set: [B, N, S]"),
            constraint("FIRST", "keySchema.1.member.keyType",
                       "Member must satisfy enum value set: [HASH, RANGE]")]))
    three = {**body, "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}] * 3}
    assert refused(fresh_emulator, "CreateTable", three)[1] == (
        "1 validation error detected: Value '[" + ", ".join(
            ["KeySchemaElement(attributeName=pk, keyType=HASH)"] * 3) + "]' at 'keySchema' "
        "failed to satisfy constraint: Member must have length less than or equal to 2")


@pytest.mark.parametrize(("operation", "body", "message"), [
    ("Query", {"KeyConditionExpression": "bookingId = :b", "Limit": 0,
               "ExpressionAttributeValues": {":b": {"S": "b"}}},
     "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member "
     "must have value greater than or equal to 1"),
    ("Scan", {"Limit": 0}, "1 validation error detected: " + constraint(
        "0", "limit", "Member must have value greater than or equal to 1")),
    ("Scan", {"Segment": 0, "TotalSegments": 1_000_001}, "1 validation error detected: "
     + constraint("1000001", "totalSegments",
                  "Member must have value less than or equal to 1000000")),
    ("Scan", {"Segment": 5, "TotalSegments": 5}, "The Segment parameter is zero-based and "
     "must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5"),
    ("Scan", {"Segment": 1}, "The TotalSegments parameter is required but was not present in "
     "the request when Segment parameter is present"),
])
def test_limits_and_segments(fresh_emulator: Emulator, bookings: str, operation: str,
                             body: dict[str, Any], message: str) -> None:
    assert refused(fresh_emulator, operation, {"TableName": bookings, **body}) == (
        VALIDATION, message)


def test_stream_reads_are_capped_at_1000_records(fresh_emulator: Emulator) -> None:
    body = {"ShardIterator": "an-iterator", "Limit": 1001}
    assert refused(fresh_emulator, "GetRecords", body, "DynamoDBStreams_20120810") == (
        VALIDATION, "1 validation error detected: " + constraint(
            "1001", "limit", "Member must have value less than or equal to 1000"))


@pytest.mark.parametrize(("item", "message"), [
    ({"n": {"S": 5}}, "class java.lang.Short can not be converted to an String"),
    ({"n": {"BOOL": "yes"}}, "'YES' can not be converted to an Boolean"),
    ({"n": {"L": {"a": {"S": "x"}}}}, "Start of structure or map found where not expected."),
    ({"n": {"M": []}}, "Start of list found where not expected"),
    ({"n": {"B": "abc"}}, "'abc' can not be converted to a Blob: Base64 encoded length is "
     "expected a multiple of 4 bytes but found: 3"),
])
def test_values_of_the_wrong_json_type_cannot_be_deserialized(
        fresh_emulator: Emulator, bookings: str, item: dict[str, Any], message: str) -> None:
    body = {"TableName": bookings, "Item": {"bookingId": {"S": "b"}, **item}}
    assert refused(fresh_emulator, "PutItem", body) == ("SerializationException", message)


def test_batches_empty_or_naming_a_key_twice(fresh_emulator: Emulator, bookings: str) -> None:
    for operation in ("BatchWriteItem", "BatchGetItem"):
        assert refused(fresh_emulator, operation, {"RequestItems": {}}) == (
            VALIDATION, f"The requestItems parameter is required for {operation}")
    key = {"bookingId": {"S": "twice"}}
    writes = [{"PutRequest": {"Item": {**key, "a": {"S": "1"}}}},
              {"DeleteRequest": {"Key": key}}]
    duplicates = (VALIDATION, "Provided list of item keys contains duplicates")
    assert refused(fresh_emulator, "BatchWriteItem",
                   {"RequestItems": {bookings: writes}}) == duplicates
    assert refused(fresh_emulator, "BatchGetItem",
                   {"RequestItems": {bookings: {"Keys": [key, key]}}}) == duplicates
    get = {"TableName": bookings, "Key": key}
    assert "Item" not in call(fresh_emulator, "GetItem", get)[1]  # the refused Put left nothing


@pytest.mark.parametrize(("extra", "message"), [
    ({"ExpressionAttributeValues": {":v": {"S": "x"}}},
     "ExpressionAttributeValues can only be specified when using expressions: "
     "ConditionExpression is null"),
    ({"ConditionExpression": "attribute_not_exists(bookingId)",
      "ExpressionAttributeNames": {"#unused": "a"}},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"),
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"S": "x"},
                                                                      ":w": {"S": "y"}}},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ({"ConditionExpression": "#a = :v", "ExpressionAttributeNames": {"#a": ""},
      "ExpressionAttributeValues": {":v": {"S": "x"}}},
     "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"),
    ({"ConditionExpression": "a = :v" + " " * 4096, "ExpressionAttributeValues": {
        ":v": {"S": "x"}}}, "Invalid ConditionExpression: Expression size has exceeded the "
     "maximum allowed size; expression size: 4102"),
])
def test_expression_names_and_values(fresh_emulator: Emulator, bookings: str,
                                     extra: dict[str, Any], message: str) -> None:
    body = {"TableName": bookings, "Item": {"bookingId": {"S": "b"}}, **extra}
    assert refused(fresh_emulator, "PutItem", body) == (VALIDATION, message)


def test_projections_and_update_syntax(fresh_emulator: Emulator, bookings: str) -> None:
    key = {"bookingId": {"S": "p"}}
    client = fresh_emulator.client()
    client.put_item(TableName=bookings, Item={**key, "l": {"L": [{"S": "first"}]}})
    used = {"TableName": bookings, "Key": key, "ProjectionExpression": "#l[0]",
            "ExpressionAttributeNames": {"#l": "l"}}  # #l is used, before a list index
    assert call(fresh_emulator, "GetItem", used)[0] == 200
    assert refused(fresh_emulator, "GetItem", {
        "TableName": bookings, "Key": key, "ProjectionExpression": "!!! INVALID !!!"}) == (
        VALIDATION, 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"')
    update = {"TableName": bookings, "Key": key, "UpdateExpression": "INVALID SYNTAX",
              "ExpressionAttributeValues": {":unused": {"S": "x"}}}
    assert refused(fresh_emulator, "UpdateItem", update) == (  # the syntax error comes first
        VALIDATION, 'Invalid UpdateExpression: Syntax error; token: "INVALID", near: '
        '"INVALID SYNTAX"')


def test_keys_empty_oversized_or_of_the_wrong_type(fresh_emulator: Emulator,
                                                   ranged: str) -> None:
    def key(pk: dict[str, Any], sk: dict[str, Any]) -> dict[str, Any]:
        return {"TableName": ranged, "Key": {"pk": pk, "sk": sk}}

    assert refused(fresh_emulator, "GetItem", key({"N": "1"}, {"S": "a"})) == (
        VALIDATION, "The provided key element does not match the schema")
    assert refused(fresh_emulator, "GetItem", key({"S": "x" * 2049}, {"S": "a"})) == (
        VALIDATION, "One or more parameter values were invalid: Size of hashkey has exceeded "
        "the maximum size limit of2048 bytes")
    assert refused(fresh_emulator, "DeleteItem", key({"S": "a"}, {"S": "y" * 1025})) == (
        VALIDATION, "One or more parameter values were invalid: Aggregated size of all range "
        "keys has exceeded the size limit of 1024 bytes")
    assert refused(fresh_emulator, "UpdateItem", key({"S": ""}, {"S": "a"})) == (
        VALIDATION, "One or more parameter values are not valid. The AttributeValue for a key "
        "attribute cannot contain an empty string value. Key: pk")
    assert call(fresh_emulator, "GetItem", key({"S": "x" * 2048}, {"S": "y" * 1024}))[0] == 200


def test_transactions(fresh_emulator: Emulator, bookings: str) -> None:
    get = {"Get": {"TableName": bookings, "Key": {"bookingId": {"S": "t"}}}}
    assert refused(fresh_emulator, "TransactGetItems", {"TransactItems": [get, get]}) == (
        VALIDATION, "Transaction request cannot include multiple operations on one item")
    puts = [{"Put": {"TableName": bookings, "Item": {"bookingId": {"S": f"t{i}"}}}}
            for i in range(101)]
    kind, message = refused(fresh_emulator, "TransactWriteItems", {"TransactItems": puts})
    assert kind == VALIDATION
    assert message.startswith("1 validation error detected: Value '[TransactWriteItem(put=")
    assert message.endswith("' at 'transactItems' failed to satisfy constraint: Member must "
                            "have length less than or equal to 100")
    large = [{"Put": {"TableName": bookings, "Item": {"bookingId": {"S": f"l{i}"},
                                                      "blob": {"S": "x" * 350_000}}}}
             for i in range(12)]
    assert refused(fresh_emulator, "TransactWriteItems", {"TransactItems": large})[0] \
        == VALIDATION
    with pytest.raises(ClientError) as caught:
        fresh_emulator.client().transact_get_items(TransactItems=[
            {"Get": {"TableName": bookings, "Key": {}}}])
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in caught.value.response["CancellationReasons"]] == \
        ["ValidationError"]


def _table(name: str, **extra: Any) -> dict[str, Any]:
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"}
                                     for a in ("pk", "sk", "other")],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}], **extra}


def _index(name: str, hash_key: str, range_key: str | None = None) -> dict[str, Any]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}] + (
        [{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}}


INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(("body", "message"), [
    (_table("tbl", GlobalSecondaryIndexes=[_index("same", "other"), _index("same", "sk")]),
     INVALID + "Duplicate index name: same"),
    ({**_table("tbl", LocalSecondaryIndexes=[_index("lsi", "pk", "other")]),
      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
     INVALID + "Table KeySchema does not have a range key, which is required when specifying "
     "a LocalSecondaryIndex"),
    (_table("tbl", LocalSecondaryIndexes=[_index("lsi", "other", "sk")]),
     INVALID + "Index KeySchema does not have the same leading hash key as table KeySchema "
     "for index: lsi. index hash key: other, table hash key: pk"),
    (_table("tbl", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
     INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
     "BillingMode is PAY_PER_REQUEST"),
    (_table("tbl"), INVALID + "Number of attributes in KeySchema does not exactly match "
     "number of attributes defined in AttributeDefinitions"),
])
def test_create_table_schema_rules(fresh_emulator: Emulator, body: dict[str, Any],
                                   message: str) -> None:
    assert refused(fresh_emulator, "CreateTable", body) == (VALIDATION, message)


def test_update_table_rules_that_need_the_table(fresh_emulator: Emulator) -> None:
    name = f"provisioned-{fresh_emulator.config.stage}"
    table = {**_table(name), "BillingMode": "PROVISIONED",
             "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
             "AttributeDefinitions": _table(name)["AttributeDefinitions"][:2]}
    assert call(fresh_emulator, "CreateTable", table)[0] == 200
    same = {"TableName": name, "ProvisionedThroughput": table["ProvisionedThroughput"]}
    kind, message = refused(fresh_emulator, "UpdateTable", same)
    assert kind == VALIDATION and message.startswith(
        "The provisioned throughput for the table will not change.")
    delete = {"TableName": name, "GlobalSecondaryIndexUpdates": [
        {"Delete": {"IndexName": "nosuch"}}]}
    assert refused(fresh_emulator, "UpdateTable", delete)[0] == "ResourceNotFoundException"
    undefined = {"TableName": name, "GlobalSecondaryIndexUpdates": [
        {"Create": _index("new", "other")}]}
    assert refused(fresh_emulator, "UpdateTable", undefined) == (
        VALIDATION, INVALID + "AttributeDefinitions is not specified for index: new")
    undefined["AttributeDefinitions"] = [{"AttributeName": "pk", "AttributeType": "S"}]
    assert refused(fresh_emulator, "UpdateTable", undefined)[1].startswith(
        INVALID + "Some index key attributes are not defined in AttributeDefinitions.")


def test_key_attributes_cannot_be_updated(fresh_emulator: Emulator, bookings: str) -> None:
    body = {"TableName": bookings, "Key": {"bookingId": {"S": "k"}},
            "AttributeUpdates": {"bookingId": {"Action": "PUT", "Value": {"S": "other"}}}}
    assert refused(fresh_emulator, "UpdateItem", body) == (
        VALIDATION, INVALID + "Cannot update attribute bookingId. This attribute is part of "
        "the key")


def test_tag_operations_read_the_arn(fresh_emulator: Emulator, bookings: str) -> None:
    arn = fresh_emulator.client().describe_table(TableName=bookings)["Table"]["TableArn"]
    tags = [{"Key": "env", "Value": "test"}]
    assert refused(fresh_emulator, "TagResource", {"ResourceArn": "not-an-arn",
                                                   "Tags": tags})[0] == VALIDATION
    other_account = arn.replace(arn.split(":")[4], "000000000000")
    assert refused(fresh_emulator, "ListTagsOfResource",
                   {"ResourceArn": other_account})[0] == "AccessDeniedException"
    assert refused(fresh_emulator, "TagResource", {"ResourceArn": arn + "-gone",
                                                   "Tags": tags})[0] == \
        "ResourceNotFoundException"
    long_key = [{"Key": "k" * 129, "Value": "v"}]
    assert refused(fresh_emulator, "TagResource", {"ResourceArn": arn, "Tags": long_key}) == (
        VALIDATION, "1 validation error detected: " + constraint(
            "k" * 129, "tags.1.member.key", "Member must have length less than or equal to 128"))


@pytest.mark.parametrize("service", ["dynamodb", "dynamodbstreams"])
def test_every_operation_of_the_model_compiles(service: str) -> None:
    model = botocore.session.get_session().get_service_model(service)
    rules = ServiceRules(model)
    for operation in model.operation_names:
        rules.for_operation(operation)


@pytest.mark.parametrize(("operation", "body", "message"), [
    ("Scan", {"ScanFilter": {"a": {"ComparisonOperator": "LE", "AttributeValueList": [
        {"SS": ["x"]}]}}}, INVALID + "ComparisonOperator LE is not valid for SS AttributeValue "
     "type"),
    ("Scan", {"ScanFilter": {"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [
        {"N": "1"}]}}}, INVALID + "ComparisonOperator BEGINS_WITH is not valid for N "
     "AttributeValue type"),
    ("Scan", {"ScanFilter": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [
        {"N": "1"}]}}}, INVALID + "Invalid number of argument(s) for the BETWEEN "
     "ComparisonOperator"),
    ("Query", {"KeyConditions": {"bookingId": {"ComparisonOperator": "NOT_NULL"}}},
     "Attempted conditional constraint is not an indexable operation"),
    ("Query", {"KeyConditionExpression": "bookingId = :b", "Select": "COUNT",
               "ProjectionExpression": "a", "ExpressionAttributeValues": {":b": {"S": "b"}}},
     "Cannot specify the ProjectionExpression when choosing to get COUNT"),
    ("Scan", {"Select": "ALL_PROJECTED_ATTRIBUTES"},
     "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ("GetItem", {"Key": {"bookingId": {"S": "b"}}, "AttributesToGet": ["a", "a"]},
     INVALID + "Duplicate value in attribute name: a"),
    ("PutItem", {"Item": {"bookingId": {"S": "b"}}, "ReturnValues": "ALL_NEW"},
     "ReturnValues can only be ALL_OLD or NONE"),
    ("UpdateTable", {}, "At least one of ProvisionedThroughput, BillingMode, "
     "UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
     "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
     "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"),
])
def test_rules_across_members(fresh_emulator: Emulator, bookings: str, operation: str,
                              body: dict[str, Any], message: str) -> None:
    assert refused(fresh_emulator, operation, {"TableName": bookings, **body}) == (
        VALIDATION, message)


def test_key_conditions_use_only_key_operators(fresh_emulator: Emulator, bookings: str) -> None:
    body = {"TableName": bookings, "ExpressionAttributeValues": {":b": {"S": "b"}}}
    for text, operator in (("bookingId = :b OR bookingId = :b", "OR"),
                           ("bookingId <> :b", "<>"),
                           ("bookingId = :b AND attribute_exists(x)", "attribute_exists")):
        assert refused(fresh_emulator, "Query", {**body, "KeyConditionExpression": text}) == (
            VALIDATION, f"Invalid operator used in KeyConditionExpression: {operator}")


def test_a_transaction_action_with_a_bad_key_cancels_it(fresh_emulator: Emulator,
                                                        bookings: str) -> None:
    with pytest.raises(ClientError) as caught:
        fresh_emulator.client().transact_write_items(TransactItems=[
            {"Put": {"TableName": bookings, "Item": {"bookingId": {"S": "fine"}}}},
            {"Put": {"TableName": bookings, "Item": {"bookingId": {"N": "1"}}}}])
    answer = caught.value.response
    assert answer["Error"]["Code"] == "TransactionCanceledException"
    assert [(r["Code"], r.get("Message")) for r in answer["CancellationReasons"]] == [
        ("None", None), ("ValidationError", INVALID + "Type mismatch for key bookingId "
                         "expected: S actual: N")]
    get = {"TableName": bookings, "Key": {"bookingId": {"S": "fine"}}}
    assert "Item" not in call(fresh_emulator, "GetItem", get)[1]  # nothing was written


def test_rule_violations_are_not_worded_as_constraints(fresh_emulator: Emulator,
                                                       bookings: str) -> None:
    """moto prefixes some of its answers with "1 validation error detected: "; DynamoDB
    does only for constraint violations."""
    body = {"TableName": bookings, "Key": {"bookingId": {"S": "b"}},
            "UpdateExpression": "SET a = :v REMOVE a",
            "ExpressionAttributeValues": {":v": {"S": "x"}}}
    assert refused(fresh_emulator, "UpdateItem", body) == (
        VALIDATION, "Invalid UpdateExpression: Two document paths overlap with each other; "
        "must remove or rewrite one of these paths; path one: [a], path two: [a]")


@pytest.mark.parametrize(("operation", "body", "message"), [
    ("PutItem", {"Item": {"bookingId": {"S": "b"}, "l": {"L": [None, {"S": "x"}]}}},
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
    ("PutItem", {"Item": {"bookingId": {"S": "b"}, "s": {"S": None}}},
     "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
    ("TransactWriteItems", {"TransactItems": [{"Put": None}]},
     "TransactItems can only contain one of Check, Put, Update or Delete"),
])
def test_nulls_where_values_belong(fresh_emulator: Emulator, bookings: str, operation: str,
                                   body: dict[str, Any], message: str) -> None:
    """Found by the fuzz test: each was a crash answered by the generic fallback."""
    if operation != "TransactWriteItems":
        body = {"TableName": bookings, **body}
    assert refused(fresh_emulator, operation, body) == (VALIDATION, message)


def test_parenthesised_key_conditions_are_accepted(fresh_emulator: Emulator,
                                                   ranged: str) -> None:
    body = {"TableName": ranged, "KeyConditionExpression": "(pk = :p) AND (sk BETWEEN :a AND :b)",
            "ExpressionAttributeValues": {":p": {"S": "p"}, ":a": {"S": "a"}, ":b": {"S": "b"}}}
    assert call(fresh_emulator, "Query", body)[0] == 200


def test_an_index_the_table_lacks(fresh_emulator: Emulator, bookings: str) -> None:
    body = {"TableName": bookings, "IndexName": "nosuch-index",
            "KeyConditionExpression": "bookingId = :b",
            "ExpressionAttributeValues": {":b": {"S": "b"}}}
    assert refused(fresh_emulator, "Query", body) == (
        VALIDATION, "The table does not have the specified index: nosuch-index")


@pytest.mark.parametrize(("body", "message"), [
    ({**_table("tbl"), "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "pk", "AttributeType": "S"}]},
     "Attribute Name is duplicated: pk"),
    (_table("tbl", StreamSpecification={"StreamEnabled": True}),
     INVALID + "Table is being created with a stream enabled, UpdateViewType is required"),
    (_table("tbl", GlobalSecondaryIndexes=[{**_index("g-index", "other"), "Projection": {
        "ProjectionType": "INCLUDE"}}]),
     INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ({**_table("tbl", GlobalSecondaryIndexes=[_index("g-index", "other")]),
      "BillingMode": "PROVISIONED",
      "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     INVALID + "ProvisionedThroughput is not specified for index: g-index"),
])
def test_more_create_table_rules(fresh_emulator: Emulator, body: dict[str, Any],
                                 message: str) -> None:
    assert refused(fresh_emulator, "CreateTable", body) == (VALIDATION, message)


def test_update_table_requests_that_change_nothing_or_too_much(
        fresh_emulator: Emulator, bookings: str) -> None:
    kind, message = refused(fresh_emulator, "UpdateTable", {
        "TableName": bookings, "AttributeDefinitions": [
            {"AttributeName": "bookingId", "AttributeType": "S"}]})
    assert kind == VALIDATION and message.startswith("At least one of ProvisionedThroughput, BillingMode, "
                              "UpdateStreamEnabled, GlobalSecondaryIndexUpdates")
    assert refused(fresh_emulator, "UpdateTable", {
        "TableName": bookings, "StreamSpecification": {
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}) == (
        VALIDATION, f"Table already has an enabled stream: TableName: {bookings}")
    two = {"TableName": bookings, "GlobalSecondaryIndexUpdates": [
        {"Delete": {"IndexName": "status-index"}, "Update": {"IndexName": "status-index"}}]}
    assert refused(fresh_emulator, "UpdateTable", two) == (
        VALIDATION, INVALID + "Only one global secondary index action is allowed per "
        "GlobalSecondaryIndexUpdate object")
    existing = {"TableName": bookings, "AttributeDefinitions": [
        {"AttributeName": "status", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": _index("status-index", "status")}]}
    assert refused(fresh_emulator, "UpdateTable", existing) == (
        VALIDATION, "Attempting to create an index which already exists")


def test_tags_rules(fresh_emulator: Emulator, bookings: str) -> None:
    arn = fresh_emulator.client().describe_table(TableName=bookings)["Table"]["TableArn"]
    for tags, message in (
            ([], "Atleast one Tag needs to be provided as Input."),
            ([{"Key": "aws:x", "Value": "v"}], "Tag Key cannot be prefixed with aws:, Key: aws:x"),
            ([{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}],
             "Duplicate Tag Keys provided as input: Duplicate Tag Key found k")):
        assert refused(fresh_emulator, "TagResource", {"ResourceArn": arn, "Tags": tags}) == (
            VALIDATION, message)
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert refused(fresh_emulator, "TagResource", {"ResourceArn": arn, "Tags": many}) == (
        VALIDATION, "Number of Tags exceed the current limit for the provided ResourceArn")
    assert refused(fresh_emulator, "ListTagsOfResource", {"ResourceArn": "table/x"}) == (
        VALIDATION, INVALID + "ARNs must start with 'arn:': table/x")
    index_arn = f"{arn}/index/status-index"
    assert refused(fresh_emulator, "ListTagsOfResource", {"ResourceArn": index_arn}) == (
        VALIDATION, INVALID + "Invalid resource arn provided, only table or stream is "
        f"accepted. Provided resource arn: {index_arn}")

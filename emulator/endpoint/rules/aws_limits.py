"""What DynamoDB enforces on a request's members beyond botocore's model, as data.

botocore's model is the client's view and has drifted from the service's: KeySchema lost its
maximum of 2, stream reads their maxima, and the enum values DynamoDB lists in its messages
come in the service's own order, not the model's. The figures are AWS's documented limits
(API reference pages of each operation); the orders are those DynamoDB's answers show
(recorded in dynalite's and the Parity Suite's tests, both checked against AWS).
"""

from __future__ import annotations

from typing import Any

# Extra constraints by botocore shape name: applied wherever the shape is used.
SHAPE_LIMITS: dict[str, dict[str, Any]] = {
    "KeySchema": {"max": 2},
}
# Extra constraints by (operation, member): the same shape is used with other limits elsewhere.
MEMBER_LIMITS: dict[tuple[str, str], dict[str, Any]] = {
    ("GetRecords", "Limit"): {"max": 1000},
    ("DescribeStream", "Limit"): {"max": 100},
    ("ListStreams", "Limit"): {"max": 100},
    # A GSI's key: up to 4 HASH and 4 RANGE attributes (multi-attribute keys; the counts
    # per role are endpoint/rules/schema.py's)
    **{path: {"max": 8} for path in (
        ("CreateTable", "GlobalSecondaryIndexes.[].KeySchema"),
        ("UpdateTable", "GlobalSecondaryIndexUpdates.[].Create.KeySchema"),
        ("RestoreTableFromBackup", "GlobalSecondaryIndexOverride.[].KeySchema"),
        ("RestoreTableToPointInTime", "GlobalSecondaryIndexOverride.[].KeySchema"),
        ("ImportTable", "TableCreationParameters.GlobalSecondaryIndexes.[].KeySchema"))},
}
# Members DynamoDB requires that botocore's current model leaves optional.
REQUIRED_MEMBERS: dict[str, tuple[str, ...]] = {"CreateTable": ("KeySchema",
                                                                "AttributeDefinitions")}
# Enum values in the order DynamoDB lists them ("Member must satisfy enum value set: [...]").
ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    "ScalarAttributeType": ("B", "N", "S"),
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    "ComparisonOperator": ("IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT",
                           "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"),
    "ConditionalOperator": ("OR", "AND"),
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
}
# Members DynamoDB checks in another order than botocore's model lists them: these, in this
# order, where the first of them stands in the model (a GSI's errors before an LSI's).
MEMBER_ORDER: dict[str, tuple[str, ...]] = {
    "CreateTable": ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"),
    "TransactWriteItems": ("ClientRequestToken", "ReturnConsumedCapacity"),
    "UpdateItem": ("ReturnConsumedCapacity", "TableName", "ReturnValues", "ConditionalOperator",
                   "Key"),
}
# Required members without which DynamoDB reads the request in its older form: every
# member's violations joined in member order, the table name's among them (UpdateItem
# without a Key, recorded by the Parity Suite, 2026).
JOINED_WHEN_MISSING: dict[str, str] = {"UpdateItem": "Key"}
# Members whose absence DynamoDB words as a missing parameter rather than a null member
# ("The parameter 'TableName' is required but was not present in the request"): the
# control plane and the reads that take no key.
REQUIRED_WORDING: frozenset[tuple[str, str]] = frozenset(
    (operation, "TableName") for operation in (
        "CreateTable", "DeleteTable", "DescribeTable", "UpdateTable", "Query", "Scan",
        "DescribeTimeToLive", "UpdateTimeToLive", "DescribeContinuousBackups",
        "UpdateContinuousBackups"))
# Maps DynamoDB refuses empty or missing with its own sentence, before any other check.
REQUIRED_MAPS: dict[str, str] = {"BatchGetItem": "RequestItems", "BatchWriteItem": "RequestItems"}
# Constraints DynamoDB reports from another layer: no value, and the path as the member
# names are spelled on the wire ("Value at 'Limit' failed to satisfy constraint: ...").
BARE_PATHS: frozenset[tuple[str, str]] = frozenset({
    ("Query", "Limit"),
    ("BatchGetItem", "RequestItems.*.Keys"),
})
# Maps keyed by table names, whose malformed names DynamoDB reports on the map as a whole
# ("Map keys must satisfy constraint: [...]"), echoing the map as JSON ("json", with the
# other violations) or as Java prints it ("java", only when nothing else is wrong).
TABLE_NAME_KEYS: dict[tuple[str, str], str] = {
    ("BatchGetItem", "RequestItems"): "json",
    ("BatchWriteItem", "RequestItems"): "java",
}
# How many constraint violations one answer lists at most.
MAX_REPORTED = 10

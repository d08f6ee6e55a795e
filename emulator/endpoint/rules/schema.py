"""DynamoDB's rules for a table's key schema, indexes and capacity in CreateTable and
UpdateTable, checked before any table is looked up, in DynamoDB's order (wording as DynamoDB
answers, recorded in dynalite's tests and the Parity Suite). Rules that need the table as it
is (an index to delete, the current billing mode) are in operations/update_table.py.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.endpoint.wire import WireError

INVALID = "One or more parameter values were invalid: "
MAX_LSIS = 5
MAX_GSIS = 20
MAX_KEY_ATTRIBUTES = 4  # per role in a GSI's key (multi-attribute keys)
MAX_UNITS = 10**12
# What an UpdateTable can change, as DynamoDB names them when a request changes nothing:
# (member of the request that counts as a change, or None; the name in the message).
# Members the request holds are left out of the message; MultiRegionConsistency alone
# changes nothing.
UPDATES = (("ProvisionedThroughput", "ProvisionedThroughput"), ("BillingMode", "BillingMode"),
           ("StreamSpecification", "UpdateStreamEnabled"),
           ("GlobalSecondaryIndexUpdates", "GlobalSecondaryIndexUpdates"),
           ("SSESpecification", "SSESpecification"), ("ReplicaUpdates", "ReplicaUpdates"),
           (None, "MultiAccountReplicaReady"), (None, "ReplicaTransitRoleArn"),
           (None, "MultiRegionConsistency"),
           ("DeletionProtectionEnabled", "DeletionProtectionEnabled"),
           ("OnDemandThroughput", "OnDemandThroughput"), ("WarmThroughput", "WarmThroughput"),
           ("TableClass", "TableClass"))
# A stream's view type with its StreamEnabled: (enabled without one, disabled with one).
CREATE_STREAM = ("Table is being created with a stream enabled, UpdateViewType is required",
                 "Table is being created with a stream disabled, UpdateViewType should not be "
                 "specified")
UPDATE_STREAM = ("If stream is being enabled then UpdateViewType is required",
                 "If stream is being disabled, then UpdateViewType must not be specified")


def create_table(params: dict[str, Any]) -> None:
    _capacity(params, "")
    _stream(params.get("StreamSpecification"), CREATE_STREAM)
    definitions = [d.get("AttributeName") for d in params.get("AttributeDefinitions") or []]
    for position, name in enumerate(definitions):
        if name in definitions[:position]:
            raise _invalid(f"Attribute Name is duplicated: {name}")
    schema = params.get("KeySchema") or []
    _key_schema(schema, definitions)
    lsis = params.get("LocalSecondaryIndexes")
    gsis = params.get("GlobalSecondaryIndexes")
    if lsis is None and gsis is None and len(schema) != len(definitions):
        raise _invalid(INVALID + "Number of attributes in KeySchema does not exactly match "
                       "number of attributes defined in AttributeDefinitions")
    seen: set[str] = set()
    if lsis is not None:
        _local_indexes(lsis, schema, definitions, seen)
    if gsis is not None:
        if not gsis:
            raise _invalid(INVALID + "List of GlobalSecondaryIndexes is empty")
        for index in gsis:
            _index(index, definitions, seen)
            on_demand = params.get("BillingMode") == "PAY_PER_REQUEST"
            if on_demand and index.get("ProvisionedThroughput"):
                raise _invalid(INVALID + "ProvisionedThroughput should not be specified for "
                               f"index: {index.get('IndexName')} when BillingMode is "
                               "PAY_PER_REQUEST")
            if not on_demand and not index.get("ProvisionedThroughput"):
                raise _invalid(INVALID + "ProvisionedThroughput is not specified for index: "
                               f"{index.get('IndexName')}")
        if len(gsis) > MAX_GSIS:
            raise _invalid(INVALID + "GlobalSecondaryIndex count exceeds the per-table limit "
                           f"of {MAX_GSIS}")
    used = {k.get("AttributeName") for k in schema}
    for index in [*(lsis or []), *(gsis or [])]:
        used.update(k.get("AttributeName") for k in index.get("KeySchema") or [])
    unused = [name for name in definitions if name not in used]
    if unused:
        raise _invalid(INVALID + "Some AttributeDefinitions are not used. AttributeDefinitions: "
                       f"[{', '.join(map(str, definitions))}], keys used: "
                       f"[{', '.join(str(n) for n in definitions if n in used)}]")


def update_table(params: dict[str, Any]) -> None:
    if not any(params.get(member) is not None for member, _ in UPDATES if member):
        missing = [name for member, name in UPDATES if params.get(member or name) is None]
        raise _invalid(f"At least one of {', '.join(missing[:-1])} or {missing[-1]} is "
                       "required")
    _stream(params.get("StreamSpecification"), UPDATE_STREAM)
    if params.get("BillingMode") == "PAY_PER_REQUEST" and params.get("ProvisionedThroughput"):
        raise _invalid(INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                       "specified when BillingMode is PAY_PER_REQUEST")
    if params.get("BillingMode") == "PROVISIONED" and not params.get("ProvisionedThroughput"):
        raise _invalid(INVALID + "ProvisionedThroughput must be specified when BillingMode is "
                       "PROVISIONED")
    _units(params.get("ProvisionedThroughput"))
    definitions = [d.get("AttributeName") for d in params.get("AttributeDefinitions") or []]
    updates = params.get("GlobalSecondaryIndexUpdates")
    if updates is not None and not updates:
        raise _invalid(INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    seen: set[str] = set()
    for update in updates or []:
        actions = [a for a in ("Create", "Update", "Delete") if update.get(a) is not None]
        if not actions:
            raise _invalid(INVALID + "One of GlobalSecondaryIndexUpdate.Update, "
                           "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete "
                           "must not be null")
        if len(actions) > 1:
            raise _invalid(INVALID + "Only one global secondary index action is allowed per "
                           "GlobalSecondaryIndexUpdate object")
        action = update[actions[0]]
        name = action.get("IndexName")
        if name in seen:
            raise _invalid(INVALID + "Only one global secondary index update per index is "
                           f"allowed simultaneously. Index: {name}")
        seen.add(name)
        if actions[0] == "Create":
            if not definitions:
                raise _invalid(INVALID + f"AttributeDefinitions is not specified for index: {name}")
            _index(action, definitions, set())
        if actions[0] == "Update":
            _units(action.get("ProvisionedThroughput"))


def _capacity(params: dict[str, Any], index: str) -> None:
    throughput = params.get("ProvisionedThroughput")
    if params.get("BillingMode") == "PAY_PER_REQUEST":
        if throughput:
            raise _invalid(INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                           "specified when BillingMode is PAY_PER_REQUEST")
        return
    if not throughput or not throughput.get("ReadCapacityUnits") or \
            not throughput.get("WriteCapacityUnits"):
        raise _invalid(INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be "
                       "specified when BillingMode is PROVISIONED")
    _units(throughput)


def _stream(specification: Any, wording: tuple[str, str]) -> None:
    if not isinstance(specification, dict):
        return
    enabled, view = specification.get("StreamEnabled"), specification.get("StreamViewType")
    if enabled and view is None:
        raise _invalid(INVALID + wording[0])
    if enabled is False and view is not None:
        raise _invalid(INVALID + wording[1])


def _units(throughput: Any) -> None:
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        units = (throughput or {}).get(member)
        if isinstance(units, int) and units > MAX_UNITS:
            raise _invalid(f"Given value {units} for {member} is out of bounds")


def _key_schema(schema: list[dict[str, Any]], definitions: list[Any],
                global_index: bool = False) -> None:
    keys = [k.get("AttributeName") for k in schema]
    if len(keys) > len(definitions):
        raise _invalid("Invalid KeySchema: Some index key attribute have no definition")
    if any(key not in definitions for key in keys):
        raise _invalid(INVALID + "Some index key attributes are not defined in "
                       f"AttributeDefinitions. Keys: [{', '.join(map(str, keys))}], "
                       f"AttributeDefinitions: [{', '.join(map(str, definitions))}]")
    if len(keys) == 2 and keys[0] == keys[1]:
        raise _invalid("Both the Hash Key and the Range Key element in the KeySchema have the "
                       "same name")
    if schema and schema[0].get("KeyType") != "HASH":
        raise _invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) == 2 and schema[1].get("KeyType") != "RANGE" and not global_index:
        raise _invalid("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def _local_indexes(lsis: list[dict[str, Any]], schema: list[dict[str, Any]],
                   definitions: list[Any], seen: set[str]) -> None:
    if not lsis:
        raise _invalid(INVALID + "List of LocalSecondaryIndexes is empty")
    if len(schema) != 2:
        raise _invalid(INVALID + "Table KeySchema does not have a range key, which is required "
                       "when specifying a LocalSecondaryIndex")
    table_hash = schema[0].get("AttributeName")
    for index in lsis:
        name = index.get("IndexName")
        index_schema = index.get("KeySchema") or []
        _index_keys(index_schema, definitions)
        if len(index_schema) != 2:
            raise _invalid(INVALID + "Index KeySchema does not have a range key for index: "
                           f"{name}")
        index_hash = index_schema[0].get("AttributeName")
        if index_hash != table_hash:
            raise _invalid(INVALID + "Index KeySchema does not have the same leading hash key "
                           f"as table KeySchema for index: {name}. index hash key: "
                           f"{index_hash}, table hash key: {table_hash}")
        _projection(index)
        _unique(name, seen)
    if len(lsis) > MAX_LSIS:
        raise _invalid(INVALID + "Number of LocalSecondaryIndexes exceeds per-table limit of "
                       f"{MAX_LSIS}")


def _index(index: dict[str, Any], definitions: list[Any], seen: set[str]) -> None:
    """A GSI: its key may have up to 4 HASH and then up to 4 RANGE attributes."""
    schema = index.get("KeySchema") or []
    _index_keys(schema, definitions, global_index=True)
    _multi_attribute_keys(schema, index.get("IndexName"))
    _projection(index)
    _unique(index.get("IndexName"), seen)


def _index_keys(schema: list[dict[str, Any]], definitions: list[Any],
                global_index: bool = False) -> None:
    keys = [k.get("AttributeName") for k in schema]
    if any(key not in definitions for key in keys):
        raise _invalid(INVALID + "Some index key attributes are not defined in "
                       f"AttributeDefinitions. Keys: [{', '.join(map(str, keys))}], "
                       f"AttributeDefinitions: [{', '.join(map(str, definitions))}]")
    _key_schema(schema, definitions, global_index)


def _multi_attribute_keys(schema: list[dict[str, Any]], name: Any) -> None:
    kinds = [k.get("KeyType") for k in schema]
    first_range = kinds.index("RANGE") if "RANGE" in kinds else len(kinds)
    if "HASH" in kinds[first_range:]:
        raise _invalid("Invalid KeySchema: A HASH KeySchemaElement cannot follow a RANGE "
                       "KeySchemaElement")
    for kind in ("HASH", "RANGE"):
        if kinds.count(kind) > MAX_KEY_ATTRIBUTES:
            raise _invalid(INVALID + f"Index KeySchema has more than {MAX_KEY_ATTRIBUTES} "
                           f"{kind} key attributes for index: {name}")
    keys = [k.get("AttributeName") for k in schema]
    repeated = [key for position, key in enumerate(keys) if key in keys[:position]]
    if repeated:
        raise _invalid(INVALID + f"Duplicate attribute in Index KeySchema for index: {name}. "
                       f"Attribute: {repeated[0]}")


def _projection(index: dict[str, Any]) -> None:
    projection = index.get("Projection") or {}
    kind = projection.get("ProjectionType")
    if kind is None:
        raise _invalid(INVALID + "Unknown ProjectionType: null")
    attributes = projection.get("NonKeyAttributes")
    if attributes is not None and kind != "INCLUDE":
        raise _invalid(INVALID + f"ProjectionType is {kind}, but NonKeyAttributes is "
                       "specified")
    if attributes is None and kind == "INCLUDE":
        raise _invalid(INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not "
                       "specified")
    names = attributes if isinstance(attributes, list) else []
    for position, name in enumerate(names):
        if name in names[:position]:
            raise _invalid(INVALID + f"Duplicate element in NonKeyAttributes: {name}")


def _unique(name: Any, seen: set[str]) -> None:
    if name in seen:
        raise _invalid(INVALID + f"Duplicate index name: {name}")
    seen.add(name)


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)

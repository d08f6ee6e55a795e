"""What a Query's key condition selects of the table or index it reads, and where an index's
multi-attribute key rules a read out.

A GSI's key may have up to 4 HASH and 4 RANGE attributes (multi-attribute keys). A key
condition names every HASH attribute with `=`, and the RANGE attributes from the first on
with no gap, all with `=` but the last one named, in any order
(expressions/key_conditions.against holds the clauses against the schema, in DynamoDB's
words). `select` turns them into a `KeySelection`: the partition (one value, or a
multi-attribute key's values as one `CompositeKey`), the values of the RANGE attributes fixed
by `=` before the last one named, and the condition on that one, which
`store.indexes.partition_range` reads as one slice of the partition's sort order.

PartiQL cannot read such an index (DynamoDB: "PartiQL statements cannot be executed on
tables with multi-attribute HASH keys or multi-attribute RANGE keys."), reported after the
statement is read and before anything about its WHERE clause: `refuse_partiql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.endpoint.rules.request_rules import LEGACY_CONDITIONS
from ddbkit.emulator.expressions import key_conditions
from ddbkit.emulator.expressions.condition_grammar import ConditionRefused
from ddbkit.emulator.moto_ext import reads
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.operations.key_schema import CONDITION_TYPE
from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.partition_keys import partition_key

__all__ = ["KeySelection", "check_legacy_count", "is_multi_attribute", "refuse_partiql",
           "select"]

PARTIQL_REFUSED = ("PartiQL statements cannot be executed on tables with multi-attribute HASH "
                   "keys or multi-attribute RANGE keys.")


@dataclass(frozen=True)
class KeySelection:
    partition: Any  # a `Key`, or a `CompositeKey` of a multi-attribute partition key
    equal: list[Key]  # the first RANGE attributes' values, fixed by `=`
    comparison: str | None  # on the next RANGE attribute (None: none named)
    values: list[Key]


def select(clauses: list[key_conditions.Clause], table: Any, index: Any) -> KeySelection:
    """The clauses held against the table's or index's key schema and its declared types;
    a ValidationException in DynamoDB's words when they do not fit."""
    try:
        hash_conditions, range_conditions = key_conditions.against(
            clauses, reads.schema(table, index))
    except ConditionRefused as refused:
        raise validation_error(refused.message) from None
    declared = reads.declared_types(table)
    for name, value in [*hash_conditions,
                        *((name, v) for name, _, values in range_conditions for v in values)]:
        if not isinstance(value, dict) or next(iter(value), None) != declared.get(name):
            raise validation_error(CONDITION_TYPE)
    partition = partition_key([Key(value) for _, value in hash_conditions])
    if not range_conditions:
        return KeySelection(partition, [], None, [])
    *fixed, (_, comparison, values) = range_conditions
    return KeySelection(partition, [Key(fixed_values[0]) for _, _, fixed_values in fixed],
                        comparison, [Key(v) for v in values])


def check_legacy_count(conditions: Any, table: Any, index_name: str | None) -> None:
    """Legacy KeyConditions: more than 2 only on a multi-attribute key (the request rules
    refused none or more than 8 already). Checked first, as the request rules' check is,
    whatever the table (None: there is none) or index."""
    if not isinstance(conditions, dict) or len(conditions) <= 2:
        return
    indexes = table.all_indexes() if table is not None and index_name is not None else ()
    if not any(i.name == index_name and is_multi_attribute(i) for i in indexes):
        raise validation_error(LEGACY_CONDITIONS)


def is_multi_attribute(index: Any) -> bool:
    """Whether the index's key has more than one HASH or more than one RANGE attribute."""
    kinds = [k["KeyType"] for k in index.schema]
    return kinds.count("HASH") > 1 or kinds.count("RANGE") > 1


def refuse_partiql(table: Any, index_name: str | None) -> None:
    """A PartiQL statement reading `index_name` of the table: refused when its key is
    multi-attribute (an unknown index is left to the statement's own check)."""
    for index in table.all_indexes() if index_name is not None else ():
        if index.name == index_name and is_multi_attribute(index):
            raise validation_error(PARTIQL_REFUSED)

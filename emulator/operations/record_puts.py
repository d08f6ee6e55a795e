"""One DynamoDB JSON record from a data file stored as PutItem stores an item: ImportTable's
and StartBulkPutItems' writes (under the store lock, inside a journaled block)."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import writes
from ddbkit.emulator.operations.call import OperationError


def put_record(table: Any, item: dict[str, Any]) -> str | None:
    """Stores the item through PutItem's write stages (indexes, stream record); None when
    stored, else why it does not fit the table (a key missing or of another type, a value
    out of range, too big): AWS counts such a record as an error and goes on."""
    try:
        attributes = writes.decoded_map(item)
        keys = writes.item_keys(table, attributes)
        built = writes.build(table, keys, attributes)
    except OperationError as exc:
        return exc.message
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return "The record is not an item in DynamoDB JSON"
    old = writes.read_old(table, keys)
    writes.put(table, keys, built)
    writes.maintain_indexes(table, old, built)
    writes.stream(table, old, built)
    return None

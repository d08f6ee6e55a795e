"""ddbkit's own table objects: a table's settings and items, its secondary indexes, its backups.

Plain objects holding what ddbkit reads and nothing else; every behaviour lives in the
modules that use them (operations/, store/indexes.py, durability/). Attribute names are
the ones the rest of ddbkit reads (`hash_key_attr`, `items`, `global_indexes` ...). Their wire
shapes are ddbkit's: DescribeTable (`store.table_description`), the data dir (`store.settings`).

A table's `items` is an `ItemMap` (`store.item_map`: a dict in parts): hash `Key` -> item, or
hash `Key` -> {range `Key` -> item} for a table with a sort key (`entry` adds the inner dict
as a write stores); a stored item never changes in place (`store.item.Item`). A table keeps
ddbkit's caches in declared attributes: `index_set` (its query indexes, built by
`indexes_for`), `figures` (its counted sizes, `table_description`), each None until built,
and `stream_shard`.

Times are naive UTC datetimes (DescribeTable's CreationDateTime); a new table's creation time
and a new stream's label are the wall clock's, as they always were.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.store.item_map import ItemMap
from ddbkit.emulator.store.stream_shards import Shard

if TYPE_CHECKING:
    from ddbkit.emulator.store.indexes import TableIndexes
    from ddbkit.emulator.store.table_description import Figures

ACTIVE = "ACTIVE"
CREATING = "CREATING"  # a restore's new table until its items and indexes are in place
# The warm throughput DynamoDB reports for on-demand tables and indexes.
DEFAULT_WARM_READ, DEFAULT_WARM_WRITE = 12000, 4000
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-iso-", "aws-iso"),
               ("us-isob-", "aws-iso-b"), ("eusc-", "aws-eusc"))


def utcnow() -> datetime:
    """The wall clock as a naive UTC datetime."""
    return datetime.now(UTC).replace(tzinfo=None)


def partition(region: str) -> str:
    """The AWS partition a region belongs to (its ARNs' second field)."""
    return next((name for prefix, name in _PARTITIONS if region.startswith(prefix)), "aws")


def _throughputs(throughput: dict[str, Any] | None,
                 warm: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ProvisionedThroughput, WarmThroughput) as DynamoDB reports them for what was asked."""
    if throughput:
        warm = warm or {"ReadUnitsPerSecond": throughput["ReadCapacityUnits"],
                        "WriteUnitsPerSecond": throughput["WriteCapacityUnits"]}
    else:
        throughput = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
        warm = warm or {"ReadUnitsPerSecond": DEFAULT_WARM_READ,
                        "WriteUnitsPerSecond": DEFAULT_WARM_WRITE}
    warm["Status"] = ACTIVE
    return throughput, warm


@dataclass
class LocalIndex:
    """An LSI: its name, key schema (wire shape) and projection."""

    name: str
    schema: list[dict[str, str]]
    projection: dict[str, Any]

    @property
    def schema_key_attrs(self) -> list[str]:
        return [key["AttributeName"] for key in self.schema]

    @classmethod
    def create(cls, definition: dict[str, Any]) -> LocalIndex:
        """From a CreateTable LocalSecondaryIndexes entry."""
        return cls(definition["IndexName"], definition["KeySchema"], definition["Projection"])


@dataclass
class GlobalIndex(LocalIndex):
    """A GSI: an LSI's fields plus its status and throughput."""

    status: str = ACTIVE
    throughput: dict[str, Any] = field(default_factory=dict)
    warm_throughput: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, definition: dict[str, Any]) -> GlobalIndex:
        """From a CreateTable GlobalSecondaryIndexes entry (or an UpdateTable Create)."""
        throughput, warm = _throughputs(definition.get("ProvisionedThroughput"),
                                        definition.get("WarmThroughput"))
        return cls(definition["IndexName"], definition["KeySchema"], definition["Projection"],
                   throughput=throughput, warm_throughput=warm)

    def update(self, update: dict[str, Any]) -> None:
        """An UpdateTable Update: its new throughput (and warm throughput)."""
        self.throughput = update.get("ProvisionedThroughput", self.throughput)
        self.warm_throughput = update.get("WarmThroughput", self.warm_throughput)
        self.warm_throughput["Status"] = ACTIVE


class Table:
    """One table: key schema, settings, indexes and items."""

    def __init__(self, name: str, account_id: str, region: str, schema: list[dict[str, Any]],
                 attr: list[dict[str, str]], throughput: dict[str, Any] | None = None,
                 billing_mode: str | None = None,
                 indexes: list[dict[str, Any]] | None = None,
                 global_indexes: list[dict[str, Any]] | None = None,
                 sse_specification: dict[str, Any] | None = None,
                 tags: list[dict[str, str]] | None = None,
                 deletion_protection_enabled: bool | None = False,
                 warm_throughput: dict[str, Any] | None = None) -> None:
        self.name, self.account_id, self.region_name = name, account_id, region
        self.attr, self.schema = attr, schema
        types = {a["AttributeName"]: a["AttributeType"] for a in attr}
        hash_key = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
        range_key = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
        self.hash_key_attr, self.hash_key_type = hash_key, types[hash_key]
        self.range_key_attr = range_key
        self.range_key_type = None if range_key is None else types[range_key]
        self.table_key_attrs = [hash_key] if range_key is None else [hash_key, range_key]
        self.billing_mode = billing_mode
        self.throughput, self.warm_throughput = _throughputs(throughput, warm_throughput)
        self.throughput["NumberOfDecreasesToday"] = 0
        self.indexes = [LocalIndex.create(i) for i in indexes or []]
        self.global_indexes = [GlobalIndex.create(i) for i in global_indexes or []]
        self.created_at = utcnow()
        # When the table last turned on-demand (None: at its creation, or never).
        self.pay_per_request_since: Any = None
        self.items = ItemMap()
        self.table_arn = (f"arn:{partition(region)}:dynamodb:{region}:{account_id}:"
                          f"table/{name}")
        self.tags = tags or []
        self.ttl: dict[str, Any] = {"TimeToLiveStatus": "DISABLED"}
        self.stream_specification: dict[str, Any] | None = {"StreamEnabled": False}
        self.latest_stream_label: str | None = None
        # Streams replaced by enabling the stream again: (label, closed shard), oldest first;
        # their ARNs stay readable, DISABLED (in memory: a restart forgets them)
        self.past_streams: list[tuple[str, Shard]] = []
        self.continuous_backups: dict[str, Any] = {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
        self.sse_specification = sse_specification
        if sse_specification and "KMSMasterKeyId" not in sse_specification:
            sse_specification["KMSMasterKeyId"] = default_kms_key(account_id, region)
        self.deletion_protection_enabled = deletion_protection_enabled
        # CREATING while a restore fills a copy of it off the request path (`restore_jobs`):
        # item operations do not see it, and durability does not record it until ACTIVE.
        self.status = ACTIVE
        # Set when a restore made the table (RestoreSummary).
        self.source_table_arn: str | None = None
        self.source_backup_arn: str | None = None
        self.restore_date_time: datetime | None = None
        # Caches, never copied with the table: a copy (a backup, a restore, new settings)
        # starts without them and builds its own.
        self.index_set: TableIndexes | None = None
        self.figures: Figures | None = None
        self.stream_shard: Shard | None = None  # `stream_shards.of`, `attach`
        # Copies of `items` under way (`store.item_copies`): told of each write before it
        self.copies: list[Any] = []

    def __len__(self) -> int:
        """How many items the table holds."""
        if self.range_key_attr is None:
            return len(self.items)
        return sum(len(entry) for entry in self.items.values())

    def __bool__(self) -> bool:
        return True  # a table is there, however many items it holds

    def all_indexes(self) -> list[LocalIndex]:
        return [*self.global_indexes, *self.indexes]

    @property
    def attribute_keys(self) -> list[str]:
        """Every attribute the table's or an index's key names."""
        return [*self.table_key_attrs, *(key["AttributeName"] for index in
                                         [*self.indexes, *self.global_indexes]
                                         for key in index.schema)]

    @property
    def hash_key_names(self) -> list[str]:
        """The table's partition key and each GSI's."""
        return [self.hash_key_attr, *(k["AttributeName"] for index in self.global_indexes
                                      for k in index.schema if k["KeyType"] == "HASH")]

    @property
    def range_key_names(self) -> list[str]:
        """The table's sort key (if any) and each GSI's."""
        own = [] if self.range_key_attr is None else [self.range_key_attr]
        return [*own, *(k["AttributeName"] for index in self.global_indexes
                        for k in index.schema if k["KeyType"] == "RANGE")]

    def set_stream_specification(self, streams: dict[str, Any] | None) -> bool:
        """Enables the stream (a new label and an empty shard: True) or disables it (the
        label stays, the shard is closed: its records stay readable)."""
        if streams and (streams.get("StreamEnabled") or streams.get("StreamViewType")):
            self.stream_specification = {**streams, "StreamEnabled": True}
            replaced = stream_shards.of(self)
            if replaced is not None and self.latest_stream_label:
                replaced.close()
                self.past_streams.append((self.latest_stream_label, replaced))
            now = utcnow()
            self.latest_stream_label = now.isoformat(timespec="milliseconds")  # as AWS labels
            stream_shards.attach(self, Shard(created=now.replace(tzinfo=UTC).timestamp()))
            return True
        self.stream_specification = {"StreamEnabled": False}
        old = stream_shards.of(self)
        if old is not None:
            old.close()
        return False


def stored_item(table: Table, hash_key: Any, range_key: Any) -> Any:
    """The item stored under these keys, or None."""
    entry = table.items.get(hash_key)
    if range_key is None or entry is None:
        return entry
    return entry.get(range_key)


def before_write(table: Table, hash_key: Any) -> None:
    """Under the store lock, before the entry under `hash_key` changes: each copy of the
    table's items under way keeps it as it was (`store.item_copies`)."""
    for copying in table.copies:
        copying.before_write(hash_key)


def table_items(table: Table) -> list[Any]:
    """Every item stored in the table, in store order ."""
    return list(each_item(table))


def each_item(table: Table) -> Iterator[Any]:
    """Every item of a table no request changes (a restore's, before it serves), one at a
    time: a list of a million young objects is walked whole by each pass of the cyclic
    collector (44 ms in a 1M restore's journaling)."""
    if table.range_key_attr is None:
        return table.items.values()
    return (item for entry in table.items.values() for item in entry.values())


def copied_items(items: ItemMap) -> ItemMap:
    """A copy of a table's items the source's later writes do not reach, a part per call
    (requests go on between them); the items themselves are shared: a stored item never
    changes in place (`store.item.Item`)."""
    with collector_paused():  # a million new entries, frozen once made: left young, each
        return items.copy()  # of the collector's next passes walked them (40-50 ms at 1M)


def default_kms_key(account_id: str, region: str) -> str:
    """The account's AWS-managed DynamoDB key in the region (alias/aws/dynamodb): one ARN
    per account and region, the same after a restart."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"kms:{account_id}:{region}:alias/aws/dynamodb")
    return f"arn:{partition(region)}:kms:{region}:{account_id}:key/{key}"


@dataclass
class Backup:
    """An on-demand backup: a frozen copy of its table (`table`, never changed)."""

    account_id: str
    region_name: str
    name: str
    frozen: Table  # its settings at once; its items once `copying` is done (read `table`)
    creation_date_time: datetime  # naive UTC
    identifier: str
    status: str = "AVAILABLE"
    type: str = "USER"
    items_size: int | None = None  # its items' size, counted once (`backup_size`)
    # The table whose items it copied in the request still running: the journal records
    # the backup as "that table's items at this point" (`durability.recorder`), then clears it.
    taken_from: str | None = None
    # Its items' copy while it is made (`store.item_copies`), slices at a time off the request
    copying: Any = None

    @property
    def table(self) -> Table:
        """Its table, items whole: a copy still under way is finished first (a slice per
        hold of the store lock, or at once by a caller holding it)."""
        copying = self.copying
        if copying is not None:
            self.frozen.items = copying.whole()
            self.copying = None
        return self.frozen

    @property
    def arn(self) -> str:
        return (f"arn:{partition(self.region_name)}:dynamodb:{self.region_name}:"
                f"{self.account_id}:table/{self.frozen.name}/backup/{self.identifier}")


def backup_identifier(created: datetime) -> str:
    """A new backup's id, as DynamoDB makes them: its creation time in milliseconds, zero
    padded, and a random part."""
    millis = int(created.replace(tzinfo=UTC).timestamp() * 1000)
    return f"{millis:014d}-{str(uuid.uuid4())[:8]}"

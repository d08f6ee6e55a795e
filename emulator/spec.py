"""The six marketplace tables, as data: the single source of truth.

Transcribed once from `shared/spec/dynamodb-tables.md` (the AWS export of the deployed tables).
Everything else (CreateTable requests, CloudFormation, the drift check, generators, load-test
access patterns, the docs' tables) is derived from `TABLES`; no other module names a table,
index or key attribute by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ddbkit.emulator.errors import InvalidStageError
from ddbkit.emulator.shapes import KeySchemaElement, Projection

ACCOUNT_ID = "943814145891"
REGION = "us-east-1"
BILLING_MODE = "PAY_PER_REQUEST"
# Every table's (and GSI's) warm throughput as deployed: what it serves at once, in request
# units per second ("Warm Throughput: 12,000 read units/sec, 4,000 write units/sec").
WARM_READ_UNITS = 12_000
WARM_WRITE_UNITS = 4_000
# AWS's PITR window is 1-35 days; every marketplace table keeps the maximum.
PITR_RECOVERY_DAYS = 35

AttrType = Literal["S", "N", "B"]
ProjectionType = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
StreamViewType = Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
_TABLE_NAME_CHARS = re.compile(r"^[A-Za-z0-9_.-]+$")
TABLE_NAME_MAX = 255
TABLE_NAME_PATTERN = "marketplace-{stage}-{key}-table"


@dataclass(frozen=True)
class KeySchema:
    """A primary or index key: partition attribute and optional sort attribute."""

    partition: str
    sort: str | None = None

    @property
    def attributes(self) -> tuple[str, ...]:
        return (self.partition,) if self.sort is None else (self.partition, self.sort)

    def to_wire(self) -> list[KeySchemaElement]:
        schema: list[KeySchemaElement] = [{"AttributeName": self.partition, "KeyType": "HASH"}]
        if self.sort is not None:
            schema.append({"AttributeName": self.sort, "KeyType": "RANGE"})
        return schema


@dataclass(frozen=True)
class GsiSpec:
    name: str
    key: KeySchema
    purpose: str
    projection: ProjectionType = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    def projection_wire(self) -> Projection:
        wire: Projection = {"ProjectionType": self.projection}
        if self.non_key_attributes:
            wire["NonKeyAttributes"] = list(self.non_key_attributes)
        return wire


@dataclass(frozen=True)
class TableSpec:
    """One table as deployed. `key` is the short name (`bookings`), used across the kit."""

    key: str
    primary: KeySchema
    attributes: dict[str, AttrType]
    gsis: tuple[GsiSpec, ...] = ()
    stream_view: StreamViewType | None = None
    ttl_attribute: str | None = None
    pitr: bool = True
    purpose: str = ""
    # Item counts of the deployed dev stage (the spec's export); seed data defaults to these.
    deployed_item_count: int = 0

    def name(self, stage: str | None = None) -> str:
        """The table's name in `stage` (default: DEFAULT_STAGE)."""
        return Stage(stage or DEFAULT_STAGE).table_name(self.key)

    def arn(self, stage: str | None = None, region: str = REGION,
            account_id: str = ACCOUNT_ID) -> str:
        return f"arn:aws:dynamodb:{region}:{account_id}:table/{self.name(stage)}"

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """Every attribute that the table or one of its GSIs keys on, in first-use order."""
        seen: dict[str, None] = dict.fromkeys(self.primary.attributes)
        for gsi in self.gsis:
            seen.update(dict.fromkeys(gsi.key.attributes))
        return tuple(seen)

    def gsi(self, name: str) -> GsiSpec:
        for gsi in self.gsis:
            if gsi.name == name:
                return gsi
        raise KeyError(f"{self.key} has no index {name!r}")


class Stage(str):
    """A stage name, checked once when made: every table name it forms is legal.

    `Stage("dev").table_name("bookings")` is `marketplace-dev-bookings-table`, the one place
    the naming pattern lives. A Stage is a str, so it goes wherever a stage string went.
    """

    def __new__(cls, name: str) -> Stage:
        if isinstance(name, Stage):
            return name
        if not name or not _TABLE_NAME_CHARS.match(name):
            raise InvalidStageError(
                f"stage {name!r} can only hold letters, digits, '_', '-' and '.' "
                "(DynamoDB table-name characters)")
        longest = max(len(TABLE_NAME_PATTERN.format(stage=name, key=t.key)) for t in TABLES)
        if longest > TABLE_NAME_MAX:
            raise InvalidStageError(
                f"stage {name!r} makes a table name of {longest} characters "
                f"(DynamoDB allows {TABLE_NAME_MAX})")
        return super().__new__(cls, name)

    def table_name(self, key: str) -> str:
        return TABLE_NAME_PATTERN.format(stage=self, key=key)


def table_name(key: str, stage: str | None = None) -> str:
    return Stage(stage or DEFAULT_STAGE).table_name(key)


def table_key_of_name(name: str) -> str | None:
    """`marketplace-<any stage>-bookings-table` (or plain `bookings`) -> `bookings`."""
    prefix, suffix = TABLE_NAME_PATTERN.split("{stage}-{key}")
    if name.startswith(prefix) and name.endswith(suffix):
        middle = name[len(prefix):len(name) - len(suffix)]
        return next((t.key for t in TABLES if middle.endswith(f"-{t.key}")), None)
    return name if name in TABLES_BY_KEY else None


def validate_stage(stage: str) -> Stage:
    """The stage as a Stage; raises InvalidStageError naming why it cannot be one."""
    return Stage(stage)


def _s(*names: str) -> dict[str, AttrType]:
    return {n: "S" for n in names}


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        key="bookings",
        primary=KeySchema("bookingId"),
        attributes=_s("bookingId", "customerId", "providerId", "scheduledDate", "status",
                      "createdAt"),
        gsis=(
            GsiSpec("providerBookings-index", KeySchema("providerId", "scheduledDate"),
                    "Query all bookings for a specific provider sorted by date"),
            GsiSpec("customerBookings-index", KeySchema("customerId", "createdAt"),
                    "Query booking history for a customer"),
            GsiSpec("status-index", KeySchema("status", "createdAt"),
                    "Find bookings by status (for admin dashboard)"),
            GsiSpec("customerId-index", KeySchema("customerId"),
                    "Additional customer lookup index"),
        ),
        stream_view="NEW_AND_OLD_IMAGES",
        purpose="Bookings; the stream triggers event processing",
        deployed_item_count=73,
    ),
    TableSpec(
        key="idempotency",
        primary=KeySchema("idempotencyKey"),
        attributes={"idempotencyKey": "S", "result": "S", "ttl": "N"},
        ttl_attribute="ttl",
        purpose="Cached results of booking requests, so a retry returns the first result",
        deployed_item_count=0,
    ),
    TableSpec(
        key="services",
        primary=KeySchema("serviceId"),
        attributes={"serviceId": "S", "providerId": "S", "category": "S", "price": "N"},
        gsis=(
            GsiSpec("category-index", KeySchema("category", "price"),
                    "Search services by category and sort by price"),
            GsiSpec("providerServices-index", KeySchema("providerId", "price"),
                    "List all services offered by a specific provider"),
        ),
        purpose="Services offered by providers",
        deployed_item_count=25,
    ),
    TableSpec(
        key="providers",
        primary=KeySchema("providerId"),
        attributes={"providerId": "S", "serviceArea": "S", "serviceType": "S", "rating": "N",
                    "responseTime": "N", "isAvailable": "S"},
        gsis=(
            GsiSpec("serviceType-index", KeySchema("serviceType", "rating"),
                    "Find providers by service type sorted by rating"),
            GsiSpec("location-index", KeySchema("serviceArea", "rating"),
                    "Find providers by location sorted by rating"),
            GsiSpec("availability-index", KeySchema("isAvailable", "responseTime"),
                    "List available providers sorted by response time"),
        ),
        purpose="Service providers",
        deployed_item_count=5,
    ),
    TableSpec(
        key="reviews",
        primary=KeySchema("reviewId"),
        attributes=_s("reviewId", "bookingId", "providerId", "createdAt"),
        gsis=(
            GsiSpec("providerReviews-index", KeySchema("providerId", "createdAt"),
                    "Fetch all reviews for a provider (for rating calculation)"),
            GsiSpec("bookingReviews-index", KeySchema("bookingId"),
                    "Ensure one review per booking (prevents review bombing)"),
        ),
        purpose="Reviews of completed bookings",
        deployed_item_count=20,
    ),
    TableSpec(
        key="users",
        primary=KeySchema("userId"),
        attributes=_s("userId", "email", "userType", "createdAt"),
        gsis=(
            GsiSpec("email-index", KeySchema("email"), "Look up user by email address"),
            GsiSpec("userType-index", KeySchema("userType", "createdAt"),
                    "Segment users by type (for admin queries, marketing)"),
        ),
        purpose="Application profiles; userId is the Cognito sub",
        deployed_item_count=0,
    ),
)

TABLES_BY_KEY: dict[str, TableSpec] = {t.key: t for t in TABLES}
DEFAULT_STAGE = Stage("dev")


def get_table(key: str) -> TableSpec:
    try:
        return TABLES_BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown table {key!r}; the spec has: {', '.join(TABLES_BY_KEY)}") from None

"""The access-pattern catalogue, derived from the spec plus the marketplace's write flows.

- one Query pattern per GSI (`TABLE/INDEX`): the partition drawn from the seeded data, a
  BETWEEN on the sort key spanning real values under it (dates on scheduledDate and createdAt,
  prices on price, ...), Limit 20, following LastEvaluatedKey for up to 3 pages;
- one GetItem pattern per table (`TABLE/GetItem`);
- the write flows: create a booking through the idempotency table, update a booking's status,
  post a review only if the booking has none, sign up a user only if the email is free.
Adding a GSI to the spec adds its Query pattern.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ddbkit.emulator.shapes import WireItem
from ddbkit.emulator.spec import TABLES, GsiSpec, TableSpec, get_table
from ddbkit.loadtests.client import DynamoClient
from ddbkit.loadtests.keys import KeyPool

QUERY_LIMIT = 20
MAX_PAGES = 3
RETRY_SHARE = 0.3  # share of booking requests that are a client retrying an earlier request
TAKEN_EMAIL_SHARE = 0.1  # sign-ups that try an address already registered
CONDITION_FAILED = frozenset({"ConditionalCheckFailedException"})
# What flow/update-booking-status rewrites in seeded bookings, so the data check ignores it.
REWRITTEN = {"bookings": ("status", "updatedAt")}


@dataclass
class Session:
    """One simulated user's connection, keys and memory (its own idempotency keys)."""

    client: DynamoClient
    pool: KeyPool
    stage: str
    rng: random.Random = field(default_factory=random.Random)
    requests_made: list[str] = field(default_factory=list)

    def table(self, key: str) -> str:
        return get_table(key).name(self.stage)

    def call(self, pattern: AccessPattern, operation: str, body: dict[str, Any],
             expect: frozenset[str] = frozenset(), keys: dict[str, str] | None = None
             ) -> dict[str, Any]:
        """`keys`: the partition-key value the request addresses on each table or GSI it
        consumes units on (see partition_keys), for the report's partition heat."""
        body = {**body, "ReturnConsumedCapacity": "INDEXES"}
        return self.client.call(operation, body, name=pattern.name, expect=expect,
                                context={"table": pattern.table, "index": pattern.index,
                                         "keys": keys or {}})


def value_text(value: dict[str, Any]) -> str:
    """A key attribute's wire value ({"S": "x"}) as plain text."""
    return str(next(iter(value.values())))


def partition_keys(table: TableSpec, item: dict[str, Any]) -> dict[str, str]:
    """The partition-key value `item` (an item, or a key) has in its table and in every GSI
    whose partition attribute it carries, by target (`bookings`, `bookings/status-index`).
    An update that moves an item to another GSI partition is counted on the new value."""
    targets = [(table.key, table.primary.partition)]
    targets += [(f"{table.key}/{g.name}", g.key.partition) for g in table.gsis]
    return {target: value_text(item[attr]) for target, attr in targets if attr in item}


@dataclass(frozen=True)
class AccessPattern:
    name: str
    table: str
    index: str | None
    operation: str
    run: Callable[[Session], None]
    # Tables whose seeded items it draws keys from (checked before a run): its own by default.
    reads_from: tuple[str, ...] = ()

    @property
    def key_tables(self) -> tuple[str, ...]:
        return self.reads_from or (self.table,)


def query_pattern(table: TableSpec, gsi: GsiSpec) -> AccessPattern:
    def run(session: Session) -> None:
        value, sorts = session.pool.partition(table.key, gsi.name, session.rng)
        body: dict[str, Any] = {
            "TableName": session.table(table.key), "IndexName": gsi.name, "Limit": QUERY_LIMIT,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": gsi.key.partition},
            "ExpressionAttributeValues": {":p": value}}
        if gsi.key.sort and len(sorts) > 1:
            low, high = sorted(session.rng.sample(range(len(sorts)), 2))
            body["KeyConditionExpression"] += " AND #s BETWEEN :lo AND :hi"
            body["ExpressionAttributeNames"]["#s"] = gsi.key.sort
            body["ExpressionAttributeValues"].update({":lo": sorts[low], ":hi": sorts[high]})
        keys = {pattern.name: value_text(value)}
        for _ in range(MAX_PAGES):
            page = session.call(pattern, "Query", body, keys=keys)
            if "LastEvaluatedKey" not in page:
                break
            body["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    pattern = AccessPattern(f"{table.key}/{gsi.name}", table.key, gsi.name, "Query", run)
    return pattern


def get_pattern(table: TableSpec) -> AccessPattern:
    def run(session: Session) -> None:
        key = session.pool.primary_key(table.key, session.rng)
        session.call(pattern, "GetItem", {"TableName": session.table(table.key), "Key": key},
                     keys=partition_keys(table, key))

    pattern = AccessPattern(f"{table.key}/GetItem", table.key, None, "GetItem", run)
    return pattern


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _create_booking(session: Session) -> None:
    """The marketplace's idempotent booking request: claim the key, write, cache the result."""
    if session.requests_made and session.rng.random() < RETRY_SHARE:
        request_key = session.rng.choice(session.requests_made)  # a client retrying
    else:
        request_key = str(uuid.uuid4())
        session.requests_made = ([*session.requests_made, request_key])[-50:]
    key = {"idempotencyKey": {"S": request_key}}
    claim = partition_keys(get_table("idempotency"), key)
    claimed = session.call(CREATE_BOOKING, "PutItem", {
        "TableName": session.table("idempotency"),
        "Item": {**key, "ttl": {"N": str(int(time.time()) + 86400)}, "state": {"S": "IN_PROGRESS"}},
        "ConditionExpression": "attribute_not_exists(idempotencyKey)"}, expect=CONDITION_FAILED,
        keys=claim)
    if "__error" in claimed:  # a retry: answer with the cached result, create nothing
        session.call(CREATE_BOOKING, "GetItem", {"TableName": session.table("idempotency"),
                                                 "Key": key, "ConsistentRead": True}, keys=claim)
        return
    service = session.pool.item("services", session.rng)
    customer = session.pool.item("users", session.rng, _is_customer)
    scheduled = datetime.now(UTC) + timedelta(days=session.rng.randint(1, 30))
    booking = {
        "bookingId": {"S": str(uuid.uuid4())}, "customerId": customer["userId"],
        "providerId": service["providerId"], "serviceId": service["serviceId"],
        "scheduledDate": {"S": scheduled.strftime("%Y-%m-%dT10:00:00Z")},
        "status": {"S": "PENDING"}, "createdAt": {"S": _now()},
        "totalPrice": service["price"], "requestKey": {"S": request_key},
        "source": {"S": "loadtest"}}
    session.call(CREATE_BOOKING, "PutItem", {
        "TableName": session.table("bookings"), "Item": booking,
        "ConditionExpression": "attribute_not_exists(bookingId)"},
        keys=partition_keys(get_table("bookings"), booking))
    session.call(CREATE_BOOKING, "UpdateItem", {
        "TableName": session.table("idempotency"), "Key": key,
        "UpdateExpression": "SET #r = :r, #s = :done",
        "ExpressionAttributeNames": {"#r": "result", "#s": "state"},
        "ExpressionAttributeValues": {":r": {"S": json.dumps(booking, sort_keys=True)},
                                      ":done": {"S": "COMPLETED"}}}, keys=claim)


def _is_customer(user: WireItem) -> bool:
    return bool(user["userType"]["S"] == "CUSTOMER")


def _is_completed(booking: WireItem) -> bool:
    return bool(booking["status"]["S"] == "COMPLETED")


def _update_status(session: Session) -> None:
    bookings = get_table("bookings")
    booking = session.pool.primary_item(bookings.key, session.rng)
    status = {"S": session.rng.choice(("CONFIRMED", "IN_PROGRESS", "COMPLETED"))}
    session.call(UPDATE_STATUS, "UpdateItem", {
        "TableName": session.table(bookings.key),
        "Key": {name: booking[name] for name in bookings.primary.attributes},
        "UpdateExpression": "SET #s = :s, #u = :u",
        "ConditionExpression": "attribute_exists(bookingId)",
        "ExpressionAttributeNames": {"#s": "status", "#u": "updatedAt"},
        "ExpressionAttributeValues": {":s": status, ":u": {"S": _now()}}},
        keys=partition_keys(bookings, {**booking, "status": status}))


def _post_review(session: Session) -> None:
    reviews = get_table("reviews")
    index = reviews.gsi("bookingReviews-index")
    booking = session.pool.item("bookings", session.rng, _is_completed)
    existing = session.call(POST_REVIEW, "Query", {
        "TableName": session.table("reviews"), "IndexName": index.name, "Limit": 1,
        "KeyConditionExpression": "#b = :b", "ExpressionAttributeNames": {"#b": "bookingId"},
        "ExpressionAttributeValues": {":b": booking["bookingId"]}},
        keys={f"reviews/{index.name}": value_text(booking["bookingId"])})
    if existing.get("Count", 0):
        return  # one review per booking
    review = {"reviewId": {"S": str(uuid.uuid4())}, "bookingId": booking["bookingId"],
              "providerId": booking["providerId"], "customerId": booking["customerId"],
              "rating": {"N": str(session.rng.randint(1, 5))},
              "comment": {"S": "Load-test review."}, "createdAt": {"S": _now()}}
    session.call(POST_REVIEW, "PutItem", {
        "TableName": session.table("reviews"),
        "ConditionExpression": "attribute_not_exists(reviewId)", "Item": review},
        keys=partition_keys(reviews, review))


def _sign_up(session: Session) -> None:
    if session.rng.random() < TAKEN_EMAIL_SHARE:
        email = session.pool.item("users", session.rng)["email"]
    else:
        email = {"S": f"{uuid.uuid4().hex[:12]}@loadtest.example"}
    users = get_table("users")
    index = users.gsi("email-index")
    taken = session.call(SIGN_UP, "Query", {
        "TableName": session.table("users"), "IndexName": index.name, "Limit": 1,
        "KeyConditionExpression": "#e = :e", "ExpressionAttributeNames": {"#e": "email"},
        "ExpressionAttributeValues": {":e": email}},
        keys={f"users/{index.name}": value_text(email)})
    if taken.get("Count", 0):
        return  # the address is registered: sign-up refused
    user = {"userId": {"S": str(uuid.uuid4())}, "email": email,
            "userType": {"S": "CUSTOMER"}, "createdAt": {"S": _now()}}
    session.call(SIGN_UP, "PutItem", {
        "TableName": session.table("users"), "ConditionExpression": "attribute_not_exists(userId)",
        "Item": user}, keys=partition_keys(users, user))


CREATE_BOOKING = AccessPattern("flow/create-booking", "bookings", None, "Flow", _create_booking,
                               ("services", "users"))
UPDATE_STATUS = AccessPattern("flow/update-booking-status", "bookings", None, "Flow",
                              _update_status)
POST_REVIEW = AccessPattern("flow/post-review", "reviews", "bookingReviews-index", "Flow",
                            _post_review, ("bookings",))
SIGN_UP = AccessPattern("flow/sign-up", "users", "email-index", "Flow", _sign_up)
FLOWS = (CREATE_BOOKING, UPDATE_STATUS, POST_REVIEW, SIGN_UP)


def without_data(pool: KeyPool, names: list[str] | None = None) -> dict[str, str]:
    """Patterns (of `names`, default all) that cannot run: pattern -> the table the dataset
    leaves empty that it draws keys from."""
    empty = {}
    for name, pattern in catalogue().items():
        missing = [t for t in pattern.key_tables if not pool.has(t)]
        if missing and (names is None or name in names):
            empty[name] = missing[0]
    return empty


def catalogue() -> dict[str, AccessPattern]:
    patterns = [query_pattern(t, g) for t in TABLES for g in t.gsis]
    patterns += [get_pattern(t) for t in TABLES]
    patterns += list(FLOWS)
    return {p.name: p for p in patterns}

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
             expect: frozenset[str] = frozenset()) -> dict[str, Any]:
        body = {**body, "ReturnConsumedCapacity": "TOTAL"}
        return self.client.call(operation, body, name=pattern.name, expect=expect,
                                context={"table": pattern.table, "index": pattern.index})


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
        for _ in range(MAX_PAGES):
            page = session.call(pattern, "Query", body)
            if "LastEvaluatedKey" not in page:
                break
            body["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    pattern = AccessPattern(f"{table.key}/{gsi.name}", table.key, gsi.name, "Query", run)
    return pattern


def get_pattern(table: TableSpec) -> AccessPattern:
    def run(session: Session) -> None:
        session.call(pattern, "GetItem", {"TableName": session.table(table.key),
                                          "Key": session.pool.primary_key(table.key, session.rng)})

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
    claimed = session.call(CREATE_BOOKING, "PutItem", {
        "TableName": session.table("idempotency"),
        "Item": {**key, "ttl": {"N": str(int(time.time()) + 86400)}, "state": {"S": "IN_PROGRESS"}},
        "ConditionExpression": "attribute_not_exists(idempotencyKey)"}, expect=CONDITION_FAILED)
    if "__error" in claimed:  # a retry: answer with the cached result, create nothing
        session.call(CREATE_BOOKING, "GetItem", {"TableName": session.table("idempotency"),
                                                 "Key": key, "ConsistentRead": True})
        return
    service = session.pool.item("services", session.rng)
    customer = session.pool.item("users", session.rng, lambda u: u["userType"]["S"] == "CUSTOMER")
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
        "ConditionExpression": "attribute_not_exists(bookingId)"})
    session.call(CREATE_BOOKING, "UpdateItem", {
        "TableName": session.table("idempotency"), "Key": key,
        "UpdateExpression": "SET #r = :r, #s = :done",
        "ExpressionAttributeNames": {"#r": "result", "#s": "state"},
        "ExpressionAttributeValues": {":r": {"S": json.dumps(booking, sort_keys=True)},
                                      ":done": {"S": "COMPLETED"}}})


def _update_status(session: Session) -> None:
    session.call(UPDATE_STATUS, "UpdateItem", {
        "TableName": session.table("bookings"),
        "Key": session.pool.primary_key("bookings", session.rng),
        "UpdateExpression": "SET #s = :s, #u = :u",
        "ConditionExpression": "attribute_exists(bookingId)",
        "ExpressionAttributeNames": {"#s": "status", "#u": "updatedAt"},
        "ExpressionAttributeValues": {":s": {"S": session.rng.choice(("CONFIRMED", "IN_PROGRESS",
                                                                       "COMPLETED"))},
                                      ":u": {"S": _now()}}})


def _post_review(session: Session) -> None:
    index = get_table("reviews").gsi("bookingReviews-index")
    booking = session.pool.item("bookings", session.rng,
                                lambda b: b["status"]["S"] == "COMPLETED")
    existing = session.call(POST_REVIEW, "Query", {
        "TableName": session.table("reviews"), "IndexName": index.name, "Limit": 1,
        "KeyConditionExpression": "#b = :b", "ExpressionAttributeNames": {"#b": "bookingId"},
        "ExpressionAttributeValues": {":b": booking["bookingId"]}})
    if existing.get("Count", 0):
        return  # one review per booking
    session.call(POST_REVIEW, "PutItem", {
        "TableName": session.table("reviews"),
        "ConditionExpression": "attribute_not_exists(reviewId)",
        "Item": {"reviewId": {"S": str(uuid.uuid4())}, "bookingId": booking["bookingId"],
                 "providerId": booking["providerId"], "customerId": booking["customerId"],
                 "rating": {"N": str(session.rng.randint(1, 5))},
                 "comment": {"S": "Load-test review."}, "createdAt": {"S": _now()}}})


def _sign_up(session: Session) -> None:
    if session.rng.random() < TAKEN_EMAIL_SHARE:
        email = session.pool.item("users", session.rng)["email"]
    else:
        email = {"S": f"{uuid.uuid4().hex[:12]}@loadtest.example"}
    index = get_table("users").gsi("email-index")
    taken = session.call(SIGN_UP, "Query", {
        "TableName": session.table("users"), "IndexName": index.name, "Limit": 1,
        "KeyConditionExpression": "#e = :e", "ExpressionAttributeNames": {"#e": "email"},
        "ExpressionAttributeValues": {":e": email}})
    if taken.get("Count", 0):
        return  # the address is registered: sign-up refused
    session.call(SIGN_UP, "PutItem", {
        "TableName": session.table("users"), "ConditionExpression": "attribute_not_exists(userId)",
        "Item": {"userId": {"S": str(uuid.uuid4())}, "email": email,
                 "userType": {"S": "CUSTOMER"}, "createdAt": {"S": _now()}}})


CREATE_BOOKING = AccessPattern("flow/create-booking", "bookings", None, "Flow", _create_booking,
                               ("services", "users"))
UPDATE_STATUS = AccessPattern("flow/update-booking-status", "bookings", None, "Flow",
                              _update_status)
POST_REVIEW = AccessPattern("flow/post-review", "reviews", "bookingReviews-index", "Flow",
                            _post_review, ("bookings",))
SIGN_UP = AccessPattern("flow/sign-up", "users", "email-index", "Flow", _sign_up)
FLOWS = (CREATE_BOOKING, UPDATE_STATUS, POST_REVIEW, SIGN_UP)


def catalogue() -> dict[str, AccessPattern]:
    patterns = [query_pattern(t, g) for t in TABLES for g in t.gsis]
    patterns += [get_pattern(t) for t in TABLES]
    patterns += list(FLOWS)
    return {p.name: p for p in patterns}

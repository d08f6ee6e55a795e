"""Locust users: an abstract user that builds the client and session, and thin personas.

Importing this module imports Locust, which monkey-patches the process for gevent; only the
load runner and its workers import it.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar, Protocol

from locust import User, between, task
from locust.exception import InterruptTaskSet, RescheduleTask, StopUser

from ddbkit.emulator.spec import DEFAULT_STAGE
from ddbkit.loadtests.client import DynamoClient, Endpoint
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import AccessPattern, Session, catalogue, without_data


class ErrorSink(Protocol):
    def on_error(self, pattern: str, exc: BaseException) -> None: ...


class DynamoUser(User):
    """Builds one keep-alive client and session per simulated user; subclasses hold tasks."""

    abstract = True
    endpoint: ClassVar[Endpoint]
    pool: ClassVar[KeyPool]
    stage: ClassVar[str] = DEFAULT_STAGE
    patterns: ClassVar[dict[str, AccessPattern]] = {}
    errors: ClassVar[ErrorSink]  # hears of every failed task (the Recorder)

    def on_start(self) -> None:
        self.client = DynamoClient(self.endpoint, events=self.environment.events)
        self.session = Session(self.client, self.pool, self.stage, random.Random())

    def on_stop(self) -> None:
        self.client.close()

    def run_pattern(self, name: str) -> None:
        """Run one access pattern. A failure is tallied by kind (Recorder.on_error), not
        raised: Locust would log a traceback per failed request, thousands a second.
        Patterns whose tables the dataset leaves empty are skipped (the run said so)."""
        if name not in self.patterns:
            return
        try:
            self.patterns[name].run(self.session)
        except (StopUser, InterruptTaskSet, RescheduleTask):
            raise  # Locust's own control flow, not failures
        except Exception as exc:  # noqa: BLE001 - counted and reported once per kind
            self.errors.on_error(name, exc)


class CustomerUser(DynamoUser):
    """Browses services and providers, books, checks bookings, reviews."""

    weight = 6
    wait_time = between(0.5, 2)

    @task(4)
    def browse_services_by_category(self) -> None:
        self.run_pattern("services/category-index")

    @task(2)
    def providers_near_me(self) -> None:
        self.run_pattern("providers/location-index")

    @task(2)
    def providers_by_type(self) -> None:
        self.run_pattern("providers/serviceType-index")

    @task(1)
    def available_providers(self) -> None:
        self.run_pattern("providers/availability-index")

    @task(1)
    def service_details(self) -> None:
        self.run_pattern("services/GetItem")

    @task(2)
    def book(self) -> None:
        self.run_pattern("flow/create-booking")

    @task(2)
    def my_bookings(self) -> None:
        self.run_pattern("bookings/customerBookings-index")

    @task(1)
    def review(self) -> None:
        self.run_pattern("flow/post-review")

    @task(1)
    def sign_up(self) -> None:
        self.run_pattern("flow/sign-up")


class ProviderUser(DynamoUser):
    """Checks upcoming bookings, moves them along, reads reviews."""

    weight = 2
    wait_time = between(1, 3)

    @task(4)
    def upcoming_bookings(self) -> None:
        self.run_pattern("bookings/providerBookings-index")

    @task(2)
    def update_status(self) -> None:
        self.run_pattern("flow/update-booking-status")

    @task(2)
    def read_reviews(self) -> None:
        self.run_pattern("reviews/providerReviews-index")

    @task(1)
    def my_services(self) -> None:
        self.run_pattern("services/providerServices-index")

    @task(1)
    def my_profile(self) -> None:
        self.run_pattern("providers/GetItem")


class AdminUser(DynamoUser):
    """The admin dashboard: bookings by status, users by type, lookups by email."""

    weight = 1
    wait_time = between(2, 5)

    @task(3)
    def bookings_by_status(self) -> None:
        self.run_pattern("bookings/status-index")

    @task(2)
    def users_by_type(self) -> None:
        self.run_pattern("users/userType-index")

    @task(2)
    def user_by_email(self) -> None:
        self.run_pattern("users/email-index")

    @task(1)
    def booking_details(self) -> None:
        self.run_pattern("bookings/GetItem")


class PatternsUser(DynamoUser):
    """Every pattern equally (or the ones chosen), no think time: to measure each."""

    wait_time = between(0, 0)
    tasks = []  # noqa: RUF012 - Locust reads tasks off the class; configure() fills it


PERSONAS = (CustomerUser, ProviderUser, AdminUser)


def configure(endpoint: Endpoint, pool: KeyPool, stage: str, only: list[str] | None,
              errors: ErrorSink) -> None:
    """Give every user class the run's settings; `only` limits PatternsUser's patterns."""
    empty = without_data(pool)
    patterns = {n: p for n, p in catalogue().items() if n not in empty}
    DynamoUser.endpoint, DynamoUser.pool, DynamoUser.stage = endpoint, pool, stage
    DynamoUser.patterns = patterns
    DynamoUser.errors = errors
    chosen = [patterns[name] for name in (only or patterns) if name in patterns]
    PatternsUser.tasks = [_task(p) for p in chosen]


def _task(pattern: AccessPattern) -> Any:
    def run(user: DynamoUser) -> None:
        user.run_pattern(pattern.name)

    run.__name__ = pattern.name
    return run

"""Drawing faults per request, and the errors as DynamoDB sends them.

An injected error is decided before the request touches the store, so it leaves no trace.
Draws come from one `random.Random(seed)`: with `--fault-seed` the same requests in the same
order meet the same faults.
"""

from __future__ import annotations

import random
from typing import Any

from ddbkit.emulator.faults.plan import ErrorRule, FaultPlan

# type -> (HTTP status, DynamoDB's __type, message)
RESPONSES = {
    "ThrottlingException": ("400 Bad Request", "ThrottlingException",
                            "Rate of requests exceeds the allowed throughput."),
    "ProvisionedThroughputExceededException": (
        "400 Bad Request", "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."),
    "InternalServerError": ("500 Internal Server Error", "InternalServerError",
                            "Internal server error"),
    "ServiceUnavailable": ("503 Service Unavailable", "ServiceUnavailable",
                           "Service Unavailable"),
}
CONFLICT = "Transaction is ongoing for the item"
TRANSACTIONS = {"TransactWriteItems": "TransactItems", "TransactGetItems": "TransactItems",
                "ExecuteTransaction": "TransactStatements"}


class FaultInjector:
    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)

    def draw(self, operation: str) -> tuple[ErrorRule | None, float]:
        """(the error to answer or None, seconds of latency to add)."""
        error = next((rule for rule in self.plan.errors if rule.on.matches(operation)
                      and self.rng.random() < rule.rate), None)
        delay_ms = sum(rule.sample_ms(self.rng.random()) for rule in self.plan.latency
                       if rule.on.matches(operation))
        return error, delay_ms / 1000.0


def error_answer(rule: ErrorRule, operation: str,
                 params: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """(status, error type, message, other fields) of an injected error."""
    if rule.error != "TransactionConflict":
        status, error_type, message = RESPONSES[rule.error]
        return status, error_type, message, {}
    if operation not in TRANSACTIONS:
        return "400 Bad Request", "TransactionConflictException", CONFLICT, {}
    count = max(1, len(params.get(TRANSACTIONS[operation]) or []))
    reasons = [{"Code": "TransactionConflict", "Message": CONFLICT}] + [
        {"Code": "None"}] * (count - 1)
    codes = ", ".join(r["Code"] for r in reasons)
    return ("400 Bad Request", "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons "
            f"[{codes}]", {"CancellationReasons": reasons})

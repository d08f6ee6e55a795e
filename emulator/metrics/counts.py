"""What the request path counts, in plain dicts: a few hundred nanoseconds a request
(bench/bench_metrics.py). The collectors read them when scraped."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from ddbkit.emulator.metrics.buckets import REQUEST_BOUNDS

OK = "ok"
UNKNOWN = "unknown"  # an operation name no service has (a client's typo): one label for all
# A client can name any table (answered ResourceNotFoundException): past this many label
# sets a counter folds new tables into OTHER, so a scrape stays small whatever is sent.
MAX_SERIES = 5000
OTHER = "_other"
ERROR_START = b'{"__type":'  # every error answer's body starts so; no output shape does


class RequestCounts:
    def __init__(self) -> None:
        # (operation, table, outcome): the requests' latency per bucket of REQUEST_BOUNDS
        # (the last one +Inf), then their seconds summed: one lookup a request; the scrape
        # adds the buckets up into the count and, per operation, the histogram.
        self.requests: dict[tuple[str, str, str], list[float]] = {}
        self.capacity: dict[tuple[str, str, str], float] = {}  # (table, index, read|write)
        self.throttled: dict[tuple[str, str], int] = {}  # (table, reason)
        self.faults: dict[tuple[str, str], int] = {}  # (operation, error type or latency)

    def request(self, operation: str, table: str, outcome: str, seconds: float) -> None:
        row = self.requests.get((operation, table, outcome))
        if row is None:
            row = self._row((operation, table, outcome))
        row[bisect_left(REQUEST_BOUNDS, seconds)] += 1  # a value equal to a bound is in it
        row[-1] += seconds

    def _row(self, key: tuple[str, str, str]) -> list[float]:
        if len(self.requests) >= MAX_SERIES:
            key = (key[0], OTHER, key[2])
        return self.requests.setdefault(key, [0] * (len(REQUEST_BOUNDS) + 2))

    def charges(self, meters: Iterable[Any]) -> None:
        """The capacity meters' charges (capacity/meter.py): what ConsumedCapacity answers."""
        capacity = self.capacity
        for meter in meters:
            for charge in meter.charges:
                key = (charge.table, charge.index or "", "write" if charge.write else "read")
                if key in capacity:
                    capacity[key] += charge.units
                else:
                    _add(capacity, key, (OTHER, "", key[2]), charge.units)

    def throttles(self, reasons: Sequence[dict[str, str]]) -> None:
        """A request the throughput model refused: one count per ThrottlingReason."""
        for reason in reasons:
            table = reason.get("resource", "").partition(":table/")[2].partition("/")[0]
            _add(self.throttled, (table, reason.get("reason", "")), (OTHER, ""), 1)

    def fault(self, operation: str, kind: str) -> None:
        _add(self.faults, (operation, kind), (operation, kind), 1)


def _add(counts: dict[Any, Any], key: Any, folded: Any, amount: float) -> None:
    if key not in counts and len(counts) >= MAX_SERIES:
        key = folded
    counts[key] = counts.get(key, 0) + amount


def outcome(body: Iterable[bytes]) -> str:
    """"ok", or the error type an answer's body names (DynamoDB's `__type`, unqualified)."""
    first = body[0] if body.__class__ is list and body else b""
    if first[:10] != ERROR_START:
        return OK
    end = first.find(b'"', len(ERROR_START) + 2)
    name = first[len(ERROR_START):end].strip(b' "')
    return name.rpartition(b"#")[2].decode("utf-8", "replace") or UNKNOWN

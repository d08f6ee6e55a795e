"""Request timestamps as epoch seconds, and epoch seconds as the datetimes answers carry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.utils import parse_timestamp


def epoch(value: Any) -> float:
    """A request's timestamp (epoch seconds or ISO 8601 text, as the API model allows)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(parse_timestamp(value).timestamp())


def naive_utc(moment: float) -> datetime:
    """moto's kind of datetime (naive, in UTC), as backups and restored tables keep them."""
    return datetime.fromtimestamp(moment, UTC).replace(tzinfo=None)


def aware_utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)

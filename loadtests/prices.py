"""On-demand prices (a TOML file, shipped or `--price-table FILE`) and what a run costs.

A month is 730 hours, as AWS's own pricing examples count it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddbkit.emulator.config_file import read_toml
from ddbkit.emulator.errors import ConfigError

DEFAULT_PRICES = Path(__file__).parent / "prices-on-demand.toml"
SECONDS_PER_MONTH = 730 * 3600
_REQUIRED = ("date", "region", "currency", "write_request_units_per_million",
             "read_request_units_per_million")


@dataclass(frozen=True)
class PriceTable:
    date: str
    region: str
    currency: str
    write_per_million: float
    read_per_million: float
    table_class: str = "STANDARD"
    source: str = ""

    def cost(self, read_units: float, write_units: float) -> float:
        """What these request units cost, in `currency`."""
        return (read_units * self.read_per_million + write_units * self.write_per_million) / 1e6

    def describe(self) -> str:
        return (f"{self.currency} {self.write_per_million:g}/M write units, "
                f"{self.read_per_million:g}/M read units ({self.region}, {self.table_class}, "
                f"prices of {self.date})")

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date, "region": self.region, "currency": self.currency,
                "table_class": self.table_class, "source": self.source,
                "write_request_units_per_million": self.write_per_million,
                "read_request_units_per_million": self.read_per_million}


def load_prices(path: Path | None = None) -> PriceTable:
    path = path or DEFAULT_PRICES
    data = read_toml(path, "price table")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ConfigError(f"{path}: price table lacks {', '.join(missing)}")
    prices = []
    for key in _REQUIRED[3:]:
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{path}: {key} must be a non-negative number, got {value!r}")
        prices.append(float(value))
    when = data["date"]
    return PriceTable(when.isoformat() if isinstance(when, datetime.date) else str(when),
                      str(data["region"]), str(data["currency"]), prices[0], prices[1],
                      str(data.get("table_class", "STANDARD")), str(data.get("source", "")))

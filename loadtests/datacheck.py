"""Before any traffic: do the tables hold the dataset the load draws its keys from?

The load regenerates the seeded dataset from the seed options and draws every key from it.
Against tables seeded with other options, or not at all, every GetItem and Query finds
nothing (and succeeds), every conditional update fails: the run measures empty reads. A few
GetItems on sample keys of each table tell the two apart in well under a second.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ddbkit.emulator.connect.clients import make_client, translate_errors
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.shapes import WireItem
from ddbkit.emulator.spec import TableSpec, get_table
from ddbkit.loadtests.config import LoadConfig
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import REWRITTEN, catalogue

SAMPLES = 5  # per table, spread over the dataset: a scale or count mismatch misses most


class DatasetMismatchError(ConfigError):
    """The tables do not hold the dataset the load's keys come from."""


def check_dataset(config: LoadConfig, pool: KeyPool) -> None:
    client = make_client(endpoint_url=config.endpoint_url, region=config.region,
                         profile=config.profile, connect_timeout=3, max_attempts=1)
    with translate_errors(client.meta.endpoint_url):
        missing = [t for t in tables_to_check(config) if not _holds(client, config.stage,
                                                                     get_table(t), pool)]
    if missing:
        raise DatasetMismatchError(_message(config, client.meta.endpoint_url, missing))


def tables_to_check(config: LoadConfig) -> list[str]:
    """The tables the run's patterns draw keys from, except those TTL empties on its own:
    their seeded items expire, so a miss there says nothing about the seed options."""
    known = catalogue()
    names = config.patterns or tuple(known)
    tables = {table for name in names for table in known[name].key_tables}
    return sorted(t for t in tables if get_table(t).ttl_attribute is None)


def _holds(client: Any, stage: str, table: TableSpec, pool: KeyPool) -> bool:
    """Most samples found as generated. Other seed options change every id (seed, scale,
    counts) or every date and reference (anchor, skew); one edited item is no reason to stop."""
    samples = pool.samples(table.key, SAMPLES)
    if not samples:
        return True  # the dataset leaves this table empty: nothing to find
    matching = sum(_matches(client, stage, table, item) for item in samples)
    return matching * 2 > len(samples)


def _matches(client: Any, stage: str, table: TableSpec, expected: WireItem) -> bool:
    key = {name: expected[name] for name in table.primary.attributes}
    found = client.get_item(TableName=table.name(stage), Key=key, ConsistentRead=True)
    item = found.get("Item")
    # The load queries on the index key attributes; it rewrites some itself, so skip those.
    compared = set(table.key_attributes) - set(REWRITTEN.get(table.key, ()))
    return item is not None and all(_same(expected.get(a), item.get(a)) for a in compared)


def _same(expected: Any, found: Any) -> bool:
    """Wire values equal; numbers by value, as DynamoDB answers 4.00 as 4."""
    if isinstance(expected, dict) and isinstance(found, dict) and "N" in expected and "N" in found:
        return Decimal(expected["N"]) == Decimal(found["N"])
    return bool(expected == found)


def _message(config: LoadConfig, url: str, missing: list[str]) -> str:
    return (f"the tables at {url} do not hold the dataset the load draws keys from "
            f"({config.dataset.describe()}): sampled {', '.join(missing)} items are missing "
            f"or differ; "
            f"seed it with `{_seed_command(config)}` or pass the seed options you seeded with "
            f"(--seed, --scale, --count, --skew, --anchor or --from)")


def _seed_command(config: LoadConfig) -> str:
    words = ["ddbkit seed"]
    for option, value in (("--endpoint-url", config.endpoint_url), ("--region", config.region),
                          ("--profile", config.profile), ("--stage", config.stage)):
        words += [option, value] if value else []
    return " ".join([*words, *config.dataset.cli_options()])

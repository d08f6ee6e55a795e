"""Trigger definitions from `--trigger TABLE=module:function` or a TOML file.

    # triggers.toml
    [[trigger]]
    table = "bookings"
    handler = "ddbkit.examples.booking_summary:handler"
    batch_size = 100
    starting_position = "TRIM_HORIZON"        # or "LATEST"
    maximum_retry_attempts = 2                # -1: retry until the records expire (AWS default)
    bisect_batch_on_function_error = true
    report_batch_item_failures = true
    maximum_record_age_seconds = -1
    maximum_batching_window_seconds = 0
    on_failure = ".ddbkit/failed-bookings.jsonl"
    timeout_seconds = 30
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ddbkit.emulator.config_file import read_toml
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import TABLES_BY_KEY
from ddbkit.emulator.streams.triggers import TriggerConfig

_FIELDS = {f.name: f for f in dataclasses.fields(TriggerConfig)}


def parse_trigger_option(value: str) -> TriggerConfig:
    table, sep, handler = value.partition("=")
    if not sep:
        raise ConfigError(f"--trigger expects TABLE=package.module:function, got {value!r}")
    return make_trigger({"table": table.strip(), "handler": handler.strip()}, "--trigger")


def load_trigger_file(path: Path) -> list[TriggerConfig]:
    document = read_toml(path, "trigger file")
    entries = document.get("trigger", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected one or more [[trigger]] tables")
    return [make_trigger(entry, f"{path} trigger {n}") for n, entry in enumerate(entries, 1)]


def make_trigger(entry: dict[str, Any], where: str) -> TriggerConfig:
    unknown = sorted(set(entry) - set(_FIELDS) - {"code_paths"})
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r} (known: "
                          + ", ".join(n for n in _FIELDS if n != "code_paths") + ")")
    for required in ("table", "handler"):
        if not entry.get(required):
            raise ConfigError(f"{where}: {required!r} is required")
    if entry["table"] not in TABLES_BY_KEY or not TABLES_BY_KEY[entry["table"]].stream_view:
        streamed = [t.key for t in TABLES_BY_KEY.values() if t.stream_view]
        raise ConfigError(f"{where}: table {entry['table']!r} has no stream in the spec "
                          f"(streamed: {', '.join(streamed)})")
    if ":" not in entry["handler"]:
        raise ConfigError(f"{where}: handler {entry['handler']!r} must look like "
                          "package.module:function")
    if entry.get("starting_position", "TRIM_HORIZON") not in ("TRIM_HORIZON", "LATEST"):
        raise ConfigError(f"{where}: starting_position must be TRIM_HORIZON or LATEST")
    if not 1 <= int(entry.get("batch_size", 100)) <= 10_000:
        raise ConfigError(f"{where}: batch_size must be 1-10000 (Lambda's range)")
    if "code_paths" in entry:
        entry = {**entry, "code_paths": tuple(entry["code_paths"])}
    try:
        return TriggerConfig(**entry)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc

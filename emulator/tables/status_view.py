"""The `ddbkit status` table: live tables beside the spec, one row per table."""

from __future__ import annotations

from rich.table import Table

from ddbkit.emulator.tables.drift import LiveTable, differences


def key_text(schema: list[dict[str, str]]) -> str:
    """`partition / sort`; a GSI's multi-attribute key: each role's attributes joined by
    `+` (`tour + zone / round + seq`)."""
    roles = [" + ".join(k["AttributeName"] for k in schema if k["KeyType"] == kind)
             for kind in ("HASH", "RANGE")]
    return " / ".join(role for role in roles if role)


def _keys(live: LiveTable) -> str:
    return key_text((live.description or {}).get("KeySchema", []))


def _gsis(live: LiveTable) -> str:
    lines = []
    for name, gsi in live.gsis.items():
        keys = key_text(gsi.get("KeySchema", []))
        lines.append(f"{name} ({keys}; {gsi.get('Projection', {}).get('ProjectionType')})")
    return "\n".join(lines) or "-"


def status_table(live_tables: list[LiveTable], title: str) -> Table:
    table = Table(title=title, show_lines=True)
    for column in ("table", "keys", "GSIs (keys; projection)", "billing", "stream", "TTL",
                   "PITR", "items", "matches spec"):
        table.add_column(column, overflow="fold")
    for live in live_tables:
        if not live.exists:
            table.add_row(live.spec.key, *["-"] * 7, "[red]missing[/red]")
            continue
        ok = not differences(live)
        table.add_row(
            live.spec.key, _keys(live), _gsis(live), live.billing_mode,
            live.stream_view or "-", live.ttl_attribute or "-",
            f"{live.pitr_days} days" if live.pitr_days else "-",
            str(live.item_count), "[green]yes[/green]" if ok else "[red]no[/red]",
        )
    return table

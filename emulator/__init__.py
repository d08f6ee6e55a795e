"""The local emulator: what a user imports, by name.

    from ddbkit.emulator import Emulator, EmulatorConfig, ServerConfig

    with Emulator(EmulatorConfig(server=ServerConfig(port=0))) as emulator:
        client = emulator.client()            # boto3, pointed at the endpoint

Rooms, by concern: `spec` (the six tables, `Stage`), `errors`, `runtime` (`Emulator`:
server, TTL reaper and triggers as one start/stop unit), `serve` (`ddbkit up`'s lifecycle),
`ttl` (the reaper), `process` and `pytest_plugin` (the emulator in a child process);
`connect/` (boto3 clients, where a client command goes, the announced endpoint, admin
calls), `commands/` (the emulator's CLI commands); `tables/` (schema,
provisioning, drift, reset, status view), `endpoint/` (the request path: protocol, HTTP,
server, WSGI app, validation, wire format), `streams/` (reader, triggers, handler processes,
tail), `moto_ext/` (every change to moto, behind one door) and `durability/` (journal,
snapshots, restore).

Names load on first use, so importing the spec or the errors does not import moto.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddbkit.emulator.lazy import lazy_exports

if TYPE_CHECKING:
    from ddbkit.emulator.endpoint.server import ServerConfig
    from ddbkit.emulator.errors import (
        ConfigError,
        DdbkitError,
        EndpointError,
        EndpointUnreachableError,
        InvalidStageError,
        PortInUseError,
        SchemaDriftError,
        ServerError,
    )
    from ddbkit.emulator.runtime import Emulator, EmulatorConfig
    from ddbkit.emulator.spec import DEFAULT_STAGE, TABLES, GsiSpec, Stage, TableSpec, get_table
    from ddbkit.emulator.streams.triggers import TriggerConfig

_EXPORTS = {
    "Emulator": "runtime", "EmulatorConfig": "runtime", "ServerConfig": "endpoint.server",
    "TriggerConfig": "streams.triggers",
    "TABLES": "spec", "TableSpec": "spec", "GsiSpec": "spec", "Stage": "spec",
    "DEFAULT_STAGE": "spec", "get_table": "spec",
    "DdbkitError": "errors", "ConfigError": "errors", "InvalidStageError": "errors",
    "ServerError": "errors", "PortInUseError": "errors", "EndpointError": "errors",
    "EndpointUnreachableError": "errors", "SchemaDriftError": "errors",
}
__all__ = [
    "DEFAULT_STAGE",
    "TABLES",
    "ConfigError",
    "DdbkitError",
    "Emulator",
    "EmulatorConfig",
    "EndpointError",
    "EndpointUnreachableError",
    "GsiSpec",
    "InvalidStageError",
    "PortInUseError",
    "SchemaDriftError",
    "ServerConfig",
    "ServerError",
    "Stage",
    "TableSpec",
    "TriggerConfig",
    "get_table",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)

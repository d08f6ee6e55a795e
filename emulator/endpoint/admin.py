"""The emulator's own admin calls, beside the DynamoDB API: named states (`durability.states`).

Requests look like DynamoDB's (POST, JSON body, `X-Amz-Target: DDBKitAdmin.<Operation>`), so
they pass the same Host check and, with `--auth`, the same SigV4 check, and errors come back
in DynamoDB's format (`__type`, `message`). `ddbkit state ...` and the pytest plugin call them
(`emulator.connect.admin_client`).

    DDBKitAdmin.SaveState     {"Name": "seeded"}  -> {"State": {"Name", "Tables", "Items", ...}}
    DDBKitAdmin.RestoreState  {"Name": "seeded"}  -> {"State": {...}}
    DDBKitAdmin.DeleteState   {"Name": "seeded"}  -> {}
    DDBKitAdmin.ListStates    {}                  -> {"States": [{...}, ...]}
"""

from __future__ import annotations

import json
from typing import Any

from ddbkit.emulator.durability.states import NamedStates, StateError
from ddbkit.emulator.endpoint.wire import WireError
from ddbkit.emulator.store.clock import Clock, running_on

ADMIN_TARGET = "DDBKitAdmin"
ADMIN_PREFIX = ADMIN_TARGET + "."
OPERATIONS = ("SaveState", "RestoreState", "DeleteState", "ListStates")


class Admin:
    def __init__(self, account_id: str, region: str, clock: Clock) -> None:
        self.states = NamedStates(account_id, region)
        self.clock = clock

    def call(self, operation: str, body: bytes) -> bytes:
        """The answer's JSON body; raises WireError for anything refused."""
        if operation not in OPERATIONS:
            raise WireError("UnknownOperationException",
                            f"{operation} is not an admin operation of this emulator "
                            f"(one of {', '.join(OPERATIONS)})")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise WireError("SerializationException", "the body is not JSON") from None
        if not isinstance(params, dict):
            raise WireError("SerializationException", "the body is not a JSON object")
        try:
            # No store lock here: a save or restore takes it only for short holds itself (it
            # runs in a thread of its own, `endpoint.http`), and journals what it must.
            with running_on(self.clock):
                return json.dumps(self._answer(operation, params)).encode()
        except StateError as exc:
            raise WireError(exc.kind, str(exc)) from None

    def _answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("Name")
        if operation == "SaveState":
            return {"State": self.states.save(name).as_json()}  # type: ignore[arg-type]
        if operation == "RestoreState":
            return {"State": self.states.restore(name).as_json()}  # type: ignore[arg-type]
        if operation == "DeleteState":
            self.states.delete(name)  # type: ignore[arg-type]
            return {}
        return {"States": [info.as_json() for info in self.states.list()]}

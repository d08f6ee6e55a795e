"""Raw DynamoDB requests over HTTP for the tests of hostile input: JSON as a client without
botocore's own checks sends it, and the answer as the server wrote it."""

from __future__ import annotations

import http.client
import json
from typing import Any

from ddbkit.emulator.runtime import Emulator


def call(emulator: Emulator, operation: str, body: Any, *, raw: bytes | None = None,
         service: str = "DynamoDB_20120810") -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.server.port, timeout=30)
    conn.request("POST", "/", body=raw if raw is not None else json.dumps(body), headers={
        "X-Amz-Target": f"{service}.{operation}", "Content-Type": "application/x-amz-json-1.0"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def error(answer: tuple[int, dict[str, Any]]) -> tuple[int, str, str]:
    status, body = answer
    return status, body.get("__type", "").rpartition("#")[2], body.get("message", "")

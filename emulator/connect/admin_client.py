"""Calls to the emulator's admin operations (`endpoint.admin`), SigV4-signed like any request.

    states = AdminClient("http://127.0.0.1:8000")
    states.call("SaveState", Name="seeded")
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ddbkit.emulator.connect.clients import (
    PLACEHOLDER_CREDENTIALS,
    check_endpoint_url,
    signing_session,
)
from ddbkit.emulator.endpoint.admin import ADMIN_TARGET
from ddbkit.emulator.errors import EndpointError, EndpointUnreachableError
from ddbkit.emulator.spec import REGION

TIMEOUT = 120  # a restore of a large state takes a while; never hang forever


class AdminClient:
    def __init__(self, endpoint_url: str, region: str | None = None,
                 profile: str | None = None, aws_config: bool = True,
                 timeout: float = TIMEOUT) -> None:
        self.endpoint_url, self.timeout = check_endpoint_url(endpoint_url), timeout
        session, found = signing_session(endpoint_url, region, profile, aws_config)
        self.region = session.region_name or REGION
        self.credentials = found.get_frozen_credentials() if found else Credentials(
            PLACEHOLDER_CREDENTIALS["aws_access_key_id"],
            PLACEHOLDER_CREDENTIALS["aws_secret_access_key"])

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        body = json.dumps(params).encode()
        request = AWSRequest("POST", self.endpoint_url, data=body, headers={
            "X-Amz-Target": f"{ADMIN_TARGET}.{operation}",
            "Content-Type": "application/x-amz-json-1.0"})
        SigV4Auth(self.credentials, "dynamodb", self.region).add_auth(request)
        sent = urllib.request.Request(self.endpoint_url, data=body, method="POST",
                                      headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(sent, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"{}")  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            raise EndpointError(f"{self.endpoint_url}: {_error(exc.read())}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise EndpointUnreachableError(f"cannot reach {self.endpoint_url}: "
                                           f"{getattr(exc, 'reason', exc)}") from exc


def _error(body: bytes) -> str:
    try:
        error = json.loads(body)
        return f"{str(error['__type']).rpartition('#')[2]}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace")[:200]

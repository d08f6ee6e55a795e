"""Opt-in SigV4 (`--auth`) and the Host check: who may talk to the endpoint.

Each refusal is checked for DynamoDB's error type and wording, as SDKs and people read them.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.endpoint.auth import (
    MISSING_TOKEN,
    UNKNOWN_KEY,
    WRONG_SIGNATURE,
    Credentials,
    SigV4Verifier,
)
from ddbkit.emulator.endpoint.guard import HostAllowList, exposure_warning
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.endpoint.wire import WireError
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.emulator.spec import TABLES

BIN = Path(sys.executable).parent
KEY, SECRET = "AKIDDDBKITTEST", "s3cr3t/with+chars"
LIST_TABLES = "DynamoDB_20120810.ListTables"


@pytest.fixture(scope="module")
def guarded() -> Iterator[EmulatorServer]:
    config = ServerConfig(port=0, auth=(Credentials(KEY, SECRET), Credentials("AKIDOTHER", "x")))
    with EmulatorServer(config) as server:
        yield server


def _client(server: EmulatorServer, key: str = KEY, secret: str = SECRET,
            service: str = "dynamodb") -> Any:
    return make_client(service, endpoint_url=server.endpoint_url, region="eu-west-1",
                       credentials=(key, secret), max_attempts=1)


def _signed(server: EmulatorServer, at: datetime | None = None, key: str = KEY,
            secret: str = SECRET, body: bytes = b"{}") -> dict[str, str]:
    """Headers of a ListTables that botocore signed (at `at`, if given)."""
    request = AWSRequest("POST", server.endpoint_url + "/", data=body, headers={
        "X-Amz-Target": LIST_TABLES, "Content-Type": "application/x-amz-json-1.0"})
    signer = SigV4Auth(BotoCredentials(key, secret), "dynamodb", "us-east-1")
    if at is None:
        signer.add_auth(request)
    else:
        real = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: at  # botocore reads the time from here
        try:
            signer.add_auth(request)
        finally:
            botocore.auth.get_current_datetime = real
    return dict(request.headers.items())


def _post(server: EmulatorServer, headers: dict[str, str], body: bytes = b"{}",
          host: str | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/", skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{server.port}")
    for name, value in {"X-Amz-Target": LIST_TABLES,
                        "Content-Type": "application/x-amz-json-1.0", **headers}.items():
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _error(answer: Any) -> tuple[str, str]:
    return answer["__type"].split("#")[1], answer["message"]


# -- accepted ------------------------------------------------------------------------------

def test_a_correctly_signed_boto3_client_is_served(guarded: EmulatorServer) -> None:
    assert isinstance(_client(guarded).list_tables()["TableNames"], list)
    assert isinstance(_client(guarded, "AKIDOTHER", "x").list_tables()["TableNames"], list)


def test_a_correctly_signed_streams_client_is_served(guarded: EmulatorServer) -> None:
    assert isinstance(_client(guarded, service="dynamodbstreams").list_streams()["Streams"],
                      list)


def test_the_health_probe_needs_no_signature(guarded: EmulatorServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", guarded.port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"healthy: ddbkit"


def test_the_aws_cli_signs_and_is_served(guarded: EmulatorServer) -> None:
    def aws(secret: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1")
        return subprocess.run([str(BIN / "aws"), "dynamodb", "list-tables", "--endpoint-url",
                               guarded.endpoint_url, "--output", "json"],
                              capture_output=True, text=True, env=env, timeout=120)

    served = aws(SECRET)
    assert served.returncode == 0, served.stderr
    assert "TableNames" in json.loads(served.stdout)
    refused = aws("not-the-secret")
    assert refused.returncode != 0 and "(InvalidSignatureException)" in refused.stderr


# -- refused -------------------------------------------------------------------------------

@pytest.mark.parametrize(("authorization", "error_type", "message"), [
    (None, "MissingAuthenticationTokenException", MISSING_TOKEN),
    ("garbage", "MissingAuthenticationTokenException", MISSING_TOKEN),
    ("AWS4-HMAC-SHA256 garbage", "IncompleteSignatureException",
     "Authorization header requires 'Credential' parameter. Authorization header requires "
     "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
     "Authorization=AWS4-HMAC-SHA256 garbage"),
])
def test_a_missing_or_malformed_signature_is_refused(
        guarded: EmulatorServer, authorization: str | None, error_type: str,
        message: str) -> None:
    headers = _signed(guarded)
    del headers["Authorization"]
    if authorization is not None:
        headers["Authorization"] = authorization
    status, answer = _post(guarded, headers)
    assert status == 400 and _error(answer) == (error_type, message)


def test_an_unknown_access_key_is_refused(guarded: EmulatorServer) -> None:
    with pytest.raises(ClientError) as caught:
        _client(guarded, key="AKIDNOBODY").list_tables()
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("UnrecognizedClientException", UNKNOWN_KEY)


def test_a_wrong_secret_is_refused(guarded: EmulatorServer) -> None:
    with pytest.raises(ClientError) as caught:
        _client(guarded, secret="not-the-secret").list_tables()
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidSignatureException", WRONG_SIGNATURE)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_body_changed_after_signing_is_refused(guarded: EmulatorServer) -> None:
    status, answer = _post(guarded, _signed(guarded), body=b'{"Limit": 1}')
    assert status == 400 and _error(answer) == ("InvalidSignatureException", WRONG_SIGNATURE)


def test_an_expired_signature_is_refused(guarded: EmulatorServer) -> None:
    signed_at = datetime.now(UTC) - timedelta(minutes=10)
    status, answer = _post(guarded, _signed(guarded, at=signed_at))
    error_type, message = _error(answer)
    assert status == 400 and error_type == "InvalidSignatureException"
    stamp = signed_at.strftime("%Y%m%dT%H%M%SZ")
    assert message.startswith(f"Signature expired: {stamp} is now earlier than ")
    assert message.endswith(" - 5 min.)")


def test_a_signature_from_the_future_is_refused(guarded: EmulatorServer) -> None:
    status, answer = _post(guarded, _signed(guarded, at=datetime.now(UTC)
                                            + timedelta(minutes=10)))
    error_type, message = _error(answer)
    assert status == 400 and error_type == "InvalidSignatureException"
    assert message.startswith("Signature not yet current: ") and message.endswith("+ 5 min.)")


# -- the verifier's rules, with a fixed clock ------------------------------------------------

NOW = datetime(2025, 12, 4, 12, 0, 0, tzinfo=UTC)
STAMP = "20251204T120000Z"


def _verify(authorization: str, amz_date: str = STAMP, **extra: str) -> tuple[str, str]:
    verifier = SigV4Verifier([Credentials(KEY, SECRET)], clock=lambda: NOW)
    headers = {"authorization": authorization, "host": "127.0.0.1:8000"} | extra
    if amz_date:
        headers["x-amz-date"] = amz_date
    with pytest.raises(WireError) as caught:
        verifier.verify("POST", "/", "", headers, b"{}")
    return caught.value.error_type, caught.value.message


def _auth(credential: str = f"{KEY}/20251204/us-east-1/dynamodb/aws4_request",
          signed: str = "host;x-amz-date", algorithm: str = "AWS4-HMAC-SHA256") -> str:
    return f"{algorithm} Credential={credential}, SignedHeaders={signed}, Signature=abc"


@pytest.mark.parametrize(("authorization", "date", "expected"), [
    (_auth(), "", ("IncompleteSignatureException",
                   "Authorization header requires existence of either a 'X-Amz-Date' or a "
                   f"'Date' header. Authorization={_auth()}")),
    (_auth(), "2025-12-04", ("IncompleteSignatureException",
                             "Date must be in ISO-8601 'basic format'. Got '2025-12-04'. "
                             "See http://en.wikipedia.org/wiki/ISO_8601")),
    (_auth(), "20251204T115400Z", ("InvalidSignatureException",
                                   "Signature expired: 20251204T115400Z is now earlier than "
                                   "20251204T115500Z (20251204T120000Z - 5 min.)")),
    (_auth(signed="x-amz-date"), STAMP, ("InvalidSignatureException",
                                         "'Host' must be a 'SignedHeader' in the AWS "
                                         "Authorization.")),
    (_auth(algorithm="AWS4-HMAC-SHA1"), STAMP, (
        "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). ")),
    (_auth(credential="a/b/c/d"), STAMP, (
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'a/b/c/d'")),
    (_auth(credential=f"{KEY}/20251203/us-east-1/s3/aws4_request"), STAMP, (
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'dynamodb'. Date in Credential scope "
        "does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251203' != "
        "'20251204', from '20251204T120000Z'.")),
    (_auth(credential="AKIDNOBODY/20251204/us-east-1/dynamodb/aws4_request"), STAMP,
     ("UnrecognizedClientException", UNKNOWN_KEY)),
    (_auth(), STAMP, ("InvalidSignatureException", WRONG_SIGNATURE)),
])
def test_each_rule_answers_as_dynamodb_does(authorization: str, date: str,
                                            expected: tuple[str, str]) -> None:
    assert _verify(authorization, date) == expected


def test_a_request_botocore_cannot_canonicalise_is_a_wrong_signature() -> None:
    assert _verify(_auth(), host="[") == ("InvalidSignatureException", WRONG_SIGNATURE)


def test_a_date_header_serves_when_x_amz_date_is_absent() -> None:
    assert _verify(_auth(), "", date="Thu, 04 Dec 2025 11:50:00 GMT")[1].startswith(
        "Signature expired: 20251204T115000Z")


# -- configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["nocolon", ":secret", "key:", "a key:secret"])
def test_malformed_credentials_are_refused_without_quoting_the_secret(text: str) -> None:
    with pytest.raises(ValueError, match="expected ACCESS_KEY_ID:SECRET_ACCESS_KEY") as caught:
        Credentials.parse(text)
    assert "secret" not in str(caught.value).replace("SECRET_ACCESS_KEY", "")


def test_credentials_never_show_their_secret() -> None:
    assert SECRET not in repr(Credentials(KEY, SECRET))


def test_the_same_key_twice_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="same access key ID twice"):
        ServerConfig(auth=(Credentials("A", "x"), Credentials("A", "y")))


def test_the_emulator_signs_its_own_calls_with_the_first_pair() -> None:
    """Provisioning, seeding and trigger handlers must get through the check too."""
    config = EmulatorConfig(server=ServerConfig(port=0, auth=(Credentials(KEY, SECRET),)),
                            stage="tauth", ttl_interval=0)
    with Emulator(config) as emulator:
        client = emulator.client()
        try:
            assert "marketplace-tauth-bookings-table" in client.list_tables()["TableNames"]
            environment = emulator.client_environment()
            assert (environment["AWS_ACCESS_KEY_ID"], environment["AWS_SECRET_ACCESS_KEY"]) \
                == (KEY, SECRET)
        finally:  # moto's store is the process's: other tests list the tables
            for spec in TABLES:
                client.delete_table(TableName=spec.name("tauth"))


# -- Host (DNS rebinding) ------------------------------------------------------------------

def test_a_foreign_host_is_refused(emulator: Any) -> None:
    """Even without --auth: a page on attacker.example that rebinds its name to 127.0.0.1."""
    port = emulator.server.port
    status, answer = _post(emulator.server, {}, host=f"attacker.example:{port}")
    error_type, message = _error(answer)
    assert status == 403 and error_type == "AccessDeniedException"
    assert "--allow-host attacker.example" in message


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_loopback_names_with_the_port_are_served(emulator: Any, name: str) -> None:
    status, _ = _post(emulator.server, {}, host=f"{name}:{emulator.server.port}")
    assert status == 200


def test_allow_host_adds_names_with_or_without_a_port() -> None:
    hosts = HostAllowList("127.0.0.1", 8000, ["db.internal", "proxy.example:443", "fe80::1"])
    assert hosts.allows("127.0.0.1:8000") and hosts.allows("localhost:8000")
    assert hosts.allows("db.internal:8000") and hosts.allows("DB.internal:1234")
    assert hosts.allows("db.internal") and hosts.allows("[fe80::1]:8000")
    assert hosts.allows("proxy.example:443") and not hosts.allows("proxy.example:8000")
    assert not hosts.allows("127.0.0.1:9999") and not hosts.allows("127.0.0.1")
    assert not hosts.allows("db.internal.attacker.example:8000")


def test_the_bound_address_is_a_name_the_endpoint_answers_to() -> None:
    assert HostAllowList("0.0.0.0", 8000).allows("0.0.0.0:8000")
    assert HostAllowList("::", 8000).allows("[::]:8000")
    assert HostAllowList("10.1.2.3", 80).allows("10.1.2.3")  # the default port left out


def test_allow_host_is_served(tmp_path: Path) -> None:
    with EmulatorServer(ServerConfig(port=0, allow_hosts=("db.internal",))) as server:
        assert _post(server, {}, host=f"db.internal:{server.port}")[0] == 200
        assert _post(server, {}, host=f"other.internal:{server.port}")[0] == 403


# -- the warning for an unguarded public address ---------------------------------------------

@pytest.mark.parametrize(("host", "auth", "warns"), [
    ("0.0.0.0", False, True), ("::", False, True), ("192.168.1.5", False, True),
    ("myhost.example", False, True), ("0.0.0.0", True, False), ("127.0.0.1", False, False),
    ("127.0.0.2", False, False), ("::1", False, False), ("localhost", False, False),
])
def test_a_non_loopback_address_without_auth_warns(host: str, auth: bool, warns: bool) -> None:
    warning = exposure_warning(host, 8000, auth)
    assert (warning is not None) == warns
    if warning:
        assert "\n" not in warning and warning.startswith("ddbkit: warning: ")
        assert f"{host}" in warning and "--auth" in warning


def test_admin_calls_are_checked_like_any_request(guarded: EmulatorServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`ddbkit state ...` (the admin operations) changes every table: --auth guards it too."""
    from ddbkit.emulator.connect.admin_client import AdminClient
    from ddbkit.emulator.errors import EndpointError

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert AdminClient(guarded.endpoint_url, "eu-west-1").call("ListStates") == {"States": []}
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(EndpointError, match="InvalidSignatureException"):
        AdminClient(guarded.endpoint_url, "eu-west-1").call("ListStates")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN")
    with pytest.raises(EndpointError, match="UnrecognizedClientException"):
        AdminClient(guarded.endpoint_url, "eu-west-1").call("SaveState", Name="x")

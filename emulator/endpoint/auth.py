"""Opt-in SigV4 verification (`ddbkit up --auth KEY:SECRET`), answering as DynamoDB does.

Without it anyone who can reach the port reads and changes every table. With it, each request
must be signed with one of the configured key pairs. The signature is recomputed with
botocore's own signer (`SigV4Auth`: canonical request, string to sign, signing key), over
exactly the headers the client says it signed, and compared in constant time.

The checks, their order and their wording are DynamoDB's (recorded in dynalite's
`index.js`, and in SDK issues quoting AWS's answers; the skew is 5 minutes today, it was 15):
no `AWS4-` Authorization header -> MissingAuthenticationTokenException; missing parts or a
malformed date or credential -> IncompleteSignatureException; a timestamp more than 5 minutes
off, an unsigned Host, a credential scoped to another service or date -> InvalidSignature-
Exception; an unknown key -> UnrecognizedClientException; a wrong signature ->
InvalidSignatureException. All are 400s. DynamoDB's own `__type` namespace for these is
`com.amazon.coral.service#`; ours is the endpoint's usual one (wire.py), and SDKs read only
what follows the `#`. The credential's region is not checked: the endpoint serves one region
whatever region clients sign with (app.py). Session tokens are not checked (there is no STS).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from ddbkit.emulator.endpoint.wire import WireError

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "dynamodb"  # DynamoDB Streams clients sign for "dynamodb" too
TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=5)
_BASIC_FORMAT = re.compile(r"\d{8}T\d{6}Z")

MISSING_TOKEN = "Request is missing Authentication Token"
UNKNOWN_KEY = "The security token included in the request is invalid."
WRONG_SIGNATURE = ("The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = ""

    def __repr__(self) -> str:  # never print a secret, not even in a traceback
        return f"Credentials({self.access_key_id!r}, secret_access_key=...)"

    @classmethod
    def parse(cls, text: str) -> Credentials:
        """`ACCESS_KEY_ID:SECRET_ACCESS_KEY`; the ValueError never quotes the secret."""
        key, sep, secret = text.strip().partition(":")
        if not sep or not key or not secret or any(c.isspace() or c == "," for c in key):
            shown = f"{key}:..." if sep else "a value without ':'"
            raise ValueError(f"expected ACCESS_KEY_ID:SECRET_ACCESS_KEY, got {shown}")
        return cls(key, secret)


def _invalid(message: str) -> WireError:
    return WireError("InvalidSignatureException", message)


def _incomplete(message: str) -> WireError:
    return WireError("IncompleteSignatureException", message)


class _SignedHeaders(dict[str, str]):
    """The headers a client signed, lowercase, each once (the HTTP layer joins repeats with
    commas, as SigV4's canonical form does), in the shape botocore's canonicaliser reads
    (its HTTPHeaders is an email.message.Message: a third of a verification's time)."""

    def get_all(self, name: str) -> list[str]:
        return [self[name]]


class _ReceivedRequestSigner(SigV4Auth):  # type: ignore[misc]
    """botocore's signer, over the request as it arrived.

    botocore picks the headers itself when signing (all but a blacklist, e.g. User-Agent); a
    verifier must take the client's SignedHeaders list instead, or SDKs that sign other
    headers (the Java SDK signs User-Agent) could never match. The payload hash is that of
    the body received, as botocore computes it for plain HTTP, without rebuilding the request
    to read its body back."""

    def __init__(self, secret: str, region: str, headers: _SignedHeaders,
                 body: bytes) -> None:
        super().__init__(BotoCredentials("", secret), SERVICE, region)
        self._headers, self._body = headers, body

    def headers_to_sign(self, request: AWSRequest) -> _SignedHeaders:
        return self._headers

    def payload(self, request: AWSRequest) -> str:
        return hashlib.sha256(self._body).hexdigest()


class SigV4Verifier:
    def __init__(self, credentials: Iterable[Credentials],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._secrets = {c.access_key_id: c.secret_access_key for c in credentials}
        self._clock = clock

    def verify(self, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes) -> str:
        """The access key ID that signed the request, or WireError saying, as DynamoDB would,
        why it is refused. `headers` maps lowercase names to values."""
        authorization = headers.get("authorization", "").strip()
        if not authorization.startswith("AWS4-"):
            raise WireError("MissingAuthenticationTokenException", MISSING_TOKEN)
        algorithm, params = _parse_authorization(authorization)
        timestamp = _timestamp(headers, authorization, params)
        self._check_skew(timestamp)
        signed = [name for name in params["SignedHeaders"].split(";") if name]
        if "host" not in (name.lower() for name in signed):
            raise _invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.")
        if algorithm != ALGORITHM:
            raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}' "
                              f"(only {ALGORITHM} for now). ")
        key, region = _check_scope(params["Credential"], timestamp)
        secret = self._secrets.get(key)
        if secret is None:
            raise WireError("UnrecognizedClientException", UNKNOWN_KEY)
        signed_headers = _SignedHeaders(
            (name.lower(), headers.get(name.lower(), "")) for name in signed)
        try:
            expected = _signature(secret, region, method, path, query, signed_headers, body,
                                  timestamp)
        except (ValueError, UnicodeError):  # e.g. Host "[": botocore cannot build its URL,
            expected = ""  # so no client can have signed it
        given = params["Signature"].encode("utf-8", "replace")
        if not hmac.compare_digest(expected.encode(), given):
            raise _invalid(WRONG_SIGNATURE)
        return key

    def _check_skew(self, timestamp: str) -> None:
        signed_at = _parse_basic(timestamp)
        now = self._clock()

        def basic(moment: datetime) -> str:
            return moment.strftime(SIGV4_TIMESTAMP)

        if signed_at < now - MAX_SKEW:
            raise _invalid(f"Signature expired: {timestamp} is now earlier than "
                           f"{basic(now - MAX_SKEW)} ({basic(now)} - 5 min.)")
        if signed_at > now + MAX_SKEW:
            raise _invalid(f"Signature not yet current: {timestamp} is still later than "
                           f"{basic(now + MAX_SKEW)} ({basic(now)} + 5 min.)")


def _parse_authorization(authorization: str) -> tuple[str, dict[str, str]]:
    """(algorithm, {Credential, SignedHeaders, Signature}); parts are comma-separated
    key=value pairs, spaces between them ignored (as AWS reads them)."""
    algorithm, _, rest = authorization.partition(" ")
    params: dict[str, str] = {}
    for part in "".join(rest.split()).split(","):
        name, _, value = part.partition("=")
        if name and value:
            params[name] = value
    return algorithm, params


def _timestamp(headers: Mapping[str, str], authorization: str,
               params: Mapping[str, str]) -> str:
    """The signing time in ISO 8601 basic format, from X-Amz-Date or else Date."""
    date = headers.get("x-amz-date") or headers.get("date") or ""
    missing = "".join(f"Authorization header requires '{name}' parameter. "
                      for name in ("Credential", "Signature", "SignedHeaders")
                      if name not in params)
    if not date:
        missing += ("Authorization header requires existence of either a 'X-Amz-Date' or "
                    "a 'Date' header. ")
    if missing:
        raise _incomplete(f"{missing}Authorization={authorization}")
    if "x-amz-date" not in headers:
        try:
            return parsedate_to_datetime(date).astimezone(UTC) \
                .strftime(SIGV4_TIMESTAMP)
        except (TypeError, ValueError):
            pass  # answered below, as AWS does for an unreadable date
    elif _BASIC_FORMAT.fullmatch(date):
        try:
            _parse_basic(date)
            return date
        except ValueError:
            pass  # e.g. month 13
    raise _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{date}'. "
                      "See http://en.wikipedia.org/wiki/ISO_8601")


def _parse_basic(timestamp: str) -> datetime:
    """20240102T030405Z (already matched by _BASIC_FORMAT) as a UTC datetime; strptime
    would cost a tenth of a verification."""
    t = timestamp
    return datetime(int(t[0:4]), int(t[4:6]), int(t[6:8]), int(t[9:11]), int(t[11:13]),
                    int(t[13:15]), tzinfo=UTC)


def _check_scope(credential: str, timestamp: str) -> tuple[str, str]:
    """(access key ID, region) of a `key/date/region/service/aws4_request` credential."""
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        raise _incomplete("Credential must have exactly 5 slash-delimited elements, e.g. "
                          f"keyid/date/region/service/term, got '{credential}'")
    key, date, region, service, terminator = parts
    problems = []
    if not region:
        problems.append(f"Credential should be scoped to a valid region, not '{region}'. ")
    if service != SERVICE:
        problems.append(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if terminator != TERMINATOR:
        problems.append("Credential should be scoped with a valid terminator: "
                        f"'{TERMINATOR}', not '{terminator}'. ")
    if date != timestamp[:8]:
        problems.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                        f"version of date from HTTP: '{date}' != '{timestamp[:8]}', from "
                        f"'{timestamp}'.")
    if problems:
        raise _invalid("".join(problems).strip())
    return key, region


def _signature(secret: str, region: str, method: str, path: str, query: str,
               signed_headers: _SignedHeaders, body: bytes, timestamp: str) -> str:
    """The signature botocore computes for this request, this secret and this scope."""
    payload_hash = signed_headers.get("x-amz-content-sha256")
    if payload_hash is not None and payload_hash != hashlib.sha256(body).hexdigest():
        # botocore would trust the header; what was signed must be the body received.
        return ""
    host = signed_headers.get("host", "")
    # botocore quotes the path it signs; the received path is already quoted.
    url = f"http://{host}{unquote(path)}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url)
    request.context["timestamp"] = timestamp
    signer = _ReceivedRequestSigner(secret, region, signed_headers, body)
    canonical: Any = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))

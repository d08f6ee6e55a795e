"""Who may talk to the endpoint: the Host check and opt-in SigV4, in front of the app.

DNS rebinding: a web page on attacker.example can have its name resolve to 127.0.0.1, and
the browser then lets the page's scripts send requests to the emulator and read the answers,
since to the browser it is the page's own origin. Such requests always carry the attacker's
name in `Host`, so the endpoint answers only to the names it is reached by: the address it
is bound to, localhost, 127.0.0.1 and [::1], with its port, plus the names given with
`--allow-host` (with a port, that port only; without, any port: behind a proxy or a Docker
port mapping the port a client sees is not ours). A request without `Host` (HTTP/1.0, raw
tools) is served: a browser always sends one.

A refused Host gets 403 AccessDeniedException: it is what DynamoDB answers a caller who may
not do something, SDKs surface its message and do not retry it. (421 Misdirected Request would
describe the case too, but HTTP clients may retry a 421 on another connection.)
"""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Iterable
from typing import Any

from ddbkit.emulator.endpoint.auth import SigV4Verifier
from ddbkit.emulator.endpoint.http import WsgiApp
from ddbkit.emulator.endpoint.protocol import METRICS_PATH
from ddbkit.emulator.endpoint.wire import StartResponse, WireError, respond_error

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_UNSIGNED_PATHS = ("/", METRICS_PATH)  # the health probe, Prometheus's scrape


def _bracketed(host: str) -> str:
    """An IPv6 literal as it appears in a Host header."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class HostAllowList:
    def __init__(self, bound_host: str, port: int, allowed: Iterable[str] = ()) -> None:
        names = {_bracketed(bound_host.lower()), *LOOPBACK_NAMES}
        self._exact = {f"{name}:{port}" for name in names}
        if port == 80:  # clients leave out the scheme's default port
            self._exact |= names
        self._any_port: set[str] = set()
        for entry in allowed:
            host, port_text = _split_host(entry.strip().lower())
            if port_text:
                self._exact.add(f"{host}:{port_text}")
            else:
                self._any_port.add(host)
        self.described = ", ".join(sorted(self._exact | {f"{h}:*" for h in self._any_port}))

    def allows(self, host_header: str) -> bool:
        host = host_header.strip().lower()
        return host in self._exact or _split_host(host)[0] in self._any_port


def _split_host(text: str) -> tuple[str, str]:
    """('name', 'port' or '') of a Host header value or an --allow-host entry."""
    if text.startswith("["):  # [::1]:8000
        host, _, rest = text.partition("]")
        return host + "]", rest.removeprefix(":")
    if text.count(":") > 1:  # a bare IPv6 address given to --allow-host
        return _bracketed(text), ""
    host, _, port = text.partition(":")
    return host, port


class AccessGuard:
    """WSGI middleware: refuses requests for other hosts, then unsigned ones (with --auth).

    The health probe (GET /) is answered without a signature, as DynamoDB answers it, and so
    is Prometheus's scrape (GET /metrics): scrapers do not sign. Both pass the Host check."""

    def __init__(self, app: WsgiApp, hosts: HostAllowList,
                 verifier: SigV4Verifier | None = None) -> None:
        self.app, self.hosts, self.verifier = app, hosts, verifier

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        host = environ.get("HTTP_HOST")
        if host is not None and not self.hosts.allows(host):
            return respond_error(
                start_response, "403 Forbidden", "AccessDeniedException",
                f"this endpoint does not answer to Host {host!r} (it answers to "
                f"{self.hosts.described}); to accept it, start ddbkit up with "
                f"--allow-host {_split_host(host.strip())[0]}")
        if self.verifier is not None and not _is_unsigned_get(environ):
            try:
                self._verify(environ)
            except WireError as exc:
                return respond_error(start_response, exc.status, exc.error_type, exc.message)
        return self.app(environ, start_response)

    def _verify(self, environ: dict[str, Any]) -> None:
        assert self.verifier is not None
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)  # the app reads it again
        self.verifier.verify(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "/"),
                             environ.get("QUERY_STRING", ""), _headers(environ), body)


def _is_unsigned_get(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "GET" and \
        environ.get("PATH_INFO", "/") in _UNSIGNED_PATHS


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, lowercase, from a WSGI environ."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[key.lower().replace("_", "-")] = value
    return headers


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def exposure_warning(host: str, port: int, auth: bool) -> str | None:
    """The one line to print when the endpoint is reachable from other machines unguarded."""
    if auth or is_loopback(host):
        return None
    where = f"port {port}" if port else "its port"
    return (f"ddbkit: warning: --host {host} without --auth: anyone who can reach {where} "
            "can read and change every table")

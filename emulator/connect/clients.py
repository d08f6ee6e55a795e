"""boto3 clients for any endpoint, and the one place botocore errors become ddbkit errors.

For DynamoDB and its streams, `endpoint_url=None` means AWS's own endpoint for the region:
endpoints configured in the environment (AWS_ENDPOINT_URL_DYNAMODB, ...) are not consulted,
since `emulator.connect.target` has already decided where a command goes. Region and credentials
resolve the standard AWS way (AWS_PROFILE, AWS_REGION, the config and credentials files).
A local endpoint needs no real credentials: when none resolve, or the AWS configuration is
broken and no profile was asked for, we sign with placeholders. `aws_config=False` reads
no AWS configuration at all: the emulator's own clients must work whatever the user's
AWS setup.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from ddbkit.emulator.errors import ConfigError, EndpointError, EndpointUnreachableError
from ddbkit.emulator.spec import REGION

PLACEHOLDER_CREDENTIALS = {"aws_access_key_id": "ddbkit", "aws_secret_access_key": "ddbkit"}
# botocore's session variables (its public `session_vars`) with no environment variable and
# no file behind them: AWS_PROFILE, AWS_CONFIG_FILE and the credentials file are not read.
_NO_AWS_CONFIG = {"profile": (None, None, None, None),
                  "config_file": (None, None, os.devnull, None),
                  "credentials_file": (None, None, os.devnull, None)}
TARGETED_SERVICES = ("dynamodb", "dynamodbstreams")  # their endpoint: connect.target's choice
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def make_session(region: str | None = None, profile: str | None = None) -> boto3.session.Session:
    """A session on the user's AWS configuration, checked now: a missing profile or an
    unreadable config file fails here, in one line."""
    with translate_errors("AWS configuration"):
        core = botocore.session.Session(profile=profile)
        core.get_scoped_config()
        return boto3.session.Session(botocore_session=core, region_name=region)


def bare_botocore_session() -> botocore.session.Session:
    """A botocore session that reads no AWS configuration (profiles, config or credentials
    files): for the emulator's own use of botocore's models and clients."""
    return botocore.session.Session(session_vars=_NO_AWS_CONFIG)


def isolated_session(region: str | None = None) -> boto3.session.Session:
    return boto3.session.Session(botocore_session=bare_botocore_session(),
                                 region_name=region or REGION)


def ignore_broken_aws_config() -> str | None:
    """If the AWS configuration this process's environment leads to is broken (AWS_PROFILE
    naming no profile, an unreadable config file), point the environment at none and say
    why. For `ddbkit up`, which needs no AWS configuration but runs code that reads it
    anyway: moto makes a default boto3 Session, and trigger handlers inherit the environment."""
    try:
        botocore.session.Session().get_scoped_config()
        return None
    except BotoCoreError as exc:
        for name in PROFILE_VARIABLES:
            os.environ.pop(name, None)
        os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        return str(exc)


def is_aws_endpoint(url: str | None) -> bool:
    """True for AWS's own endpoints (None: the region's default one)."""
    if not url:
        return True
    return (urlsplit(url).hostname or "").lower().rstrip(".").endswith(_AWS_HOST_SUFFIXES)


def signing_session(endpoint_url: str | None, region: str | None = None,
                    profile: str | None = None, aws_config: bool = True
                    ) -> tuple[boto3.session.Session, Any]:
    """The session a client is made from and the credentials it found (None: use the
    placeholders). For a local endpoint and no profile asked for, a broken AWS configuration
    (AWS_PROFILE naming no profile, say) is ignored rather than fatal."""
    if not aws_config:
        return isolated_session(region), None
    try:
        session = make_session(region, profile)
        with translate_errors("AWS configuration"):
            return session, session.get_credentials()
    except EndpointError:
        if profile is not None or endpoint_url is None or is_aws_endpoint(endpoint_url):
            raise
        return isolated_session(region), None


def make_client(service: str = "dynamodb", endpoint_url: str | None = None,
                region: str | None = None, profile: str | None = None,
                *, connect_timeout: float = 5, read_timeout: float = 30,
                max_attempts: int = 3, max_pool_connections: int = 10,
                credentials: tuple[str, str] | None = None, aws_config: bool = True) -> Any:
    """`credentials` (access key ID, secret) win over the AWS configuration: the local
    endpoint's own clients sign with a key pair it was given (`ddbkit up --auth`), and pass
    `aws_config=False` so the user's AWS configuration cannot break them."""
    if endpoint_url:
        check_endpoint_url(endpoint_url)
    session, found = signing_session(endpoint_url, region, profile, aws_config)
    config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                    retries={"mode": "standard", "max_attempts": max_attempts},
                    max_pool_connections=max_pool_connections,
                    ignore_configured_endpoint_urls=service in TARGETED_SERVICES)
    kwargs: dict[str, Any] = {"config": config, "region_name": session.region_name or REGION}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if credentials is not None:
        kwargs.update(aws_access_key_id=credentials[0], aws_secret_access_key=credentials[1])
    elif found is None:
        kwargs.update(PLACEHOLDER_CREDENTIALS)
    with translate_errors(endpoint_url or "AWS"):
        try:
            return session.client(service, **kwargs)
        except ValueError as exc:  # e.g. a malformed region
            raise ConfigError(f"cannot make a {service} client: {exc}") from exc


def check_endpoint_url(url: str) -> str:
    """An endpoint must be an absolute http(s) URL; botocore would raise a bare ValueError."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and \
            (parts.port is None or parts.port > 0)
    except ValueError:  # e.g. a port that is not a number
        valid = False
    if not valid:
        raise ConfigError(f"endpoint URL {url!r} is not an http(s) URL "
                          "(e.g. http://127.0.0.1:8000)")
    return url


def client_environment(endpoint_url: str, region: str,
                       credentials: tuple[str, str] | None = None) -> dict[str, str]:
    """The variables that point an AWS SDK or the AWS CLI at a local endpoint, signing with
    `credentials` (access key ID, secret) or placeholders."""
    key, secret = credentials or (PLACEHOLDER_CREDENTIALS["aws_access_key_id"],
                                  PLACEHOLDER_CREDENTIALS["aws_secret_access_key"])
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
    }


def endpoint_of(client: Any) -> str:
    return str(client.meta.endpoint_url)


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    """Turn botocore's exceptions into EndpointError subclasses that name `where`."""
    try:
        yield
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        raise EndpointUnreachableError(f"cannot reach {where}: {exc}") from exc
    except ReadTimeoutError as exc:
        raise EndpointUnreachableError(f"{where} did not answer in time: {exc}") from exc
    except NoCredentialsError as exc:
        raise EndpointError(f"no AWS credentials found for {where} "
                            "(set AWS_PROFILE or AWS_ACCESS_KEY_ID)") from exc
    except NoRegionError as exc:
        raise EndpointError(f"no AWS region set for {where} (set AWS_REGION)") from exc
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise EndpointError(f"{where}: {err.get('Code', 'error')}: "
                            f"{err.get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise EndpointError(f"{where}: {exc}") from exc

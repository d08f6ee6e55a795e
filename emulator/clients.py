"""boto3 clients for any endpoint, and the one place botocore errors become ddbkit errors.

Endpoint, region and credentials resolve the standard AWS way (AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL, AWS_PROFILE, AWS_REGION, ...); an explicit endpoint URL wins. A local
endpoint needs no real credentials, so when none resolve we sign with placeholders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import boto3
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


def make_session(region: str | None = None, profile: str | None = None) -> boto3.session.Session:
    with translate_errors("AWS configuration"):
        session = boto3.session.Session(profile_name=profile, region_name=region)
    return session


def make_client(service: str = "dynamodb", endpoint_url: str | None = None,
                region: str | None = None, profile: str | None = None,
                *, connect_timeout: float = 5, read_timeout: float = 30,
                max_attempts: int = 3, max_pool_connections: int = 10,
                credentials: tuple[str, str] | None = None) -> Any:
    """`credentials` (access key ID, secret) win over the AWS configuration: the local
    endpoint's own clients sign with a key pair it was given (`ddbkit up --auth`)."""
    if endpoint_url:
        check_endpoint_url(endpoint_url)
    session = make_session(region, profile)
    config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                    retries={"mode": "standard", "max_attempts": max_attempts},
                    max_pool_connections=max_pool_connections)
    kwargs: dict[str, Any] = {"config": config, "region_name": session.region_name or REGION}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if credentials is not None:
        kwargs.update(aws_access_key_id=credentials[0], aws_secret_access_key=credentials[1])
    elif session.get_credentials() is None:
        kwargs.update(PLACEHOLDER_CREDENTIALS)
    with translate_errors(endpoint_url or "AWS"):
        try:
            return session.client(service, **kwargs)
        except ValueError as exc:  # e.g. a malformed AWS_ENDPOINT_URL from the environment
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

"""Where a client command (status, seed, load, export, tail, state) sends its requests.

The local emulator unless the user asks for something else on purpose. First that applies:

1. `--endpoint-url` on the command line;
2. `--aws` (or DDBKIT_AWS): real AWS, at the region's own endpoint;
3. AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, from the environment;
4. the endpoint a running `ddbkit up` announced in this directory's state dir (`announce`);
5. http://127.0.0.1:8000, where `ddbkit up` serves by default.

`--endpoint-url` and `--aws` both on the command line contradict each other. A profile does
not choose AWS: against a local endpoint it only chooses the key pair requests are signed
with (`clients.signing_session`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ddbkit.emulator.connect.announce import announced
from ddbkit.emulator.connect.clients import (
    check_endpoint_url,
    is_aws_endpoint,
    make_client,
    make_session,
    translate_errors,
)
from ddbkit.emulator.errors import ConfigError

DEFAULT_LOCAL_ENDPOINT = "http://127.0.0.1:8000"
DEFAULT_STATE_DIR = Path(".ddbkit")
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
_REGIONAL_HOST = re.compile(r"^dynamodb(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)")
FIX_HINT = "start it with `ddbkit up`, or pass --endpoint-url URL (or --aws for real AWS)"


@dataclass(frozen=True)
class Target:
    endpoint_url: str | None  # None: AWS's own endpoint for the region
    region: str | None  # None: resolved the AWS way (us-east-1 locally when unset)
    profile: str | None  # only a profile asked for on the command line
    chosen_by: str  # "--endpoint-url", "AWS_ENDPOINT_URL_DYNAMODB", "default local endpoint"

    @property
    def is_aws(self) -> bool:
        return is_aws_endpoint(self.endpoint_url)

    def describe(self) -> str:
        """E.g. 'http://127.0.0.1:8000 (the default local endpoint)'."""
        return f"{self.endpoint_url or 'real AWS'} ({self.chosen_by})"

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint of `service` (dynamodb, dynamodbstreams): the emulator serves both
        at one URL; on AWS each has its own, so only DynamoDB's is taken as given."""
        return self.endpoint_url if service == "dynamodb" or not self.is_aws else None


@dataclass(frozen=True)
class TargetOptions:
    """What the command line said, and where `aws` came from ("--aws", "DDBKIT_AWS")."""

    endpoint_url: str | None = None  # --endpoint-url, given on the command line
    aws: bool = False
    aws_source: str = "--aws"
    region: str | None = None
    profile: str | None = None


def resolve_target(options: TargetOptions, environ: Mapping[str, str],
                   cwd: Path | None = None) -> Target:
    """`environ` supplies AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL and DDBKIT_STATE_DIR;
    `cwd` is where a relative state dir is (default: the working directory)."""
    region, profile = options.region, options.profile
    if options.endpoint_url:
        if options.aws and options.aws_source == "--aws":
            raise ConfigError("--endpoint-url and --aws contradict each other: pass one")
        url = check_endpoint_url(options.endpoint_url)
        return Target(url, region or _region_of(url), profile, "--endpoint-url")
    if options.aws:
        return Target(None, region, profile, options.aws_source)
    for name in ENDPOINT_VARIABLES:
        if environ.get(name):
            url = check_endpoint_url(environ[name])
            return Target(url, region or _region_of(url), profile, name)
    state_dir = Path(environ.get("DDBKIT_STATE_DIR") or DEFAULT_STATE_DIR)
    found = announced(state_dir if cwd is None else cwd / state_dir)
    if found is not None:
        return Target(found.url, region or found.region, profile,
                      f"announced by ddbkit up (pid {found.pid}) in {state_dir}")
    return Target(DEFAULT_LOCAL_ENDPOINT, region, profile, "the default local endpoint")


def _region_of(url: str) -> str | None:
    """The region an AWS regional endpoint (https://dynamodb.eu-west-1.amazonaws.com) names:
    requests to it must be signed for that region."""
    match = _REGIONAL_HOST.match(urlsplit(url).hostname or "")
    return match[1] if match else None


def aws_identity_line(target: Target) -> str:
    """One line naming the AWS account (STS GetCallerIdentity) and region a command is about
    to act on, so the user sees it before anything happens there."""
    session = make_session(target.region, target.profile)
    sts = make_client("sts", region=target.region, profile=target.profile,
                      connect_timeout=5, max_attempts=2)
    with translate_errors("AWS STS (asking which account the credentials belong to)"):
        account = sts.get_caller_identity()["Account"]
    found = session.get_credentials()
    source = "keys from the environment" if found is not None and found.method == "env" \
        else f"profile {session.profile_name}"
    return (f"ddbkit: target: real AWS, account {account}, region {sts.meta.region_name} "
            f"({source}, {target.chosen_by})")

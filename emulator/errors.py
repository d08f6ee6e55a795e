"""ddbkit's errors. Library code raises these; only `cli.py` turns them into one-line messages.

    DdbkitError
    +-- ConfigError              bad option values (checked before anything starts)
    |   +-- InvalidStageError    a stage that cannot form a DynamoDB table name
    +-- ServerError              the local endpoint could not start
    |   +-- PortInUseError
    +-- EndpointError            talking to an endpoint (local or AWS) failed
    |   +-- EndpointUnreachableError
    +-- SchemaDriftError         live tables differ from the spec where ddbkit must not repair
    +-- DataFileError            a seed-data file that cannot be loaded (names file and line)
    +-- DataDirError             `up --data-dir` cannot restore or keep its data (durability/)
    +-- LoadInterrupted          a load stopped by the user; says what was written (exit 130)

Each keeps its cause (`raise ... from exc`), so a debugger or `--traceback` still sees botocore's.
"""

from __future__ import annotations


class DdbkitError(Exception):
    """Base of every error ddbkit raises on purpose."""

    exit_code = 2


class ConfigError(DdbkitError):
    pass


class InvalidStageError(ConfigError):
    pass


class ServerError(DdbkitError):
    pass


class PortInUseError(ServerError):
    pass


class EndpointError(DdbkitError):
    pass


class EndpointUnreachableError(EndpointError):
    pass


class SchemaDriftError(DdbkitError):
    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        super().__init__("live tables differ from the spec: " + "; ".join(differences))


class DataFileError(DdbkitError):
    pass


class DataDirError(DdbkitError):
    pass


class LoadInterrupted(DdbkitError):
    exit_code = 130  # the shell's convention for a command stopped by Ctrl-C

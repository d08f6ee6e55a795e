"""Local folders standing in for S3 buckets, for exports and imports.

Bucket `NAME` is the folder `<root>/NAME`; the root is `ddbkit up --s3-dir` (default
`<state-dir>/s3`, i.e. `.ddbkit/s3`; env `DDBKIT_S3_DIR`), set by the `Emulator` at start.
An object key is a path under the bucket's folder. Bucket names follow S3's rules (3-63
lowercase letters, digits, dots and hyphens), which also keeps every path inside the root.
ExportTableToPointInTime, ImportTable and StartBulkPutItems refuse a bucket or prefix that
breaks them (ValidationException).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from ddbkit.emulator.operations.call import validation_error

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DEFAULT_ROOT = Path(".ddbkit") / "s3"

_root = DEFAULT_ROOT


def use(root: Path) -> None:
    global _root
    _root = root


def root() -> Path:
    return _root


def bucket_dir(bucket: Any) -> Path:
    if not isinstance(bucket, str) or not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise validation_error(f"Invalid S3 bucket name: {bucket!r} (3-63 lowercase "
                               "letters, digits, '.' and '-')")
    return _root / bucket


def prefix_path(prefix: Any) -> str:
    """An S3 key prefix, refused if it could leave the bucket's folder."""
    text = prefix or ""
    if not isinstance(text, str) or ".." in text.split("/") or text.startswith("/"):
        raise validation_error(f"Invalid S3 prefix: {prefix!r}")
    return text


def table_id(table: Any) -> str:
    """A stable id for a table (moto keeps none): its ARN and creation time, as a UUID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{table.table_arn}@{table.created_at}"))

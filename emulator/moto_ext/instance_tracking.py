"""moto's record of its model instances, emptied after each piece of store work.

moto's `BaseModel.__new__` appends every model instance it builds to its class's
`instances_tracked` list (`moto.core.model_instances`), for the moto server's dashboard and
for S3's reset, and nothing removes them: left alone, every Item a write, a failed
conditional write or an update builds, every StreamRecord, stays alive for good (0.5-1.8 KB a
request, measured). ddbkit serves no dashboard and reads none of it, so it empties the
DynamoDB models' lists, in place, after each request (endpoint/app.py), each TTL sweep chunk
and a restore: what moto holds there is bounded by one request's work. A call, not a
replacement: moto's `__new__` is left as it is, and other services' lists (a test's own moto
S3 in the same process) are not touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from moto.core import model_instances

SERVICES = ("core", "dynamodb", "dynamodbstreams")


def forget() -> None:
    """Empties moto's lists of the DynamoDB models it has built (call under STORE_LOCK)."""
    data: Any = model_instances.model_data
    for service in SERVICES:
        for model in data.get(service, {}).values():
            tracked = getattr(model, "instances_tracked", None)
            if tracked:
                tracked.clear()


@contextlib.contextmanager
def forgetting() -> Iterator[None]:
    """Store work that forgets moto's record of what it built, however it ends."""
    try:
        yield
    finally:
        forget()


def tracked_instances() -> int:
    """How many model instances moto's registry holds."""
    return sum(len(getattr(model, "instances_tracked", ()))
               for models in model_instances.model_data.values() for model in models.values())

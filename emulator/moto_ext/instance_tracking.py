"""moto's model instances are no longer recorded for its dashboard.

Replaces `moto.core.common_models.BaseModel.__new__`, which appends every model instance it
builds to its class's `instances_tracked` list (`moto.core.model_instances`), for the moto
server's dashboard (`/moto-api/data.json`) and for S3's reset. Nothing ever removes an entry,
so in a long-running endpoint every request leaks: each Item built by a write, a failed
conditional write, an update or a projected Query, each StreamRecord (before ddbkit held its
own), each ShardIterator stays alive for good (0.5-1.8 KB a request, measured). ddbkit serves
no moto dashboard and no S3, so nothing reads the lists: instances are created exactly as
before, just not recorded. The lists stay (empty) for code that reads them.
"""

from __future__ import annotations

from typing import Any

from moto.core import model_instances
from moto.core.common_models import BaseModel

from ddbkit.emulator.moto_ext.store import MotoShapeError, require


def _new(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    # As moto's own, less the append; super() as there, for models with several bases.
    return super(BaseModel, cls).__new__(cls)


def tracked_instances() -> int:
    """How many model instances moto's registry holds (0 once this extension is installed)."""
    return sum(len(getattr(model, "instances_tracked", ()))
               for models in model_instances.model_data.values() for model in models.values())


def install() -> None:
    require(model_instances, "model_data", "reset_model_data")
    if "__new__" not in BaseModel.__dict__:
        raise MotoShapeError("moto's BaseModel no longer defines __new__: its instance "
                             "tracking moved, revisit moto_ext.instance_tracking")
    # Setting __new__ on the base updates every subclass that inherits it (type slots).
    BaseModel.__new__ = staticmethod(_new)  # type: ignore[method-assign]
    # Let go of what was recorded before the extension was installed (import-time models).
    model_instances.reset_model_data()

"""GetRecords pages as the service sent them: JSON, without boto3's model-driven parsing.

boto3 parses a GetRecords answer by walking the output shape down to every attribute value,
turning epoch seconds into datetimes on the way (~150-700 us a record, measured with
bench/bench_streams.py): more than the rest of a trigger's work per record, and done in the
emulator's own process. A Lambda event wants the JSON as sent anyway (epoch seconds, base64
binaries), so parsing it only to undo it (`reader._wire`) is waste.

The call still goes through the client (signing, retries, endpoint, errors as ClientError):
botocore's `before-parse` hook keeps the body's JSON and hands the parser an empty document.
The hook acts only inside `get_records_as_sent`, so other users of the same client get parsed
answers. Should a botocore release stop emitting that event, the page comes back parsed and is
converted the slow way, so records never change shape.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_EVENT = "before-parse.dynamodb-streams.GetRecords"
_MARK = "ddbkitAsSent"  # set by the hook, so the caller knows the records were not parsed
_active = threading.local()


def _keep_body(response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
               **_: Any) -> None:
    if not getattr(_active, "on", False) or response_dict.get("status_code") != 200:
        return  # errors go to botocore's parser, which makes them ClientErrors
    customized_response_dict.update(json.loads(response_dict["body"]))
    customized_response_dict[_MARK] = True
    response_dict["body"] = b"{}"


def get_records_as_sent(streams: Any, **kwargs: Any) -> tuple[dict[str, Any], bool]:
    """`streams.get_records(**kwargs)`, and whether its records are as sent (True) or were
    parsed by boto3 (False: the hook did not run)."""
    streams.meta.events.register(_EVENT, _keep_body, unique_id="ddbkit-records-as-sent")
    _active.on = True
    try:
        page: dict[str, Any] = streams.get_records(**kwargs)
    finally:
        _active.on = False
    return page, bool(page.pop(_MARK, False))

"""ListTables: table names in ascending order, paged by name.

A page starts after ExclusiveStartTableName, whether or not that table still exists, and
holds at most Limit names (1-100, default 100: the API model checked the range);
LastEvaluatedTableName is the last name of a full page when more names follow.
"""

from __future__ import annotations

import bisect

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.store import access

DEFAULT_LIMIT = 100  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html


def run(call: Call) -> Answer:
    limit = call.params.get("Limit") or DEFAULT_LIMIT
    after = call.params.get("ExclusiveStartTableName")
    names = sorted(access.tables(pipeline.backend(call)))
    start = bisect.bisect_right(names, after) if after else 0
    page = names[start:start + limit]
    answer: dict[str, object] = {"TableNames": page}
    if page and start + limit < len(names):
        answer["LastEvaluatedTableName"] = page[-1]
    return shaped_answer(call, answer)

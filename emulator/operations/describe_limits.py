"""DescribeLimits: the account's and each table's provisioned-capacity quotas.

The default quotas of a new account (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#default-limits-throughput-capacity-modes);
this endpoint enforces none of them.
"""

from __future__ import annotations

from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.output import shaped_answer

ACCOUNT_MAX_UNITS = 20000  # read and write capacity units, each, for the whole account
TABLE_MAX_UNITS = 10000  # read and write capacity units, each, for one table


def run(call: Call) -> Answer:
    return shaped_answer(call, {
        "AccountMaxReadCapacityUnits": ACCOUNT_MAX_UNITS,
        "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_UNITS,
        "TableMaxReadCapacityUnits": TABLE_MAX_UNITS,
        "TableMaxWriteCapacityUnits": TABLE_MAX_UNITS})

"""Fuzz binary values in every key position of every data-plane operation (issue 25).

A seeded, bounded run against a real server on port 0 (a stage of its own). Tables keyed on
binary (table keys, a GSI and an LSI of type B) take random binary keys (0x00, 0xFF,
prefixes of each other, keys at their size limits) through every item operation and PartiQL,
via boto3 and raw JSON (malformed base64 too); tables keyed on S and N take binary values
where their keys go. A model of the binary tables says what each answer must be. It asserts:
- no answer is the last-resort "could not process", a 5xx or Python exception text;
- items read back byte-identical, Query and SELECT in unsigned byte order both ways (on the
  GSI and LSI too), paging from any start key, segments, conditions, ReturnValues,
  duplicates and transactions as DynamoDB answers them;
- a binary value in an S or N key position, an empty binary key and a key one byte over its
  limit are refused as DynamoDB refuses them;
- stream records, a backup's restore and DescribeTable agree with the model afterwards.

A longer hunt: DDBKIT_BINARY_FUZZ_STEPS=3000 DDBKIT_BINARY_FUZZ_SEED=$RANDOM pytest ...
"""

from __future__ import annotations

import os
import random
import time

from binary_fuzz_edges import (
    WrongPosition,
    empty_binary_key,
    final_checks,
    oversized_key,
    raw_request,
)
from binary_fuzz_model import TABLES_TO_MAKE, BinaryModel, Outcome
from binary_fuzz_ops import OPERATIONS
from binary_fuzz_reads import READS
from test_fuzz import Connection, problems

from ddbkit.emulator.runtime import Emulator

STEPS = int(os.environ.get("DDBKIT_BINARY_FUZZ_STEPS", "600"))
SEED = int(os.environ.get("DDBKIT_BINARY_FUZZ_SEED", "25"))


def test_binary_keys_everywhere_get_dynamodb_answers(fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    prefix = f"binfuzz-{fresh_emulator.config.stage}"
    for request in TABLES_TO_MAKE:
        client.create_table(**{**request, "TableName": f"{prefix}-{request['TableName']}"})
    model = BinaryModel(random.Random(SEED), prefix)
    connection = Connection(fresh_emulator.server.port)
    offenders: list[str] = []

    def check(step: int, shape: str, answer: Outcome) -> None:
        found = problems(answer.status, answer.body)
        found += answer.wrong
        if found:
            offenders.append(f"#{step} {shape}: {answer.body[:300]!r}: {', '.join(found)}")

    started = time.perf_counter()
    wrong = WrongPosition(model)
    operations = OPERATIONS + READS
    for step in range(STEPS):
        roll = model.rng.random()
        if roll < 0.15:
            shape, answer = wrong.step(client)
        elif roll < 0.25:
            shape, answer = raw_request(model, connection)
        elif roll < 0.28:
            shape, answer = "empty binary key", empty_binary_key(model, client)
        elif roll < 0.30:
            shape, answer = "oversized key", oversized_key(model, client)
        else:
            shape, operation = model.rng.choice(operations)
            answer = operation(model, client)
            model.counts["ok" if answer.status == 200 else "refused"] += 1
        check(step, shape, answer)
    for shape, answer in final_checks(model, client, fresh_emulator.client("dynamodbstreams")):
        check(STEPS, shape, answer)
    print(f"\n{STEPS} binary-key steps in {time.perf_counter() - started:.1f} s: "
          f"{dict(model.counts.most_common())}")
    assert offenders == [], f"{len(offenders)} bad answers:\n" + "\n".join(offenders[:20])
    assert model.counts["ok"] > STEPS // 4, model.counts  # the fuzz reached the store

"""Local triggers against the real server: order, images, bisect, timeouts, restarts, bursts."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.streams.handler_process import HandlerProcess
from ddbkit.emulator.streams.reader import (
    StreamFollower,
    lambda_record,
    lambda_record_as_sent,
    latest_stream_arn,
)
from ddbkit.emulator.streams.trigger_config import load_trigger_file, parse_trigger_option
from ddbkit.emulator.streams.triggers import TriggerConfig, TriggerPoller
from ddbkit.emulator.ttl import TtlReaper

HANDLERS = '''
import json, os, time

def _keys(event):
    return [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in event["Records"]]

def record(event, context):
    poison = os.environ.get("POISON")
    if poison and poison in _keys(event):
        raise ValueError("cannot process " + poison)
    if os.environ.get("SLOW") in _keys(event):
        time.sleep(60)
    if os.environ.get("CRASH") in _keys(event):
        os._exit(3)
    with open(os.environ["OUT"], "a") as out:
        for r in event["Records"]:
            out.write(json.dumps(r) + "\\n")
        out.write(json.dumps({"batch": len(event["Records"]),
                              "remaining_ms": context.get_remaining_time_in_millis()}) + "\\n")
'''


def booking(booking_id: str, status: str = "PENDING") -> dict[str, Any]:
    return {"bookingId": {"S": booking_id}, "status": {"S": status},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


@pytest.fixture
def make_poller(fresh_emulator: Emulator, tmp_path: Path) -> Callable[..., TriggerPoller]:
    (tmp_path / "handlers.py").write_text(HANDLERS)
    made: list[TriggerPoller] = []

    def make(env: dict[str, str] | None = None, **settings: Any) -> TriggerPoller:
        config = TriggerConfig(table="bookings", handler="handlers:record",
                               code_paths=(str(tmp_path),), **settings)
        poller = TriggerPoller(
            config, fresh_emulator.client(), fresh_emulator.client("dynamodbstreams"),
            f"marketplace-{fresh_emulator.config.stage}-bookings-table", tmp_path / "state",
            env={**fresh_emulator.client_environment(), "OUT": str(tmp_path / "out.jsonl"),
                 **(env or {})}, poll_interval=0.05)
        made.append(poller)
        return poller

    yield make
    for poller in made:
        poller.stop()


def delivered(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "out.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [line for line in lines if "eventName" in line]


def table(emulator: Emulator) -> str:
    return f"marketplace-{emulator.config.stage}-bookings-table"


def drain(poller: TriggerPoller, rounds: int = 20) -> None:
    """Deliver everything currently on the stream (bounded)."""
    for _ in range(rounds):
        if poller.run_once() == 0:
            return


def test_trigger_gets_insert_modify_remove_in_order_with_images(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    client.put_item(TableName=table(fresh_emulator), Item=booking("b1"))
    client.put_item(TableName=table(fresh_emulator), Item=booking("b1", "CONFIRMED"))
    client.delete_item(TableName=table(fresh_emulator), Key={"bookingId": {"S": "b1"}})
    poller = make_poller()
    poller.handler.start()
    drain(poller)

    records = delivered(tmp_path)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"]["status"] == {"S": "PENDING"}
    assert records[1]["dynamodb"]["NewImage"]["status"] == {"S": "CONFIRMED"}
    assert "NewImage" not in records[2]["dynamodb"]
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb" and first["awsRegion"] == "us-east-1"
    assert first["eventSourceARN"].startswith(f"arn:aws:dynamodb:us-east-1:943814145891:table/"
                                              f"{table(fresh_emulator)}/stream/")
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)
    json.dumps(records)  # Lambda-shaped: plain JSON all the way down


def test_failing_record_is_bisected_out_and_sent_to_on_failure(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    for n in range(8):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    poller = make_poller(env={"POISON": "b5"}, bisect_batch_on_function_error=True,
                         maximum_retry_attempts=1,
                         on_failure=str(tmp_path / "failed.jsonl"))
    drain(poller)

    keys = [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)]
    assert keys == ["b0", "b1", "b2", "b3", "b4", "b6", "b7"]  # in order, b5 left out
    failures = [json.loads(line) for line in (tmp_path / "failed.jsonl").read_text().splitlines()]
    assert len(failures) == 1
    info = failures[0]["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert failures[0]["condition"] == "RetryAttemptsExhausted"
    assert "ValueError: cannot process b5" in failures[0]["error"]
    assert (poller.delivered, poller.failed) == (7, 1)


def test_report_batch_item_failures_retries_from_the_failed_record(
        fresh_emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "partial.py").write_text('''
import json, os
def handler(event, context):
    seen = os.path.join(os.environ["DIR"], "seen.jsonl")
    with open(seen, "a") as out:
        out.write(json.dumps([r["dynamodb"]["Keys"]["bookingId"]["S"] for r in event["Records"]]) + "\\n")
    tries = len(open(seen).read().splitlines())
    if tries == 1:  # first call: report the third record as failed
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][2]["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
''')
    client = fresh_emulator.client()
    for n in range(5):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    config = TriggerConfig(table="bookings", handler="partial:handler",
                           report_batch_item_failures=True, maximum_retry_attempts=3,
                           code_paths=(str(tmp_path),))
    poller = TriggerPoller(config, client, fresh_emulator.client("dynamodbstreams"),
                           table(fresh_emulator), tmp_path / "state",
                           env={"DIR": str(tmp_path)}, poll_interval=0.05)
    try:
        drain(poller)
    finally:
        poller.stop()
    calls = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    assert calls == [["b0", "b1", "b2", "b3", "b4"], ["b2", "b3", "b4"]]
    assert poller.delivered == 5


def test_handler_past_its_timeout_is_reported_and_the_poller_goes_on(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    poller = make_poller(env={"SLOW": "slow"}, timeout_seconds=1, maximum_retry_attempts=0,
                         batch_size=1, on_failure=str(tmp_path / "failed.jsonl"))
    client.put_item(TableName=table(fresh_emulator), Item=booking("slow"))
    client.put_item(TableName=table(fresh_emulator), Item=booking("fast"))
    drain(poller)
    failure = json.loads((tmp_path / "failed.jsonl").read_text())
    assert failure["error"] == "Task timed out after 1 seconds"
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)] == ["fast"]


def test_handler_process_crash_is_a_failed_invocation_not_an_outage(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    poller = make_poller(env={"CRASH": "boom"}, maximum_retry_attempts=0, batch_size=1,
                         on_failure=str(tmp_path / "failed.jsonl"))
    client.put_item(TableName=table(fresh_emulator), Item=booking("boom"))
    client.put_item(TableName=table(fresh_emulator), Item=booking("after"))
    drain(poller)
    assert "handler process exited (code 3)" in (tmp_path / "failed.jsonl").read_text()
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)] == ["after"]
    assert client.describe_table(TableName=table(fresh_emulator))["Table"]["TableStatus"] == (
        "ACTIVE")


def test_restarted_poller_loses_nothing_and_repeats_nothing(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    first = make_poller(batch_size=2).start()
    for n in range(5):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    deadline = time.monotonic() + 30
    while first.delivered < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.stop()
    for n in range(5, 9):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    second = make_poller(batch_size=2)
    drain(second)
    keys = [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)]
    assert keys == [f"b{n}" for n in range(9)]


def test_trigger_settings_are_checked(tmp_path: Path) -> None:
    assert parse_trigger_option("bookings=pkg.mod:fn").handler == "pkg.mod:fn"
    with pytest.raises(ConfigError, match="has no stream in the spec"):
        parse_trigger_option("users=pkg.mod:fn")
    with pytest.raises(ConfigError, match=r"TABLE=package\.module:function"):
        parse_trigger_option("bookings")
    config = tmp_path / "triggers.toml"
    config.write_text('[[trigger]]\ntable = "bookings"\nhandler = "m:f"\nbatch_sise = 5\n')
    with pytest.raises(ConfigError, match="unknown setting 'batch_sise'"):
        load_trigger_file(config)
    config.write_text('[[trigger]]\ntable = "bookings"\nhandler = "m:f"\nbatch_size = 5\n'
                      'bisect_batch_on_function_error = true\n')
    (loaded,) = load_trigger_file(config)
    assert loaded.batch_size == 5 and loaded.bisect_batch_on_function_error


def test_a_handler_module_that_fails_on_import_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('no settings')\n")
    with pytest.raises(ConfigError, match="failed to import: RuntimeError: no settings"):
        HandlerProcess("broken:handler", paths=[str(tmp_path)]).start()
    (tmp_path / "exits.py").write_text("import os\nos._exit(4)\n")
    with pytest.raises(ConfigError, match=r"exited while starting \(code 4\)"):
        HandlerProcess("exits:handler", paths=[str(tmp_path)]).start()


def test_starting_a_running_handler_keeps_the_one_child(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("def handler(event, context):\n    return event\n")
    process = HandlerProcess("ok:handler", paths=[str(tmp_path)])
    process.start()
    try:
        child = process._process
        process.start()
        assert process._process is child
        assert process.invoke({"n": 1}).result == {"n": 1}
    finally:
        process.stop()

def _batches(tmp_path: Path) -> list[int]:
    path = tmp_path / "out.jsonl"
    return [line["batch"] for line in map(json.loads, path.read_text().splitlines())
            if "batch" in line]


def _write_in_order(client: Any, table_name: str, count: int) -> list[str]:
    """`count` bookings, 25 per BatchWriteItem, one request after another: stream order is
    key order."""
    keys = [f"b{n:05d}" for n in range(count)]
    for start in range(0, count, 25):
        client.batch_write_item(RequestItems={table_name: [
            {"PutRequest": {"Item": booking(key)}} for key in keys[start:start + 25]]})
    return keys


def test_a_burst_arriving_while_the_trigger_runs_is_delivered_in_order_exactly_once(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    poller = make_poller().start()  # BatchSize 100, polling while the writes arrive
    keys = _write_in_order(fresh_emulator.client(), table(fresh_emulator), 3000)
    deadline = time.monotonic() + 120
    while poller.delivered < len(keys) and time.monotonic() < deadline:
        time.sleep(0.05)
    poller.stop()

    records = delivered(tmp_path)
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in records] == keys
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(set(sequence))
    batches = _batches(tmp_path)
    assert sum(batches) == len(keys) and max(batches) <= 100
    assert len(batches) < len(keys) // 10  # records travel in batches, not one by one
    assert (poller.delivered, poller.failed) == (len(keys), 0)


def test_a_backlog_goes_out_in_full_batches_and_a_restart_repeats_none_of_it(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    keys = _write_in_order(fresh_emulator.client(), table(fresh_emulator), 3000)
    first = make_poller(batch_size=100)
    drain(first, rounds=40)
    first.stop()
    assert _batches(tmp_path) == [100] * 30  # read 1,000 at a time, invoked 100 at a time
    second = make_poller(batch_size=100)
    drain(second)
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)] == keys
    assert second.delivered == 0


def test_a_batch_whose_delivery_fails_in_the_poller_is_retried_not_skipped(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    for n in range(3):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    poller = make_poller(env={"CRASH": "b1"})
    poller.handler.start()
    # The child dies on b1; its replacement cannot import the handler, which is now broken:
    # the poller itself fails, after reading the batch.
    (tmp_path / "handlers.py").write_text("this is not python\n")
    with pytest.raises(ConfigError):
        poller.run_once()
    (tmp_path / "handlers.py").write_text(HANDLERS.replace('os.environ.get("CRASH")', "None"))
    drain(poller)
    assert [r["dynamodb"]["Keys"]["bookingId"]["S"] for r in delivered(tmp_path)] == [
        "b0", "b1", "b2"]
    assert poller.delivered == 3


def test_records_older_than_the_maximum_age_are_given_up_on_unread(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller],
        tmp_path: Path) -> None:
    client = fresh_emulator.client()
    for n in range(3):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"b{n}"))
    poller = make_poller(maximum_record_age_seconds=60,
                         on_failure=str(tmp_path / "failed.jsonl"))
    poller.clock = lambda: time.time() + 3600  # an hour later
    drain(poller)
    assert delivered(tmp_path) == []
    (failure,) = [json.loads(line)
                  for line in (tmp_path / "failed.jsonl").read_text().splitlines()]
    assert failure["condition"] == "RecordAgeExceeded"
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 3
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")  # as Lambda writes it
    assert (poller.delivered, poller.failed) == (0, 3)
    drain(poller)
    assert poller.failed == 3  # the checkpoint moved past them


def test_records_as_sent_make_the_same_lambda_events_as_boto3_parsed_ones(
        fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    name = table(fresh_emulator)
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expiresAt"})
    client.put_item(TableName=name, Item={
        **booking("b1"), "blob": {"B": b"\x00\xff"}, "blobs": {"BS": [b"a", b"b"]},
        "tags": {"SS": ["x"]}, "map": {"M": {"l": {"L": [{"N": "1.5"}, {"NULL": True}]}}},
        "expiresAt": {"N": str(int(time.time()) - 60)}})
    client.update_item(TableName=name, Key={"bookingId": {"S": "b1"}},
                       UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":s": {"S": "CONFIRMED"}})
    TtlReaper(fresh_emulator.config.server.account_id, fresh_emulator.region).run_once()
    arn = latest_stream_arn(client, name)
    streams = fresh_emulator.client("dynamodbstreams")

    parsed = [lambda_record(r, arn) for _, r in StreamFollower(streams, arn).read()]
    as_sent = [lambda_record_as_sent(r, arn)
               for _, r in StreamFollower(streams, arn, as_sent=True).read()]
    assert [r["eventName"] for r in as_sent] == ["INSERT", "MODIFY", "REMOVE"]
    assert as_sent[-1]["userIdentity"] == {"type": "Service",
                                           "principalId": "dynamodb.amazonaws.com"}
    for one, other in zip(parsed, as_sent, strict=True):
        # boto3's datetime round trip may move the last float digit
        assert one["dynamodb"].pop("ApproximateCreationDateTime") == pytest.approx(
            other["dynamodb"].pop("ApproximateCreationDateTime"), abs=1e-3)
    assert parsed == as_sent
    assert StreamFollower(streams, arn).read()[0][1]["dynamodb"]["NewImage"]["blob"] == {
        "B": b"\x00\xff"}  # the same client still parses for everyone else


def test_in_memory_triggers_keep_their_checkpoints_in_memory(tmp_path: Path) -> None:
    """`up --in-memory` writes nothing to disk, trigger checkpoints included."""
    from ddbkit.emulator.connect.clients import make_client
    from ddbkit.emulator.process import EmulatorProcess

    work, out = tmp_path / "work", tmp_path / "out.jsonl"
    work.mkdir()
    (work / "handlers.py").write_text(HANDLERS)
    with EmulatorProcess("--in-memory", "--no-seed", "--stage", "memtrig", "--ttl-interval",
                         "0", "--trigger", "bookings=handlers:record", cwd=str(work),
                         env={"OUT": str(out), "PYTHONDONTWRITEBYTECODE": "1"}) as proc:
        client = make_client(endpoint_url=proc.endpoint_url)
        for n in range(3):
            client.put_item(TableName="marketplace-memtrig-bookings-table",
                            Item=booking(f"m{n}"))
        deadline = time.monotonic() + 60
        while not (out.exists() and out.read_text().count('"eventID"') >= 3):
            assert time.monotonic() < deadline, "the trigger did not deliver"
            time.sleep(0.05)
    assert sorted(p.name for p in work.iterdir()) == ["handlers.py"]


def test_metrics_show_a_triggers_lag_until_it_delivers(
        fresh_emulator: Emulator, make_poller: Callable[..., TriggerPoller]) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    def scraped() -> dict[str, float]:
        with urllib.request.urlopen(fresh_emulator.endpoint_url + "/metrics") as answer:
            text = answer.read().decode()
        return {f"{s.name}{s.labels}": s.value for family in
                text_string_to_metric_families(text) for s in family.samples
                if s.name.startswith(("ddbkit_trigger", "ddbkit_stream_records"))}

    client = fresh_emulator.client()
    for n in range(3):
        client.put_item(TableName=table(fresh_emulator), Item=booking(f"lag{n}"))
    poller = make_poller()
    fresh_emulator.server.metrics.watch(lambda: None, lambda: [poller])
    name = poller.config.name
    before = scraped()
    assert before[f"ddbkit_trigger_lag_records{{'trigger': '{name}'}}"] == 3
    assert before[f"ddbkit_stream_records{{'table': '{table(fresh_emulator)}'}}"] == 3
    poller.handler.start()
    drain(poller)
    after = scraped()
    assert after[f"ddbkit_trigger_lag_records{{'trigger': '{name}'}}"] == 0
    assert after[f"ddbkit_trigger_delivered_records_total{{'trigger': '{name}'}}"] == 3

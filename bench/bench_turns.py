"""A waiting thread behind background work that reads records: with and without turns given.

A journal-like file (`--records` framed JSON records of 25 items each) is read back in a
background thread (`read_frames`, decode, the items into a dict: a history replay's loop).
Meanwhile another thread sleeps 1 ms at a time and notes how late it wakes: a request thread
waiting for the interpreter. Run twice in one process: once with that thread serving
(`turns.serving`: the reader gives way every `turns.EVERY`), once without (it never does).
Prints how long the reading took and the sleeper's lateness (worst, p99, median). Numbers,
not a pass/fail; a shared 2-core machine is noisy: compare the two rows of one run.

    .venv/bin/python bench/bench_turns.py [--records 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ddbkit.emulator import turns
from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame, read_frames

BATCH = 25


def write_journal(path: Path, records: int) -> None:
    with open(path, "wb") as out:
        for n in range(records):
            ops = [["P", "t", {"pk": {"S": f"item-{n}-{k}"}, "note": {"S": "x" * 300},
                               "n": {"N": str(n * BATCH + k)}}]
                   for k in range(BATCH)]
            out.write(frame(encoding.dumps({"n": n, "t": time.time(), "ops": ops})))


def replay(path: Path, done: threading.Event, took: list[float], turns_given: list[int]) -> None:
    started, items = time.perf_counter(), {}
    with open(path, "rb") as stream:
        for payload in read_frames(stream, path.stat().st_size):
            for op in encoding.loads(payload)["ops"]:
                items[op[2]["pk"]["S"]] = op[2]
    took.append(time.perf_counter() - started)
    turns_given.append(turns.given())  # this thread's
    done.set()


def run(path: Path, give_turns: bool) -> dict[str, Any]:
    done, took, late, turns_given = threading.Event(), [], [], []
    gc.disable()  # as the emulator's restores do (`collector_paused`)
    worker = threading.Thread(target=replay, args=(path, done, took, turns_given))
    with turns.serving() if give_turns else contextlib.nullcontext():
        worker.start()
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            late.append(now - last - 0.001)
            last = now
    worker.join()
    gc.enable()
    late.sort()
    return {"took": took[0], "worst": late[-1] * 1000, "p99": late[int(len(late) * .99)] * 1000,
            "median": late[len(late) // 2] * 1000, "turns": turns_given[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddbkit-turns-") as work:
        path = Path(work) / "journal.log"
        write_journal(path, args.records)
        print(f"{args.records} records of {BATCH} items, {path.stat().st_size >> 20} MB")
        for give_turns in (False, True, False, True):
            found = run(path, give_turns)
            print(f"  turns {'given' if give_turns else 'not given':9}  read in "
                  f"{found['took']:5.2f} s   sleeper late: worst {found['worst']:6.1f} ms  "
                  f"p99 {found['p99']:6.1f} ms  median {found['median']:5.2f} ms  "
                  f"({found['turns']} turns)", flush=True)


if __name__ == "__main__":
    main()

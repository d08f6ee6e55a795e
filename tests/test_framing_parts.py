"""A record written in parts is the frame its joined bytes make, and the last record of a
file is found without reading the others (`durability.framing`)."""

from __future__ import annotations

import io

import pytest

from ddbkit.emulator.durability.framing import (
    Corrupt,
    TornTail,
    frame,
    last_frame,
    read_frames,
    write_frame,
)


def test_a_record_written_in_parts_reads_back_as_one() -> None:
    parts = [b'{"backup":"arn","Items":[', b'{"a":1}', b",", b'{"b":2}', b"]}"]
    out = io.BytesIO()
    write_frame(out, parts)
    assert out.getvalue() == frame(b"".join(parts))
    assert list(read_frames(io.BytesIO(out.getvalue()), len(out.getvalue()))) == [
        b"".join(parts)]


def test_the_last_record_is_found_by_skipping_the_others() -> None:
    data = b"".join(frame(p) for p in (b"first", b"x" * 100_000, b'{"end":{}}'))
    assert last_frame(io.BytesIO(data), len(data)) == b'{"end":{}}'


def test_a_damaged_or_cut_file_has_no_last_record() -> None:
    data = b"".join(frame(p) for p in (b"first", b"second"))
    with pytest.raises(TornTail):
        last_frame(io.BytesIO(data[:-3]), len(data) - 3)
    damaged = data[:len(frame(b"first"))] + b"\xff" * 4 + data[len(frame(b"first")) + 4:]
    with pytest.raises(Corrupt):
        last_frame(io.BytesIO(damaged), len(damaged))
    with pytest.raises(TornTail):
        last_frame(io.BytesIO(b""), 0)

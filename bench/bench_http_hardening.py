"""What hostile HTTP clients cost `ddbkit up`: memory of half-sent bodies, a header flood,
slow and idle connections. The server runs as `ddbkit up --no-seed` in a child process, so
its RSS is its own; all traffic goes to 127.0.0.1.

1. N connections each send half of a 15 MB body and stop: RSS while they are open, after
   they close, and a little later (buffers must go back to the system).
2. One connection sends headers without end: how much the server read before its 431.
3. N connections stop halfway through their headers, N more send nothing: how many are still
   open after the header timeout (10 s) and, with --idle, after the idle timeout (60 s).

    .venv/bin/python bench/bench_http_hardening.py [--bodies 20] [--connections 50] [--idle]
"""

from __future__ import annotations

import argparse
import socket
import time
from urllib.parse import urlsplit

from ddbkit.emulator.process import EmulatorProcess


def rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) // 1024


def still_open(sock: socket.socket) -> bool:
    """Reads whatever the server sent; open unless it also closed."""
    sock.setblocking(False)
    try:
        for _ in range(100):
            if sock.recv(65536) == b"":
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False
    return True


def half_sent_bodies(port: int, pid: int, count: int) -> None:
    print(f"RSS at start: {rss_mb(pid)} MB")
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 15000000"
                     "\r\n\r\n".encode() + b"a" * 7_500_000)
        socks.append(sock)
    time.sleep(1)
    print(f"{count} half-sent 15 MB bodies open: {rss_mb(pid)} MB")
    for sock in socks:
        sock.close()
    time.sleep(2)
    print(f"2 s after they closed: {rss_mb(pid)} MB")
    time.sleep(10)
    print(f"12 s after they closed: {rss_mb(pid)} MB")


def header_flood(port: int) -> None:
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
        try:
            for i in range(8192):  # at most 64 MB
                sock.sendall(f"X-Pad-{i}: ".encode() + b"a" * 8192 + b"\r\n")
                sent += 8200
        except OSError:
            pass
        try:
            answer = sock.recv(200).split(b"\r\n")[0].decode()
        except OSError as exc:
            answer = f"no answer ({exc.__class__.__name__})"
    print(f"header flood: {sent / 1e6:.1f} MB sent before the server stopped it: {answer}")


def slow_and_idle(port: int, count: int, idle: bool) -> None:
    slow = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        slow.append(sock)
    quiet = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    started = time.monotonic()
    for wait in (5, 12, 30, 62) if idle else (5, 12):
        time.sleep(max(0.0, started + wait - time.monotonic()))
        print(f"after {wait:>2} s: slow-header connections open "
              f"{sum(map(still_open, slow))}/{count}, idle open "
              f"{sum(map(still_open, quiet))}/{count}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--idle", action="store_true", help="also wait out the 60 s idle timeout")
    args = parser.parse_args()
    with EmulatorProcess("--no-seed", "--ttl-interval", "0") as proc:
        assert proc._proc is not None
        pid, port = proc._proc.pid, urlsplit(proc.endpoint_url).port or 0
        time.sleep(1)
        half_sent_bodies(port, pid, args.bodies)
        header_flood(port)
        slow_and_idle(port, args.connections, args.idle)


if __name__ == "__main__":
    main()

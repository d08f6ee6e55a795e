"""Run `ddbkit up` as a child process and wait for its ready line.

Used by the pytest plugin (a separate process keeps moto's global state away from the test
process, where a `mock_aws` would wipe it) and by tests of the real command. `-P` keeps the
working directory off `sys.path`, so a project's own modules never shadow ddbkit's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from ddbkit.emulator.errors import ServerError

_READY = re.compile(r"^ddbkit ready: (?P<url>\S+)")


class EmulatorProcess:
    def __init__(self, *args: str, startup_timeout: float = 60,
                 env: dict[str, str] | None = None, cwd: str | None = None,
                 inherit_ddbkit_env: bool = True) -> None:
        self.args = ["--port", "0", *args] if "--port" not in args else list(args)
        self.startup_timeout = startup_timeout
        self.env = env
        # False: the caller's DDBKIT_* settings (meant for their own `ddbkit up`, e.g.
        # DDBKIT_AUTH) do not reach this emulator; only its arguments configure it.
        self.inherit_ddbkit_env = inherit_ddbkit_env
        self.cwd = cwd
        self.endpoint_url = ""
        self.ready_line = ""
        self._proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def start(self) -> EmulatorProcess:
        inherited = {k: v for k, v in os.environ.items()
                     if self.inherit_ddbkit_env or not k.startswith("DDBKIT_")}
        env = {**inherited, **(self.env or {}), "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "ddbkit.cli", "up", *self.args], env=env, cwd=self.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while not ready.wait(0.1):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerError("ddbkit up did not become ready:\n" + "".join(self.output))
        return self

    def _pump(self, ready: threading.Event) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line)
            match = _READY.match(line)
            if match and not ready.is_set():
                self.endpoint_url, self.ready_line = match["url"], line.strip()
                ready.set()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then wait; returns the exit code (None if it had to be killed)."""
        if self._proc is None or self._proc.poll() is not None:
            return None if self._proc is None else self._proc.returncode
        self._proc.send_signal(signal.SIGTERM)
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            return None

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing in the process gets to run."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

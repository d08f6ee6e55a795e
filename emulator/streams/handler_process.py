"""Run a Python handler in a child process that can be timed out, killed and restarted.

A handler that raises, hangs, leaks or calls `os._exit` must not take the emulator with it,
so each trigger's handler lives in its own process (like a Lambda execution environment):
imported once, invoked over a pipe, replaced after a timeout or a crash.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ddbkit.emulator.errors import ConfigError


@dataclass(frozen=True)
class Invocation:
    ok: bool
    result: Any = None
    error: str = ""  # "ErrorType: message" when not ok
    timed_out: bool = False


class LambdaContext:
    """The parts of Lambda's context object handlers commonly use."""

    def __init__(self, function_name: str, timeout: float, request_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "ddbkit"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(spec: str) -> Any:
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        raise ConfigError(f"handler {spec!r} must look like package.module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import handler module {module_name!r}: {exc}") from exc
    except Exception as exc:  # the module's own code failed (SyntaxError, NameError, ...)
        raise ConfigError(f"handler module {module_name!r} failed to import: "
                          f"{type(exc).__name__}: {exc}") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"{module_name} has no function {function_name!r}")
    return function


def _worker(spec: str, paths: list[str], env: dict[str, str], conn: Connection) -> None:
    os.environ.update(env)
    sys.path[:0] = paths
    try:
        function = resolve_handler(spec)
    except ConfigError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the poller went away without saying so: nothing left to do
            return
        if message is None:
            return
        event, timeout = message
        context = LambdaContext(spec.partition(":")[2], timeout, str(uuid.uuid4()))
        try:
            outcome: tuple[str, Any] = ("ok", function(event, context))
        except BaseException as exc:  # noqa: BLE001 - report everything, as Lambda does
            traceback.print_exc()
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(outcome)
        except Exception as exc:  # noqa: BLE001 - an unpicklable return value
            conn.send(("error", f"handler returned a value that cannot be sent back: {exc}"))


class HandlerProcess:
    def __init__(self, spec: str, *, paths: list[str] | None = None,
                 env: dict[str, str] | None = None, timeout: float = 30.0,
                 start_timeout: float = 60.0) -> None:
        self.spec = spec
        self.paths = paths if paths is not None else [os.getcwd()]
        self.env = env or {}
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._process: Any = None
        self._conn: Connection | None = None

    def start(self) -> None:
        """Start the child and import the handler; ConfigError if it cannot be imported.
        A no-op while a child runs (a second one would orphan the first)."""
        if self._conn is not None:
            return
        context = multiprocessing.get_context("spawn")  # no forked copy of our threads/locks
        parent, child = context.Pipe()
        self._process = context.Process(target=_worker, name=f"ddbkit-handler {self.spec}",
                                        args=(self.spec, self.paths, self.env, child),
                                        daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(self.start_timeout):
            self.stop()
            raise ConfigError(f"handler {self.spec} did not start in {self.start_timeout:.0f} s")
        try:
            status, detail = parent.recv()
        except EOFError:  # died before a word (a module that exits or crashes on import)
            self._process.join(timeout=5)  # the pipe closes a moment before it is reaped
            code = self._process.exitcode
            self.stop()
            raise ConfigError(f"handler {self.spec} exited while starting (code {code})") from None
        if status != "ready":
            self.stop()
            raise ConfigError(detail)

    def invoke(self, event: Any) -> Invocation:
        if self._conn is None:
            self.start()
        assert self._conn is not None
        try:
            self._conn.send((event, self.timeout))
            if not self._conn.poll(self.timeout):
                self._kill()
                return Invocation(False, error=f"Task timed out after {self.timeout:g} seconds",
                                  timed_out=True)
            status, detail = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = None
            if self._process is not None:
                self._process.join(timeout=5)  # the pipe closes a moment before it is reaped
                code = self._process.exitcode
            self._kill()
            return Invocation(False, error=f"handler process exited (code {code})")
        if status == "ok":
            return Invocation(True, result=detail)
        return Invocation(False, error=str(detail))

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        self.stop()

    def stop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._conn = None
        self._process = None

"""Serving an ASGI app over real HTTP/1.1 (granian's embedded server) in a daemon thread: what
each fake runs on, in `python -m devservices` and in tests that want a fake in their own
process (`run_in_thread(create_app(...))`)."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock; there the check and the bind stay two steps
    fcntl = None

WILDCARDS = ("0.0.0.0", "::", "")


@dataclass
class RunningServer:
    """A server running in a daemon thread; call it (or `.stop()`) to stop it."""
    host: str
    port: int
    app: Any
    _loop: asyncio.AbstractEventLoop
    _server: Any
    _thread: threading.Thread

    @property
    def url(self) -> str:
        """A URL this machine reaches it at (127.0.0.1 when it listens on every address)."""
        return f"http://{reachable(self.host)}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            try:
                self._loop.call_soon_threadsafe(self._server.stop)
            except RuntimeError:  # loop already closed
                pass
            self._thread.join(timeout)

    __call__ = stop

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def reachable(host: str) -> str:
    """The address to connect to for a server listening on `host` (a wildcard: loopback)."""
    return "127.0.0.1" if host in WILDCARDS else host


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def _port_claim(host: str, port: int):
    """Hold this machine's lock for `host:port` from "is it free?" until the server listens.

    granian binds with SO_REUSEPORT, so two processes that both found the port free (two
    `make run`s with one PORT, or a test run beside a developer's fakes) would both bind it,
    and the kernel would split connections between two fakes that each know only their own
    tokens, envelopes and sessions. An exclusive lock on a file named after the port makes the
    check and the bind one step; the kernel drops it if the holder dies."""
    if fcntl is None:
        yield
        return
    path = Path(tempfile.gettempdir()) / f"lendbook-port-{port}.lock"  # any address: one port
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _ensure_port_free(host: str, port: int) -> None:
    # granian binds with SO_REUSEPORT, which would silently share a port already in use.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise OSError(e.errno, f"{host}:{port} is already in use") from e


def run_in_thread(app: Any, port: int = 0, host: str = "127.0.0.1",
                  timeout: float = 10.0) -> RunningServer:
    """Serve an ASGI app over HTTP/1.1 with granian's embedded server in a daemon thread (its
    own event loop). `port=0` picks a free port. Returns once the port accepts connections.
    Raises OSError if another server (in this process or another) already holds the port."""
    port = port or free_port(host)
    with _port_claim(host, port):
        _ensure_port_free(host, port)
        return _serve_in_thread(app, port, host, timeout)


def _serve_in_thread(app: Any, port: int, host: str, timeout: float) -> RunningServer:
    from granian.constants import HTTPModes, Interfaces
    from granian.server.embed import Server

    granian_logger = logging.getLogger("_granian")
    saved = (granian_logger.level, list(granian_logger.handlers), granian_logger.propagate)
    server = Server(app, address=host, port=port, interface=Interfaces.ASGINL,
                    http=HTTPModes.http1, websockets=False, log_access=False,
                    log_level="warning")
    # granian's constructor reconfigures its logger; keep the host process's settings
    granian_logger.setLevel(saved[0])
    granian_logger.handlers[:] = saved[1]
    granian_logger.propagate = saved[2]
    loop = asyncio.new_event_loop()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve())
        except BaseException as e:  # noqa: BLE001 - reported to the starting thread
            failure.append(e)
        finally:
            loop.close()

    thread = threading.Thread(target=serve, name=f"http-{host}:{port}", daemon=True)
    thread.start()
    running = RunningServer(host, port, app, loop, server, thread)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"server on {host}:{port} failed to start: {failure!r}")
        try:
            with socket.create_connection((reachable(host), port), timeout=0.2):
                return running
        except OSError:
            time.sleep(0.02)
    running.stop()
    raise TimeoutError(f"server on {host}:{port} did not start within {timeout}s")

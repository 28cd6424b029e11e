"""Start the development fakes as their own process (`python -m devservices`), as `make run`
does, for tests that need them over HTTP beside a served app."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class FakesProcess:
    def __init__(self, proc: subprocess.Popen, lines: list[str], host: str,
                 ports: dict[str, int]):
        self.proc, self.lines, self.host, self.ports = proc, lines, host, ports

    def url(self, fake: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.ports[fake]}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def fakes_process(*, host: str, bind: str, app_url: str, port_stripe: int | None = None,
                  port_docusign: int | None = None, env: dict[str, str] | None = None,
                  log_path: Path | None = None, timeout: float = 60.0):
    """Run `python -m devservices` (only the fakes given a port), links on `host`, listening
    on `bind`, webhooks to `app_url`; yields once it printed `devservices ready`; stops it
    (SIGTERM, then SIGKILL) on exit."""
    args = [sys.executable, "-m", "devservices", "--host", host, "--bind", bind,
            "--app-url", app_url]
    ports = {}
    if port_stripe:
        args += ["--only", "stripe", "--port-stripe", str(port_stripe)]
        ports["stripe"] = port_stripe
    if port_docusign:
        args += ["--only", "docusign", "--port-docusign", str(port_docusign)]
        ports["docusign"] = port_docusign
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    ready = threading.Event()
    log = open(log_path, "a") if log_path else None

    def read() -> None:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if log:
                log.write(line)
                log.flush()
            if line.strip() == "devservices ready":
                ready.set()
        ready.set()  # it exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    running = FakesProcess(proc, lines, host, ports)
    try:
        if not ready.wait(timeout) or proc.poll() is not None:
            raise RuntimeError(f"python -m devservices did not start:\n{running.output}")
        yield running
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        reader.join(5)
        if log:
            log.close()

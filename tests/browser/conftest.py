"""Browser fixtures: the real app in production mode on its own port and database, driven by
Playwright in Debian's Chromium (never a downloaded browser). As `make run` does, the fakes of
Stripe and DocuSign run as a process of their own (`python -m devservices`) on PORT+1 and
PORT+2, listening on every address, their links and the app's URLs for them on this machine's
non-loopback host name (`devservices.hosts.public_host`), so a test can also drive the app from
another host name (test_other_host.py)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from devservices.appenv import app_env
from devservices.hosts import public_host, url_host
from tests.devservices_support import fakes_process

# On 2 busy cores a page after a redirect has been seen to take more than Playwright's
# default 5 s to render.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PORT = int(os.environ.get("LENDBOOK_TEST_PORT", "3111"))
REDIS_URL = os.environ.get("LENDBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
# Backend workers when Redis holds the state (LENDBOOK_TEST_WORKERS to change); without
# Redis the app runs one worker with its state on disk.
WORKERS = int(os.environ.get("LENDBOOK_TEST_WORKERS", "2"))


def _redis_for_tests() -> str | None:
    """The Redis the browser app keeps its state in; None (state on disk, one worker) when
    unreachable, except under CI, where that is a failure."""
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return REDIS_URL
    except redis.RedisError as e:
        if os.environ.get("CI"):
            pytest.fail(f"Redis unreachable at {REDIS_URL} under CI: {e}")
        return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Migrate a fresh SQLite database, load the demo data, serve with `reflex run --env prod`."""
    data = tmp_path_factory.mktemp("appdata")
    database_url = f"sqlite:///{data / 'lendbook.db'}"
    host = public_host({})  # this machine's name or address, never LENDBOOK_HOST of a dev
    fakes_env = app_env(host, PORT + 1, PORT + 2)  # as make run: its own fakes' URLs
    env = {**os.environ, "DATABASE_URL": database_url,
           "LENDBOOK_DATA_DIR": str(data), "LENDBOOK_PORT": str(PORT),
           "LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS": "manual",  # tests settle ACH by the hook
           "REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false",
           "NO_PROXY": f"{host},127.0.0.1,localhost", "no_proxy": f"{host},127.0.0.1,localhost",
           "PATH": f"{ROOT / 'tools/bun/node_modules/.bin'}:{Path(sys.executable).parent}:"
                   f"{os.environ['PATH']}"}
    for name in ("REDIS_URL", "LENDBOOK_DOCUSIGN_PRIVATE_KEY_FILE",
                 "LENDBOOK_DOCUSIGN_ACCOUNT_ID", "LENDBOOK_DOCUSIGN_INTEGRATION_KEY",
                 "LENDBOOK_DOCUSIGN_USER_ID", "LENDBOOK_STRIPE_FAKE_WEBHOOK_URL",
                 "LENDBOOK_DOCUSIGN_FAKE_CONNECT_URL"):
        env.pop(name, None)  # the local fakes, never a developer's real keys
    env.update(fakes_env)
    redis_url = _redis_for_tests()
    if redis_url:  # UI state in Redis, as in production
        env.update(REDIS_URL=redis_url, GRANIAN_WORKERS=str(WORKERS))
    bindir = Path(sys.executable).parent
    for cmd in (["migrate"], ["demo"]):
        subprocess.run([str(bindir / "lendbook"), *cmd], env=env, check=True, cwd=ROOT,
                       capture_output=True)
    fakes = fakes_process(host=host, bind="0.0.0.0", app_url=f"http://{url_host(host)}:{PORT}",
                          port_stripe=PORT + 1, port_docusign=PORT + 2, env=env,
                          log_path=data / "fakes.log")
    fakes.__enter__()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [str(bindir / "reflex"), "run", "--env", "prod", "--single-port",
         "--frontend-port", str(PORT), "--backend-port", str(PORT)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{PORT}"
    deadline = time.monotonic() + 400
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app exited: {(data / 'server.log').read_text()[-3000:]}")
            try:
                # `/ping` answers once the backend is up; `/` once the built pages are served.
                if httpx.get(url + "/ping", timeout=2).status_code == 200 and \
                        httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app not up in 400 s: {(data / 'server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield _Served(url, redis_url, proc.pid, database_url, WORKERS, host, fakes_env)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except ProcessLookupError:  # it exited by itself (the failure above says why)
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        fakes.__exit__(None, None, None)


class _Served(str):
    """The app's URL, also saying how it is served (Redis or None, for the Redis test), its
    database (for a test that arranges what no page can do, such as a bank return), the host
    name it and its fakes are also reached at (`host`, `host_url`: the app there) and the
    app's settings for the fakes (`fakes_env`: STRIPE_API_BASE, ...)."""

    def __new__(cls, url: str, redis_url: str | None, pid: int, database_url: str,
                workers: int, host: str, fakes_env: dict[str, str]):
        self = super().__new__(cls, url)
        self.redis_url, self.pid, self.database_url = redis_url, pid, database_url
        self.workers, self.host, self.fakes_env = workers, host, fakes_env
        self.host_url = f"http://{url_host(host)}:{PORT}"
        self.stripe_url = fakes_env["STRIPE_API_BASE"]
        self.docusign_url = fakes_env["LENDBOOK_DOCUSIGN_OAUTH_HOST"]
        return self


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

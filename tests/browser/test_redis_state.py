"""With REDIS_URL set, Reflex keeps every page's state in Redis and several backend workers
serve one portal (the browser app runs that way in these tests: LENDBOOK_TEST_WORKERS, 2 by
default); here we check it really is so, and that a borrower's half-filled form survives new
connections, whichever worker takes them."""
import socket
from urllib.parse import urlsplit

import psutil
import pytest
import redis
from playwright.sync_api import Page, expect

from tests.browser.pages import fill, sign_in

pytestmark = pytest.mark.browser


def test_page_state_lives_in_redis(page: Page, app_url, artifacts):
    if not app_url.redis_url:
        pytest.skip("Redis is unreachable here (under CI that fails the run instead)")

    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/apply")
    fill(page, {"Amount": "4000", "Number of payments": "18"})
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("First name")).to_be_visible()
    client = redis.Redis.from_url(app_url.redis_url)
    keys = [k.decode() for k in client.scan_iter(count=1000)]
    assert any("apply_state" in k.lower() for k in keys), keys[:20]
    for _ in range(4):  # each reload opens a new websocket; any worker may take it
        page.reload()
        expect(page.get_by_label("First name")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Amount")).to_have_value("4000")


def test_every_worker_serves(app_url):
    """Each granian worker listens on the port itself (SO_REUSEPORT) and the kernel spreads new
    connections over them: hold 16 connections open, each answered, and see which worker
    accepted each (all 16 on one of two workers by chance: 1 in 32,768)."""
    if not hasattr(app_url, "redis_url"):
        pytest.skip("Redis is unreachable here: one worker, state on disk")
    server = psutil.Process(app_url.pid)
    workers = [p for p in server.children(recursive=True)
               if any(c.status == psutil.CONN_LISTEN and c.laddr.port == urlsplit(app_url).port
                      for c in p.net_connections("tcp"))]
    assert len(workers) == app_url.workers, [(p.pid, p.cmdline()) for p in workers]

    host, port = urlsplit(app_url).hostname, urlsplit(app_url).port
    held = []
    try:
        for _ in range(16):
            sock = socket.create_connection((host, port), timeout=10)
            held.append(sock)
            sock.sendall(f"GET /ping HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 200"), "a worker did not answer /ping"
        ours = {s.getsockname() for s in held}
        accepted_by = {w.pid: sum(1 for c in w.net_connections("tcp")
                                  if c.raddr and (c.raddr.ip, c.raddr.port) in ours)
                       for w in workers}
    finally:
        for sock in held:
            sock.close()
    assert sum(accepted_by.values()) == 16, accepted_by
    if app_url.workers > 1:
        assert all(accepted_by.values()), f"a worker accepted none of 16 connections: {accepted_by}"

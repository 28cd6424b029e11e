"""Run the development fakes as their own process:

    python -m devservices [--only stripe|docusign] [--host HOST] [--bind ADDRESS]
                          [--port-stripe N] [--port-docusign M] [--app-url URL]
                          [--settle-after SECONDS|manual]
    python -m devservices --print-host
    python -m devservices --print-app-env [--host HOST] [--port-stripe N] [--port-docusign M]

`make run` starts one process per fake, Stripe on PORT+1 and DocuSign on PORT+2, and points the
app at them (see the Makefile). Links the fakes hand out (the Checkout page, the signing page)
are on `--host` (default: `devservices.hosts.public_host()`, i.e. LENDBOOK_HOST or this
machine's name or address), so a browser on another machine can follow them; they listen on
`--bind` (default LENDBOOK_BIND or 0.0.0.0, every address). Webhooks and Connect messages go
to `--app-url` (default http://HOST:$LENDBOOK_PORT). Secrets and the rest come from the same
environment variables the app reads (STRIPE_WEBHOOK_SECRET, LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY,
LENDBOOK_DOCUSIGN_ACCESS_TOKEN, LENDBOOK_DOCUSIGN_ACCOUNT_ID, LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS;
see each server's `start_*` function). Prints one line per fake, then `devservices ready`;
stops on SIGINT or SIGTERM.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence

from devservices.appenv import app_env, shell_exports
from devservices.hosts import public_host, url_host
from integrations.docusign import defaults as docusign_defaults
from integrations.stripe import defaults as stripe_defaults
from domain.kernel import settings

FAKES = ("stripe", "docusign")


def _parser() -> argparse.ArgumentParser:
    c = settings.load()
    p = argparse.ArgumentParser(prog="python -m devservices",
                                description="Local fakes of Stripe and DocuSign (development "
                                            "and tests only)")
    p.add_argument("--only", choices=FAKES, action="append",
                   help="run only this fake (repeatable); default both")
    p.add_argument("--host", default=None,
                   help="host name in the links the fakes hand out and in the default app URL "
                        "(default LENDBOOK_HOST, else this machine's name or address)")
    p.add_argument("--bind", default=c.bind,
                   help="address to listen on (default LENDBOOK_BIND or 0.0.0.0)")
    p.add_argument("--port-stripe", type=int, default=stripe_defaults.fake_port(c),
                   help="default LENDBOOK_STRIPE_FAKE_PORT, else LENDBOOK_PORT (3000) + 1")
    p.add_argument("--port-docusign", type=int, default=docusign_defaults.fake_port(c),
                   help="default LENDBOOK_DOCUSIGN_FAKE_PORT, else LENDBOOK_PORT (3000) + 2")
    p.add_argument("--app-url", default=None,
                   help="the app, for webhooks and Connect (default "
                        "http://HOST:$LENDBOOK_PORT, 3000 when unset)")
    p.add_argument("--settle-after", default=None,
                   help="seconds until fake ACH payments settle, or 'manual' (default "
                        "LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS or 5)")
    p.add_argument("--print-host", action="store_true",
                   help="print the default host name (as it goes in a URL) and exit")
    p.add_argument("--print-app-env", action="store_true",
                   help="print the app's settings for these fakes as shell exports and exit "
                        "(devservices.appenv)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.print_host:
        print(url_host(public_host()))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devservices %(levelname)s "
                                                   "%(name)s: %(message)s")
    host = args.host or public_host()
    if args.print_app_env:
        print(shell_exports(app_env(host, args.port_stripe, args.port_docusign)))
        return 0
    app_url = args.app_url or \
        f"http://{url_host(host)}:{settings.load().port}"
    wanted = args.only or list(FAKES)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    running = []
    try:
        if "stripe" in wanted:
            from devservices.stripe import server as stripe_server
            settle = stripe_server.settle_seconds(
                args.settle_after if args.settle_after is not None
                else settings.load().stripe_fake_settle_seconds)
            server = stripe_server.start_fake_stripe(
                args.port_stripe, settle_after_seconds=settle, host=args.bind,
                public_url=f"http://{url_host(host)}:{args.port_stripe}", app_url=app_url)
            running.append(server)
            print(stripe_server.describe(server), flush=True)
        if "docusign" in wanted:
            from devservices.docusign import server as docusign_server
            server = docusign_server.start_fake_docusign(
                args.port_docusign, host=args.bind,
                public_url=f"http://{url_host(host)}:{args.port_docusign}", app_url=app_url)
            running.append(server)
            print(docusign_server.describe(server), flush=True)
    except OSError as e:
        print(f"devservices: {e}", file=sys.stderr, flush=True)
        for server in running:
            server.stop()
        return 1
    print("devservices ready", flush=True)
    stop.wait()
    for server in running:
        server.stop()
    time.sleep(0.5)  # let granian's runtime threads finish: exiting at once can abort
    return 0


if __name__ == "__main__":
    sys.exit(main())

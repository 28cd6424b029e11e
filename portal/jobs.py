"""Background jobs the web app runs while it serves: close of business once a day, and
collections (autopay drafts sent through the processor) every interval.

Several workers may each run this; the business date's `cob_run` row makes a second run of
the same date a no-op, so the book is closed exactly once per date whatever the worker count.
"""
import asyncio
import logging
from datetime import date

from domain.servicing import cob
from composition import ports
from domain.kernel import settings
from domain.kernel.actor import SYSTEM

log = logging.getLogger("lendbook.jobs")


async def close_of_business_job() -> None:
    """Catch up every business date through yesterday, then check again every interval.
    Today closes after midnight, when its activity is complete. `LENDBOOK_COB_INTERVAL=0`
    switches the job off (then run `lendbook cob` from cron)."""
    interval = settings.load().cob_interval
    if interval <= 0:
        return
    while True:
        through = date.fromordinal(date.today().toordinal() - 1)
        try:
            done = await asyncio.to_thread(cob.run_cob, through, SYSTEM)
            if done:
                log.info("close of business ran through %s (%d dates)", through, len(done))
        except Exception:  # keep serving; the next interval retries
            log.exception("close of business failed")
        await asyncio.sleep(interval)


def collect_once(on: date | None = None) -> dict:
    """One collection run: create the drafts due, send the processor's through Stripe (each
    under its attempt's idempotency key), mark bank-file debits past the return window
    settled. Bank files themselves are written on the Bank files page or by `lendbook
    ach-debits`, since someone sends them to the bank."""
    from domain.payments import collection_runs, collections
    on = on or date.today()
    drafted = collections.schedule_drafts(on)
    sent = collection_runs.run_due(ports().charger, on)
    settled = collections.settle_matured(on)
    return {"drafted": drafted, "sent": len(sent), "settled": settled}


async def collection_job() -> None:
    """Collections every LENDBOOK_COLLECT_INTERVAL seconds (0 switches the job off). Several
    workers may run it at once: attempts are created once (unique keys) and Stripe answers a
    repeated idempotency key with the first PaymentIntent."""
    interval = settings.load().collect_interval
    if interval <= 0:
        return
    while True:
        try:
            done = await asyncio.to_thread(collect_once)
            if any(done.values()):
                log.info("collections: %s", done)
        except Exception:  # keep serving; the next interval retries
            log.exception("collections failed")
        await asyncio.sleep(interval)

"""Background jobs the web app runs while it serves: close of business once a day.

Several workers may each run this; the business date's `cob_run` row makes a second run of
the same date a no-op, so the book is closed exactly once per date whatever the worker count.
"""
import asyncio
import logging
import os
from datetime import date

from domain.services import cob
from domain.services.actor import SYSTEM

log = logging.getLogger("lendbook.jobs")
INTERVAL_SECONDS = int(os.environ.get("LENDBOOK_COB_INTERVAL", "3600"))


async def close_of_business_job() -> None:
    """Catch up every business date through yesterday, then check again every interval.
    Today closes after midnight, when its activity is complete. `LENDBOOK_COB_INTERVAL=0`
    switches the job off (then run `lendbook cob` from cron)."""
    if INTERVAL_SECONDS <= 0:
        return
    while True:
        through = date.fromordinal(date.today().toordinal() - 1)
        try:
            done = await asyncio.to_thread(cob.run_cob, through, SYSTEM)
            if done:
                log.info("close of business ran through %s (%d dates)", through, len(done))
        except Exception:  # keep serving; the next interval retries
            log.exception("close of business failed")
        await asyncio.sleep(INTERVAL_SECONDS)

"""The composition root: the one place the app's ports are built, all from one typed settings
object (`domain.kernel.settings`). Pages, API routes, jobs and the CLI ask `ports()` for what
they need instead of building adapters themselves:

- `bureau`: the credit bureau / KYC port (`LENDBOOK_BUREAU`; the offline local bureau);
- `esign`: the e-signature port (DocuSign: the local fake or the real service by settings);
- `stripe` and `charger`: the card/bank processor gateway and the collections port on it;
- `documents`: the document storage port (a local folder now; a bucket is another adapter);
- `today`: the clock the jobs use;
- `unit_of_work()`: one transaction on the configured database.

Adapters are made on first use, so a page that needs only the bureau never fails on a
missing Stripe key. `ports()` answers the same object while the settings are unchanged (the
environment is read again each call: tests change it), and `start()` installs what the domain
asks for itself (document storage) when a process starts.
"""
from datetime import date
from functools import cached_property, lru_cache

from domain.db.uow import UnitOfWork
from domain.documents import storage
from domain.kernel import settings
from domain.kernel.settings import Settings


class Ports:
    def __init__(self, config: Settings):
        self.settings = config

    @cached_property
    def bureau(self):
        from integrations.bureau import for_settings
        return for_settings(self.settings)

    @cached_property
    def esign(self):
        from integrations.docusign.client import DocuSignConfig, ESignClient
        return ESignClient(DocuSignConfig.from_settings(self.settings))

    @cached_property
    def stripe(self):
        from integrations.stripe.client import StripeConfig, StripeGateway
        return StripeGateway(StripeConfig.from_settings(self.settings))

    @cached_property
    def charger(self):
        from integrations.stripe.charger import StripeCharger
        return StripeCharger(self.stripe)

    @cached_property
    def documents(self) -> storage.DocumentStorage:
        return storage.LocalFolder(self.settings.data_dir / "documents")

    @staticmethod
    def today() -> date:
        return date.today()

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.settings.database_url)


@lru_cache(maxsize=8)
def _ports(config: Settings) -> Ports:
    return Ports(config)


def ports() -> Ports:
    """The ports for the settings in effect now."""
    return _ports(settings.load())


def start() -> Ports:
    """At process start (the web app, a job runner): install the document storage the domain
    uses and return the ports."""
    p = ports()
    storage.install(p.documents)
    return p

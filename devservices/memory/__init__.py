"""In-memory fakes of the domain's provider ports, for service tests that are not about HTTP:
`InMemoryCharger` (`domain.payments.collection_runs.Charger`, what `integrations.stripe.charger`
implements) and `InMemoryESign` (`domain.origination.esign.ESignPort`, what
`integrations.docusign.client.ESignClient` implements). No server, no SDK, no network.

Stripe Checkout (saving a card or bank account, `portal/stripe_setup.py`) has no domain port:
the portal calls the Stripe adapter directly, so it has no in-memory fake here."""
from devservices.memory.charger import InMemoryCharger
from devservices.memory.esign import InMemoryESign

__all__ = ["InMemoryCharger", "InMemoryESign"]

"""The Stripe side of the collections port: `domain.payments.collection_runs.Charger`
implemented on the SDK adapter, so the domain never sees a Stripe object."""
from domain.payments.collection_runs import ChargeResult
from integrations.stripe.client import StripeGateway


class StripeCharger:
    def __init__(self, gateway: StripeGateway | None = None):
        self.gateway = gateway or StripeGateway.from_env()

    def charge(self, idempotency_key: str, customer: str, payment_method: str,
               amount_minor: int, description: str, metadata: dict) -> ChargeResult:
        r = self.gateway.charge(idempotency_key, customer, payment_method, amount_minor,
                                description, metadata)
        return ChargeResult(r.payment_intent_id or "", r.status, r.failure_code or "",
                            r.failure_message or "")

"""Saving a card or bank account through Stripe Checkout in setup mode, for the autopay and
pay-now pages: the borrower is sent to Stripe's hosted page (the local fake's by default) and
comes back with `?stripe_session=cs_...`, which is read back here and saved as an instrument.
Card and bank details never touch our pages."""
from domain.kernel.errors import ValidationError
from domain.access import accounts
from domain.payments import instruments
from domain.kernel.actor import Actor
from composition import ports
from integrations.stripe.client import SetupIncomplete, StripeError, StripeGateway

SESSION_PARAM = "stripe_session"


def _customer(gateway: StripeGateway, actor: Actor) -> str:
    return gateway.ensure_customer(actor.label, accounts.display_name(actor.user_id) or "",
                                   f"lendbook-user-{actor.user_id}")


def start(actor: Actor, loan_number: str, origin: str, path: str) -> str:
    """The hosted page's URL; it returns the borrower to `origin + path`."""
    instruments.instruments(actor, loan_number)  # the borrower's own loan, or refused
    try:
        gateway = ports().stripe
        session = gateway.start_setup(
            _customer(gateway, actor),
            f"{origin}{path}?{SESSION_PARAM}={{CHECKOUT_SESSION_ID}}", f"{origin}{path}",
            metadata={"loan": loan_number})
    except StripeError as e:
        raise ValidationError({"stripe": f"Stripe is unavailable right now: {e}"}) from None
    return session.url


def finish(actor: Actor, loan_number: str, session_id: str) -> int:
    """Save what the borrower set up on the hosted page (once: a second visit with the same
    session finds the instrument already saved)."""
    try:
        gateway = ports().stripe
        saved = gateway.setup_result(session_id)
        customer = _customer(gateway, actor)
    except SetupIncomplete:
        raise ValidationError({"stripe": "the card or bank account was not saved: "
                                         "the Stripe page was left before finishing"}) from None
    except StripeError as e:
        raise ValidationError({"stripe": f"Stripe is unavailable right now: {e}"}) from None
    if saved.customer_id != customer:
        raise ValidationError({"stripe": "this Stripe session belongs to someone else"})
    card = saved.kind == "card"
    return instruments.save_provider_method(
        actor, loan_number, customer=customer, method_ref=saved.payment_method_id,
        kind=saved.kind, bank_name=saved.bank_name or "",
        last4=(saved.card_last4 if card else saved.bank_last4) or "",
        card_brand=saved.card_brand or "", routing_number=saved.routing_number or "",
        account_type=saved.account_type or "checking")

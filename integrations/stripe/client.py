"""Autopay through Stripe with the official `stripe` SDK: the app's only door to Stripe.

Everything goes through `stripe.StripeClient` (HTTPX transport); what comes back is plain frozen
dataclasses, never Stripe objects. By default the client talks to the local fake Stripe, a
development service of its own (`python -m devservices`; `make run` starts it on PORT+1 and
sets `STRIPE_API_BASE`); real Stripe test mode is configuration only:

- `STRIPE_API_KEY`: secret key. Default `sk_test_lendbook_local`, used only with the local fake.
- `STRIPE_API_BASE`: API base URL. Unset: the local fake `http://127.0.0.1:3001`
  (port `LENDBOOK_STRIPE_FAKE_PORT`, default `LENDBOOK_PORT` + 1), unless `STRIPE_API_KEY` is set to another key, which
  means `https://api.stripe.com`. `local` names the fake explicitly. A fake on another host
  name (as `make run` serves it, for phones on the network) is not loopback: give it a
  `sk_test_` key of its own and `STRIPE_WEBHOOK_SECRET` (the Makefile does).
- `STRIPE_WEBHOOK_SECRET`: the endpoint's `whsec_...` signing secret. Unset: the fake's local
  secret while the base URL is loopback, otherwise none (every webhook is then refused).

Operations: `ensure_customer`, `start_setup` (Checkout in setup mode: the borrower saves a bank
account, with the ACH mandate, or a card on Stripe's page), `setup_result`, `charge`
(an off-session PaymentIntent, confirmed at once, under the caller's idempotency key: the same
key never charges twice), `retrieve_payment_intent`, `verify_webhook`.
"""
from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import stripe

from domain.kernel import settings
from integrations.stripe import defaults
from integrations.stripe.models import (  # noqa: F401 - the adapter's API, re-exported
    ChargeResult,
    IdempotencyConflict,
    MandateRequired,
    ProviderEvent,
    SavedMethod,
    SetupIncomplete,
    SetupSession,
    StripeConfigError,
    StripeError,
    StripeUnavailable,
    WebhookVerificationError,
    utc_from_unix,
    provider_event,
)

WEBHOOK_TOLERANCE = 300
KINDS = ("us_bank_account", "card")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class StripeConfig:
    api_key: str = field(repr=False)
    api_base: str
    webhook_secret: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_network_retries: int = 2
    webhook_tolerance: int = WEBHOOK_TOLERANCE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "StripeConfig":
        """From the settings object (read from `environ` instead when given)."""
        return cls.from_settings(settings.load(environ))

    @classmethod
    def from_settings(cls, c: settings.Settings) -> "StripeConfig":
        fake = defaults.fake_url(c)
        key = (c.stripe_api_key or "").strip()
        base = (c.stripe_api_base or "").strip().rstrip("/")
        if base.lower() in ("local", "fake"):
            base = fake
        if not base:
            base = defaults.REAL_API_BASE if key and key != defaults.FAKE_API_KEY else fake
        local = _is_loopback(base)
        return cls(api_key=key or (defaults.FAKE_API_KEY if local else ""), api_base=base,
                   webhook_secret=(c.stripe_webhook_secret or "").strip()
                   or (defaults.FAKE_WEBHOOK_SECRET if local else None))

    @property
    def is_local(self) -> bool:
        return _is_loopback(self.api_base)


class _HTTPXClient(stripe.HTTPXClient):
    """The SDK's HTTPX transport, with two adjustments: for a loopback (fake) Stripe it ignores
    environment proxies, and it sends the SDK's already-encoded form body as `content=` (httpx
    0.28 deprecates `data=` for raw strings)."""

    def __init__(self, timeout: float, loopback: bool):
        super().__init__(timeout=timeout, allow_sync_methods=True)
        if loopback:  # replace the SDK-built clients (plain http: only trust_env differs)
            self._client.close()
            self._client = httpx.Client(trust_env=False)
            self._client_async = httpx.AsyncClient(trust_env=False)

    def _get_request_args_kwargs(self, method, url, headers, post_data):
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        if isinstance(kwargs.get("data"), (str, bytes)):
            kwargs["content"] = kwargs.pop("data")
        return args, kwargs


class StripeGateway:
    def __init__(self, config: StripeConfig | None = None):
        self.config = config or StripeConfig.from_env()
        key = self.config.api_key
        if not key:
            raise StripeConfigError(f"STRIPE_API_KEY is required for {self.config.api_base}")
        if not key.startswith(("sk_", "rk_")):
            raise StripeConfigError("STRIPE_API_KEY must be a secret (sk_...) or restricted "
                                    "(rk_...) key")
        if key == defaults.FAKE_API_KEY and not self.config.is_local:
            raise StripeConfigError("the local fake's key cannot be used with "
                                    f"{self.config.api_base}: set STRIPE_API_KEY")
        self._stripe = stripe.StripeClient(
            key, base_addresses={"api": self.config.api_base},
            max_network_retries=self.config.max_network_retries,
            http_client=_HTTPXClient(self.config.timeout, self.config.is_local))

    @classmethod
    def from_env(cls) -> "StripeGateway":
        return cls(StripeConfig.from_env())

    def _call(self, fn, *args, **kwargs) -> Any:
        try:
            return fn(*args, **kwargs)
        except stripe.IdempotencyError as e:
            raise IdempotencyConflict(e.user_message or str(e), e.http_status, e.code) from e
        except stripe.AuthenticationError as e:
            raise StripeConfigError(f"Stripe refused the API key: {e.user_message}",
                                    e.http_status, e.code) from e
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as e:
            raise StripeUnavailable(f"Stripe unavailable: {e.user_message or e}",
                                    e.http_status, e.code) from e
        except stripe.CardError as e:  # charge() turns it into a declined ChargeResult
            raise StripeError(f"declined: {e.user_message}", e.http_status, e.code,
                              e.param) from e
        except stripe.InvalidRequestError as e:
            raise StripeError(f"Stripe refused the request: {e.user_message}", e.http_status,
                              e.code, e.param) from e
        except stripe.StripeError as e:
            raise StripeError(f"Stripe error: {e.user_message or e}", e.http_status,
                              e.code) from e

    # -- customers -------------------------------------------------------------------------

    def ensure_customer(self, email: str, name: str, reference: str) -> str:
        """The id of the Stripe customer for `reference` (Lendbook's borrower id): found by
        e-mail and `metadata.lendbook_reference`, or created (idempotently)."""
        found = self._call(self._stripe.v1.customers.list,
                           params={"email": email, "limit": 100})
        for customer in found.data:
            if customer.to_dict().get("metadata", {}).get("lendbook_reference") == reference:
                return customer.id
        digest = hashlib.sha256(f"{reference}|{email}|{name}".encode()).hexdigest()[:24]
        customer = self._call(self._stripe.v1.customers.create,
                              params={"email": email, "name": name,
                                      "metadata": {"lendbook_reference": reference}},
                              options={"idempotency_key": f"lendbook-customer-{digest}"})
        return customer.id

    # -- saving a payment method -----------------------------------------------------------

    def start_setup(self, customer: str, success_url: str, cancel_url: str,
                    kinds: tuple[str, ...] = KINDS, *, metadata: Mapping[str, str] | None = None,
                    idempotency_key: str | None = None) -> SetupSession:
        """A Checkout session in setup mode; send the borrower to `.url`. Stripe replaces
        `{CHECKOUT_SESSION_ID}` in `success_url` with the session id."""
        unknown = [k for k in kinds if k not in KINDS]
        if not kinds or unknown:
            raise ValueError(f"kinds must be among {KINDS}, got {kinds!r}")
        params: dict[str, Any] = {"mode": "setup", "customer": customer,
                                  "success_url": success_url, "cancel_url": cancel_url,
                                  "payment_method_types": list(kinds)}
        if metadata:
            params["metadata"] = {str(k): str(v) for k, v in metadata.items()}
            params["setup_intent_data"] = {"metadata": params["metadata"]}
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        session = self._call(self._stripe.v1.checkout.sessions.create, params=params,
                             options=options)
        return SetupSession(session.id, session.url)

    def setup_result(self, session_id: str) -> SavedMethod:
        """What the borrower saved in the Checkout session; SetupIncomplete before they did."""
        session = self._call(self._stripe.v1.checkout.sessions.retrieve, session_id, params={
            "expand": ["setup_intent.payment_method", "setup_intent.mandate"]})
        si = session.setup_intent
        if session.status != "complete" or si is None or isinstance(si, str) \
                or si.status != "succeeded":
            raise SetupIncomplete(f"checkout session {session_id} is {session.status}"
                                  + (f", setup intent {si.status}" if si is not None
                                     and not isinstance(si, str) else ""))
        pm = si.payment_method.to_dict()
        mandate = si.mandate.to_dict() if si.mandate is not None else {}
        accepted = (mandate.get("customer_acceptance") or {}).get("accepted_at")
        common = dict(payment_method_id=pm["id"], kind=pm["type"], customer_id=pm.get("customer"),
                      setup_intent_id=si.id, mandate_id=mandate.get("id"),
                      mandate_accepted_at=utc_from_unix(accepted))
        if pm["type"] == "us_bank_account":
            bank = pm.get("us_bank_account") or {}
            return SavedMethod(**common, fingerprint=bank.get("fingerprint"),
                               bank_name=bank.get("bank_name"),
                               routing_number=bank.get("routing_number"),
                               bank_last4=bank.get("last4"), account_type=bank.get("account_type"))
        card = pm.get("card") or {}
        return SavedMethod(**common, fingerprint=card.get("fingerprint"),
                           card_brand=card.get("brand"), card_last4=card.get("last4"),
                           card_exp_month=card.get("exp_month"), card_exp_year=card.get("exp_year"))

    # -- charging --------------------------------------------------------------------------

    def charge(self, idempotency_key: str, customer: str, payment_method: str,
               amount_minor: int, description: str, metadata: Mapping[str, str]
               ) -> ChargeResult:
        """Charge a saved payment method off-session, in USD cents. Use one idempotency key per
        installment attempt: a retry or restart with the same key returns the first result and
        never charges twice. A bank debit comes back `processing` (the outcome arrives later, by
        webhook); a card succeeds or declines now (a decline is a result, not an exception).
        Raises MandateRequired when a bank account's mandate is gone, StripeUnavailable when
        the call may be retried (same key), IdempotencyConflict, StripeError otherwise."""
        if not idempotency_key or len(idempotency_key) > 255:
            raise ValueError("idempotency_key must be 1 to 255 characters")
        if amount_minor <= 0:
            raise ValueError("amount_minor must be positive")
        params = {"amount": int(amount_minor), "currency": "usd", "customer": customer,
                  "payment_method": payment_method, "payment_method_types": list(KINDS),
                  "off_session": True, "confirm": True, "description": description[:1000],
                  "metadata": {str(k): str(v) for k, v in metadata.items()}}
        try:
            intent = self._call(self._stripe.v1.payment_intents.create, params=params,
                                options={"idempotency_key": idempotency_key})
        except StripeError as e:
            declined = e.__cause__
            if isinstance(declined, stripe.CardError):
                return _declined(declined)
            if (e.param or "").startswith("mandate"):
                raise MandateRequired(str(e), e.status, e.code, e.param) from declined
            raise
        return _result(intent.to_dict())

    def retrieve_payment_intent(self, payment_intent_id: str) -> ChargeResult:
        intent = self._call(self._stripe.v1.payment_intents.retrieve, payment_intent_id)
        return _result(intent.to_dict())

    # -- webhooks --------------------------------------------------------------------------

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> ProviderEvent:
        """Check `Stripe-Signature` over the raw body (300 s tolerance) and map the event.
        Raises WebhookVerificationError for a bad or missing signature, a stale timestamp, or a
        body that is not an event."""
        secret = self.config.webhook_secret
        if not secret:
            raise WebhookVerificationError("STRIPE_WEBHOOK_SECRET is not set: webhooks are "
                                           "refused")
        try:
            event = stripe.Webhook.construct_event(raw_body, signature_header, secret,
                                                   tolerance=self.config.webhook_tolerance)
        except stripe.SignatureVerificationError as e:
            raise WebhookVerificationError(f"bad Stripe-Signature: {e.user_message}") from e
        except (ValueError, UnicodeDecodeError) as e:
            raise WebhookVerificationError(f"webhook body is not a Stripe event: {e}") from e
        data = event.to_dict()
        if data.get("object") != "event" or not data.get("id") or not data.get("type"):
            raise WebhookVerificationError("webhook body is not a Stripe event")
        return provider_event(data)


def _result(pi: Mapping[str, Any]) -> ChargeResult:
    error = pi.get("last_payment_error") or {}
    return ChargeResult(payment_intent_id=pi.get("id"), status=pi.get("status") or "unknown",
                        amount_minor=pi.get("amount"), failure_code=error.get("code"),
                        failure_message=error.get("message"),
                        decline_code=error.get("decline_code"), charge_id=pi.get("latest_charge"))


def _declined(e: stripe.CardError) -> ChargeResult:
    body = (e.json_body or {}).get("error") or {}
    intent = body.get("payment_intent") or {}
    return ChargeResult(payment_intent_id=intent.get("id"),
                        status=intent.get("status") or "requires_payment_method",
                        amount_minor=intent.get("amount"), failure_code=body.get("code"),
                        failure_message=body.get("message"),
                        decline_code=body.get("decline_code"), charge_id=body.get("charge"))

"""PaymentIntents, charges, ACH settlement and disputes for the fake Stripe.

- Cards succeed or decline at confirm (402 `card_error` with `decline_code`, the PaymentIntent
  back to `requires_payment_method`, a failed `ch_` charge).
- US bank accounts (ACH Direct Debit) go `processing` at confirm with a pending `py_` charge and
  settle when the fake's clock moves: `settle()` (the `/_fake/settle` hook) or, when
  `settle_after_seconds` is set, on a timer. The test account number decides the outcome
  (`objects.TEST_BANK_ACCOUNTS`): success, or a failure with `last_payment_error.code` and
  the charge's `failure_code`; returns other than insufficient funds block the account
  (`payment_method.automatically_updated`, `us_bank_account.status_details.blocked`), and
  later debits from it are refused with 402 `bank_account_unusable`.
- `create_dispute()`: an ACH return after success (Stripe reports unauthorized returns as
  disputes): `charge.dispute.created` then `charge.dispute.closed` (status `lost`; ACH disputes
  are final); the first dispute invalidates the mandate, the second blocks the account.
- Deviation: the fake only debits bank accounts verified through a SetupIntent or Checkout
  (Stripe would ask the PaymentIntent itself for microdeposit verification).
"""
from __future__ import annotations

import copy
from typing import Any

from devservices.stripe import objects as fo
from devservices.stripe.core import Ctx, FakeError, _bool, _int, _metadata
from devservices.stripe.objects import build, list_object, new_id, now

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


class Payments:
    """Mixed into `server.FakeStripe` (needs `StripeStore`)."""

    def create_payment_intent(self, p: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
        amount = _int(p.get("amount"), 0)
        currency = str(p.get("currency") or "").lower()
        if amount < 50:
            raise FakeError(400, "Amount must be at least $0.50 usd", code="amount_too_small",
                            param="amount")
        types = list(p.get("payment_method_types") or ["card"])
        if p.get("customer"):
            self.get(p["customer"], "customer", "customer")
        confirm = _bool(p.get("confirm"))
        if p.get("off_session") not in (None, False, "false") and not confirm:
            raise FakeError(400, "off_session can only be used with confirm=true.",
                            param="off_session")
        pm = self.payment_method(p["payment_method"]) if p.get("payment_method") else None
        if pm and confirm:  # refusals that leave no PaymentIntent behind
            self._check_method(pm, types, p.get("customer"), currency)
            if pm["type"] == "us_bank_account":
                self._bank_mandate(pm, p)
        pi = self.store(build(
            "payment_intent", id=new_id("pi"), amount=amount, amount_capturable=0,
            amount_received=0, capture_method="automatic", confirmation_method="automatic",
            created=now(), currency=currency, customer=p.get("customer"),
            description=p.get("description") or None, metadata=_metadata(p.get("metadata")),
            payment_method=pm["id"] if pm else None, payment_method_types=types,
            status="requires_confirmation" if pm else "requires_payment_method",
            last_payment_error=None, latest_charge=None, next_action=None, processing=None,
            canceled_at=None, cancellation_reason=None, application=None,
            application_fee_amount=None, automatic_payment_methods=None, on_behalf_of=None,
            receipt_email=p.get("receipt_email") or None, review=None, shipping=None,
            setup_future_usage=p.get("setup_future_usage") or None,
            statement_descriptor=p.get("statement_descriptor") or None,
            statement_descriptor_suffix=None, transfer_data=None, transfer_group=None,
            payment_method_options=_pi_options(types)))
        pi["client_secret"] = f"{pi['id']}_secret_{new_id('x', 25)[2:]}"
        self.emit("payment_intent.created", pi, ctx)
        if confirm:
            return self.confirm_payment_intent(pi["id"], {k: p.get(k) for k in (
                "off_session", "mandate", "mandate_data") if p.get(k) is not None}, ctx)
        return pi

    def confirm_payment_intent(self, intent_id: str, p: dict[str, Any],
                               ctx: Ctx) -> dict[str, Any]:
        pi = self.get(intent_id, "payment_intent", "intent")
        if pi["status"] not in CONFIRMABLE:
            raise FakeError(400, f"This PaymentIntent's status is {pi['status']}, so it cannot "
                            "be confirmed.", code="payment_intent_unexpected_state",
                            payment_intent=copy.deepcopy(pi))
        if p.get("payment_method"):
            pi["payment_method"] = self.payment_method(p["payment_method"])["id"]
        if not pi["payment_method"]:
            raise FakeError(400, "You cannot confirm this PaymentIntent because it's missing a "
                            "payment method.", code="payment_intent_unexpected_state",
                            payment_intent=copy.deepcopy(pi))
        pm = self.get(pi["payment_method"], "payment_method", "payment_method")
        self._check_method(pm, pi["payment_method_types"], pi["customer"], pi["currency"])
        off_session = p.get("off_session") not in (None, False, "false")
        if pm["type"] == "card":
            return self._charge_card(pi, pm, off_session, ctx)
        return self._debit_bank(pi, pm, p, ctx)

    def _check_method(self, pm: dict[str, Any], types: list[str], customer: str | None,
                      currency: str) -> None:
        if pm["type"] not in types:
            raise FakeError(400, f"The PaymentMethod {pm['id']} has type {pm['type']}, which is "
                            f"not in this PaymentIntent's payment_method_types "
                            f"({', '.join(types)}).",
                            code="payment_intent_incompatible_payment_method",
                            param="payment_method")
        if pm.get("customer") and pm["customer"] != customer:
            raise FakeError(400, f"The PaymentMethod {pm['id']} belongs to Customer "
                            f"{pm['customer']}: pass that customer.", param="customer")
        if pm["type"] == "us_bank_account" and currency != "usd":
            raise FakeError(400, "us_bank_account payments must be in usd.", param="currency")

    # -- cards -----------------------------------------------------------------------------

    def _charge_card(self, pi: dict[str, Any], pm: dict[str, Any], off_session: bool,
                     ctx: Ctx) -> dict[str, Any]:
        card = fo.card_info(self.private[pm["id"]]["card_number"])
        decline = card.decline
        if card.needs_authentication and off_session:
            decline = fo.AUTHENTICATION_REQUIRED
        if decline is None:
            charge = self._new_charge(pi, pm, "succeeded")
            pi.update(status="succeeded", amount_received=pi["amount"],
                      latest_charge=charge["id"], last_payment_error=None)
            self.emit("charge.succeeded", charge, ctx)
            self.emit("payment_intent.succeeded", pi, ctx)
            return pi
        code, decline_code, message = decline
        charge = self._new_charge(pi, pm, "failed", failure=(code, message),
                                  outcome=_declined(decline_code))
        self._failed(pi, pm, charge, ctx, type="card_error", code=code,
                     decline_code=decline_code, message=message)
        raise FakeError(402, message, type="card_error", code=code, decline_code=decline_code,
                        charge=charge["id"], payment_intent=copy.deepcopy(pi),
                        payment_method=copy.deepcopy(pm))

    # -- ACH Direct Debit ------------------------------------------------------------------

    def _bank_mandate(self, pm: dict[str, Any], p: dict[str, Any]) -> dict[str, Any] | None:
        """The mandate to debit under (None: a new one from mandate_data); raises when the
        account cannot be debited at all."""
        if not self.private[pm["id"]]["verified"]:
            raise FakeError(400, f"The bank account {pm['id']} is not verified: the local fake "
                            "only debits accounts saved through a SetupIntent (microdeposits) "
                            "or Checkout.", code="payment_method_unactivated",
                            param="payment_method")
        if p.get("mandate"):
            given = self.get(p["mandate"], "mandate", "mandate")
            if given["payment_method"] != pm["id"] or given["status"] != "active":
                raise FakeError(400, f"The mandate {given['id']} is not an active mandate of "
                                f"{pm['id']}.", code="mandate_invalid", param="mandate")
            return given
        mandate = self.active_mandate(pm)
        if mandate is None and not (p.get("mandate_data") or {}).get("customer_acceptance"):
            raise FakeError(400, "This PaymentIntent requires a mandate, but no active mandate "
                            "was found for the bank account. Collect the customer's acceptance "
                            "and provide it in mandate_data.", code="parameter_missing",
                            param="mandate_data")
        return mandate

    def _debit_bank(self, pi: dict[str, Any], pm: dict[str, Any], p: dict[str, Any],
                    ctx: Ctx) -> dict[str, Any]:
        mandate = self._bank_mandate(pm, p) or self.new_mandate(
            pm, p["mandate_data"]["customer_acceptance"], ctx)
        if pm["us_bank_account"].get("status_details"):
            message = "This bank account is blocked: it cannot be used for debits."
            charge = self._new_charge(pi, pm, "failed", mandate=mandate,
                                      failure=("bank_account_unusable", message),
                                      outcome=_declined("bank_account_unusable", "blocked"))
            self._failed(pi, pm, charge, ctx, type="card_error", code="bank_account_unusable",
                         message=message)
            raise FakeError(402, message, type="card_error", code="bank_account_unusable",
                            charge=charge["id"], payment_intent=copy.deepcopy(pi),
                            payment_method=copy.deepcopy(pm))
        charge = self._new_charge(pi, pm, "pending", mandate=mandate)
        pi.update(status="processing", latest_charge=charge["id"], last_payment_error=None)
        self.emit("payment_intent.processing", pi, ctx)
        self.emit("charge.pending", charge, ctx)
        if self.settle_after_seconds is not None and self.schedule:
            self.schedule(self.settle_after_seconds, lambda: self.settle_one(pi["id"]))
        return pi

    def settle(self, intent_id: str | None = None, delay: float | None = None) -> list[str]:
        """Settle one processing ACH payment or all of them (now, or after `delay` seconds).
        Returns the ids settled (or scheduled)."""
        if intent_id:
            self.get(intent_id, "payment_intent", "payment_intent")
            ids = [intent_id]
        else:
            ids = [o["id"] for o in self.objects.values()
                   if o.get("object") == "payment_intent" and o["status"] == "processing"]
        if delay:
            for i in ids:
                self.schedule(delay, lambda i=i: self.settle_one(i))
            return ids
        return [i for i in ids if self.settle_one(i)]

    def settle_one(self, intent_id: str) -> bool:
        pi = self.objects.get(intent_id)
        if not pi or pi["status"] != "processing":
            return False
        pm = self.objects[pi["payment_method"]]
        outcome = fo.bank_outcome(self.private[pm["id"]]["account_number"])
        if outcome.stays_processing:
            return False
        charge = self.objects[pi["latest_charge"]]
        if outcome.failure_code is None:
            charge.update(status="succeeded", paid=True, outcome=_approved())
            pi.update(status="succeeded", amount_received=pi["amount"])
            self.emit("charge.succeeded", charge, None)
            self.emit("payment_intent.succeeded", pi, None)
            if outcome.disputes:
                self.create_dispute(charge["id"], network_code=outcome.network_code)
            return True
        charge.update(status="failed", paid=False, captured=False, amount_captured=0,
                      failure_code=outcome.failure_code, failure_message=outcome.message,
                      outcome=_declined(outcome.failure_code))
        self._failed(pi, pm, charge, None, type="card_error", code=outcome.failure_code,
                     message=outcome.message)
        if outcome.blocks_account:
            self._block(pm, outcome.network_code, outcome.blocks_account)
        return True

    def _block(self, pm: dict[str, Any], network_code: str | None, reason: str) -> None:
        details = pm["us_bank_account"]
        if details.get("status_details"):
            return
        details["status_details"] = {"blocked": {"network_code": network_code,
                                                 "reason": reason}}
        self.emit("payment_method.automatically_updated", pm, None,
                  {"us_bank_account": {"status_details": None}})
        if reason == "debit_not_authorized":
            mandate = self.active_mandate(pm)
            if mandate:
                self.set_mandate_status(mandate, "inactive", None)

    # -- shared ----------------------------------------------------------------------------

    def _failed(self, pi: dict[str, Any], pm: dict[str, Any], charge: dict[str, Any],
                ctx: Ctx | None, **error: Any) -> None:
        last = dict(error, charge=charge["id"], payment_method=copy.deepcopy(pm))
        if error.get("code"):
            last["doc_url"] = "https://stripe.com/docs/error-codes/" + \
                error["code"].replace("_", "-")
        pi.update(status="requires_payment_method", latest_charge=charge["id"],
                  last_payment_error=last, payment_method=None)
        self.emit("charge.failed", charge, ctx)
        self.emit("payment_intent.payment_failed", pi, ctx)

    def _new_charge(self, pi: dict[str, Any], pm: dict[str, Any], status: str, *,
                    mandate: dict[str, Any] | None = None,
                    failure: tuple[str, str] | None = None,
                    outcome: dict[str, Any] | None = None) -> dict[str, Any]:
        bank = pm["type"] == "us_bank_account"
        charge_id = new_id("py" if bank else "ch")
        if bank:
            details = {k: pm["us_bank_account"][k] for k in (
                "account_holder_type", "account_type", "bank_name", "fingerprint", "last4",
                "routing_number")}
            details.update(mandate=mandate["id"] if mandate else None, payment_reference=None,
                           expected_debit_date=None)
        else:
            card = pm["card"]
            details = {k: card[k] for k in ("brand", "checks", "country", "exp_month",
                                            "exp_year", "fingerprint", "funding", "last4")}
            details.update(network=card["brand"], three_d_secure=None, wallet=None, mandate=None)
        captured = status != "failed"
        return self.store(build(
            "charge", id=charge_id, amount=pi["amount"],
            amount_captured=pi["amount"] if captured else 0, amount_refunded=0,
            application=None, application_fee=None, application_fee_amount=None,
            balance_transaction=None, billing_details=copy.deepcopy(pm["billing_details"]),
            calculated_statement_descriptor=(pi.get("statement_descriptor")
                                             or self.business_name.upper())[:22],
            captured=captured, created=now(), currency=pi["currency"],
            customer=pi["customer"], description=pi["description"], disputed=False,
            failure_balance_transaction=None, failure_code=failure[0] if failure else None,
            failure_message=failure[1] if failure else None, fraud_details={},
            metadata=dict(pi["metadata"]), on_behalf_of=None,
            outcome=outcome or (_approved() if status == "succeeded" else _pending()),
            paid=status == "succeeded", payment_intent=pi["id"], payment_method=pm["id"],
            payment_method_details={"type": pm["type"], pm["type"]: details},
            receipt_email=None, receipt_number=None, receipt_url=None, refunded=False,
            refunds=list_object([], f"/v1/charges/{charge_id}/refunds"), review=None,
            shipping=None, source=None, source_transfer=None, statement_descriptor=None,
            statement_descriptor_suffix=None, status=status, transfer_data=None,
            transfer_group=None))

    def create_dispute(self, charge_id: str, reason: str | None = None,
                       network_code: str | None = "R10", ctx: Ctx | None = None
                       ) -> dict[str, Any]:
        charge = self.get(charge_id, "charge", "charge")
        if charge["status"] != "succeeded":
            raise FakeError(400, f"Charge {charge_id} has status {charge['status']}: only a "
                            "succeeded charge can be disputed.", param="charge")
        if charge["disputed"]:
            raise FakeError(400, f"Charge {charge_id} has already been disputed.",
                            code="charge_disputed", param="charge")
        pm = self.objects[charge["payment_method"]]
        bank = pm["type"] == "us_bank_account"
        details = None if bank else {"type": "card", "card": {
            "brand": pm["card"]["brand"], "case_type": "chargeback",
            "network_reason_code": network_code}}
        dispute = self.store(build(
            "dispute", id=new_id("dp"), amount=charge["amount"], charge=charge_id,
            created=now(), currency=charge["currency"], balance_transactions=[],
            is_charge_refundable=False, metadata={}, payment_intent=charge["payment_intent"],
            payment_method_details=details,
            reason=reason or ("debit_not_authorized" if bank else "fraudulent"),
            status="lost" if bank else "needs_response"))
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute, ctx)
        if bank:  # ACH disputes are final
            self.emit("charge.dispute.closed", dispute, ctx)
            private = self.private[pm["id"]]
            private["disputes"] += 1
            mandate = self.active_mandate(pm)
            if private["disputes"] == 1 and mandate:
                self.set_mandate_status(mandate, "inactive", ctx)
            elif private["disputes"] > 1:
                self._block(pm, network_code, "debit_not_authorized")
        return dispute


def _approved() -> dict[str, Any]:
    return {"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
            "seller_message": "Payment complete.", "type": "authorized"}


def _pending() -> dict[str, Any]:
    return {"network_status": "approved_by_network", "reason": None, "risk_level": "not_assessed",
            "seller_message": "The payment is pending.", "type": "authorized"}


def _declined(reason: str, kind: str = "issuer_declined") -> dict[str, Any]:
    return {"network_status": "declined_by_network", "reason": reason, "risk_level": "normal",
            "seller_message": "The bank returned the decline code "
                                            f"`{reason}`.", "type": kind}


def _pi_options(types: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "card" in types:
        options["card"] = {"installments": None, "mandate_options": None, "network": None,
                           "request_three_d_secure": "automatic"}
    if "us_bank_account" in types:
        options["us_bank_account"] = {"verification_method": "automatic"}
    return options

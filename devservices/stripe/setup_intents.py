"""SetupIntents for the fake Stripe: saving a card or a US bank account for off-session use.

- Cards: saved at confirm unless the test card declines when saved (see `objects`).
- Bank accounts need a mandate (`mandate_data[customer_acceptance]`) and a verified account.
  Accounts entered on the fake's hosted Checkout page count as verified (the page stands in
  for Checkout's instant verification); accounts created through the API are verified with
  microdeposits as in Stripe test mode: confirm leaves the SetupIntent `requires_action`
  (`verify_with_microdeposits`, descriptor code) and `verify_microdeposits` with
  `descriptor_code=SM11AA` or `amounts=[32, 45]` completes it (`SM33CC` / `[10, 11]`: attempts
  exceeded). `verification_method=instant` needs Financial Connections, which the fake lacks.
"""
from __future__ import annotations

import copy
from typing import Any

from devservices.stripe import objects as fo
from devservices.stripe.core import Ctx, FakeError, _metadata
from devservices.stripe.objects import build, new_id, now

OPEN = ("requires_payment_method", "requires_confirmation", "requires_action")


class SetupIntents:
    """Mixed into `server.FakeStripe` (needs `StripeStore`)."""

    def create_setup_intent(self, p: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
        types = list(p.get("payment_method_types") or ["card"])
        if p.get("customer"):
            self.get(p["customer"], "customer", "customer")
        options = p.get("payment_method_options") or {}
        verification = (options.get("us_bank_account") or {}).get("verification_method")
        pm = self.payment_method(p["payment_method"]) if p.get("payment_method") else None
        si = self.store(build(
            "setup_intent", id=new_id("seti"), created=now(), customer=p.get("customer"),
            description=p.get("description") or None, metadata=_metadata(p.get("metadata")),
            payment_method_types=types, usage=p.get("usage") or "off_session",
            status="requires_confirmation" if pm else "requires_payment_method",
            payment_method=pm["id"] if pm else None, mandate=None, last_setup_error=None,
            next_action=None, latest_attempt=None, single_use_mandate=None,
            cancellation_reason=None, application=None, on_behalf_of=None,
            automatic_payment_methods=None, flow_directions=None,
            payment_method_options=_options(types, verification or "automatic")))
        si["client_secret"] = f"{si['id']}_secret_{new_id('x', 25)[2:]}"
        self.emit("setup_intent.created", si, ctx)
        if p.get("confirm") in (True, "true"):
            return self.confirm_setup_intent(si["id"], {"mandate_data": p.get("mandate_data")},
                                             ctx)
        return si

    def confirm_setup_intent(self, intent_id: str, p: dict[str, Any],
                             ctx: Ctx) -> dict[str, Any]:
        si = self.get(intent_id, "setup_intent", "intent")
        if si["status"] not in OPEN:
            raise FakeError(400, f"You cannot confirm this SetupIntent because it has a status "
                            f"of {si['status']}.", code="setup_intent_unexpected_state",
                            setup_intent=copy.deepcopy(si))
        if p.get("payment_method"):
            si["payment_method"] = self.payment_method(p["payment_method"])["id"]
        if not si["payment_method"]:
            raise FakeError(400, "You cannot confirm this SetupIntent because it's missing a "
                            "payment method. Update it with a payment method and confirm "
                            "again.", code="setup_intent_unexpected_state")
        pm = self.get(si["payment_method"], "payment_method", "payment_method")
        if pm["type"] not in si["payment_method_types"]:
            raise FakeError(400, f"The PaymentMethod {pm['id']} has type {pm['type']}, which this "
                            f"SetupIntent does not allow (payment_method_types: "
                            f"{', '.join(si['payment_method_types'])}).",
                            param="payment_method")
        if si["customer"] and pm.get("customer") not in (None, si["customer"]):
            raise FakeError(400, "The PaymentMethod is attached to another Customer.",
                            param="payment_method")
        options = p.get("payment_method_options") or {}
        verification = (options.get("us_bank_account") or {}).get("verification_method")
        if verification and pm["type"] == "us_bank_account":
            si["payment_method_options"]["us_bank_account"]["verification_method"] = verification
        if pm["type"] == "card":
            card = fo.card_info(self.private[pm["id"]]["card_number"])
            if card.declines_setup:
                code, decline_code, message = card.decline or fo.DECLINED
                self._setup_failed(si, pm, ctx, 402, message, type="card_error", code=code,
                                   decline_code=decline_code)
            return self._setup_succeeded(si, pm, ctx)
        # us_bank_account
        if pm["us_bank_account"].get("status_details"):
            self._setup_failed(si, pm, ctx, 402, "This bank account is blocked: it cannot be "
                               "used for debits.", type="card_error",
                               code="bank_account_unusable")
        mandate = self.active_mandate(pm)
        acceptance = (p.get("mandate_data") or {}).get("customer_acceptance")
        if mandate is None and not acceptance:
            raise FakeError(400, "Missing required param: mandate_data. A US bank account "
                            "needs the customer's acceptance of the mandate "
                            "(mandate_data[customer_acceptance]).", code="parameter_missing",
                            param="mandate_data")
        if self.private[pm["id"]]["verified"]:
            if mandate is None:
                mandate = self.new_mandate(pm, acceptance, ctx)
            si["mandate"] = mandate["id"]
            return self._setup_succeeded(si, pm, ctx)
        method = si["payment_method_options"]["us_bank_account"]["verification_method"]
        if method == "instant":
            raise FakeError(400, "Instant verification needs Stripe Financial Connections, "
                            "which the local fake does not have: use verification_method "
                            "microdeposits (or automatic), or Checkout.",
                            param="payment_method_options[us_bank_account]"
                                  "[verification_method]")
        if mandate is None:
            mandate = self.new_mandate(pm, acceptance, ctx, status="pending")
        si.update(status="requires_action", mandate=mandate["id"], next_action={
            "type": "verify_with_microdeposits",
            "verify_with_microdeposits": {
                "arrival_date": now(), "microdeposit_type": "descriptor_code",
                "hosted_verification_url": f"{ctx.base_url}/microdeposits/{si['id']}"}})
        self.emit("setup_intent.requires_action", si, ctx)
        return si

    def verify_microdeposits(self, intent_id: str, p: dict[str, Any],
                             ctx: Ctx) -> dict[str, Any]:
        si = self.get(intent_id, "setup_intent", "intent")
        if si["status"] != "requires_action" or \
                (si.get("next_action") or {}).get("type") != "verify_with_microdeposits":
            raise FakeError(400, f"This SetupIntent (status {si['status']}) is not waiting for "
                            "microdeposit verification.", code="setup_intent_unexpected_state")
        given: dict[str, Any] = {}
        if p.get("amounts") not in (None, ""):
            given["amounts"] = [int(a) for a in p["amounts"]]
        if p.get("descriptor_code") not in (None, ""):
            given["descriptor_code"] = p["descriptor_code"]
        if len(given) != 1:
            raise FakeError(400, "Provide either amounts or descriptor_code.",
                            param="descriptor_code")
        pm = self.get(si["payment_method"], "payment_method", "payment_method")
        private = self.private[pm["id"]]
        if given in fo.MICRODEPOSITS_OK:
            private["verified"] = True
            mandate = self.get(si["mandate"], "mandate")
            self.set_mandate_status(mandate, "active", ctx)
            si["next_action"] = None
            return self._setup_succeeded(si, pm, ctx)
        private["attempts"] += 1
        limit = 3 if "amounts" in given else 10
        if given in fo.MICRODEPOSITS_EXCEEDED or private["attempts"] >= limit:
            si["next_action"] = None
            self._setup_failed(si, pm, ctx, 400, "You have exceeded the number of allowed "
                               "verification attempts.",
                               code="payment_method_microdeposit_verification_attempts_exceeded")
        kind = "amounts" if "amounts" in given else "descriptor_code"
        raise FakeError(400, f"The {kind.replace('_', ' ')} provided do not match the "
                        "microdeposits sent to the bank account.",
                        code=f"payment_method_microdeposit_verification_{kind}_mismatch",
                        param=kind)

    def _setup_succeeded(self, si: dict[str, Any], pm: dict[str, Any],
                         ctx: Ctx) -> dict[str, Any]:
        if si["customer"]:
            self.attach(pm, si["customer"], ctx)
        si.update(status="succeeded", last_setup_error=None)
        self.emit("setup_intent.succeeded", si, ctx)
        return si

    def _setup_failed(self, si: dict[str, Any], pm: dict[str, Any], ctx: Ctx, status: int,
                      message: str, **error: Any) -> None:
        error.setdefault("type", "invalid_request_error")
        last = {"message": message, "payment_method": copy.deepcopy(pm), **error}
        if error.get("code"):
            last["doc_url"] = "https://stripe.com/docs/error-codes/" + \
                error["code"].replace("_", "-")
        si.update(status="requires_payment_method", last_setup_error=last, payment_method=None)
        self.emit("setup_intent.setup_failed", si, ctx)
        raise FakeError(status, message, setup_intent=copy.deepcopy(si),
                        payment_method=copy.deepcopy(pm), **error)


def _options(types: list[str], verification: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "card" in types:
        options["card"] = {"mandate_options": None, "network": None,
                           "request_three_d_secure": "automatic"}
    if "us_bank_account" in types:
        options["us_bank_account"] = {"mandate_options": {},
                                      "verification_method": verification}
    return options

"""Checkout in `mode=setup` for the fake Stripe: the session object and the hosted page.

`GET /checkout/{session_id}` is a plain, script-free HTML form (labels, fieldsets, keyboard
order, errors announced with role=alert and tied to their fields) where the borrower chooses a
bank account or a card, types the account holder's name and the routing and account numbers
(or a test card), reads and accepts the ACH Direct Debit mandate, and submits. `POST` saves it:
a PaymentMethod (attached to the session's customer), a succeeded SetupIntent (with an active
mandate for a bank account), the session `complete`, webhooks `setup_intent.succeeded` and
`checkout.session.completed`, and a 303 to `success_url` with `{CHECKOUT_SESSION_ID}` filled in.
Bank accounts entered here count as verified (the page stands in for Checkout's instant
verification). `GET/POST /microdeposits/{setup_intent}` is the hosted microdeposit page.
"""
from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from devservices.stripe import objects as fo
from devservices.stripe.core import Ctx, FakeError, _metadata
from devservices.stripe.objects import build, new_id, now
from devservices.stripe.wire import public_base

KINDS = {"us_bank_account": "Bank account (ACH Direct Debit)", "card": "Card"}


class Checkout:
    """Mixed into `server.FakeStripe` (needs `StripeStore` and `SetupIntents`)."""

    def create_checkout_session(self, p: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
        if p.get("mode") != "setup":
            raise FakeError(400, "The local fake implements Checkout in mode=setup only.",
                            param="mode")
        types = list(p.get("payment_method_types") or ["card"])
        unknown = [t for t in types if t not in KINDS]
        if unknown:
            raise FakeError(400, f"The local fake's Checkout offers card and us_bank_account, "
                            f"not {', '.join(unknown)}.", param="payment_method_types")
        for name in ("success_url", "cancel_url"):
            if urlsplit(str(p.get(name) or "")).scheme not in ("http", "https"):
                raise FakeError(400, "Not a valid URL", code="url_invalid", param=name)
        if p.get("customer"):
            self.get(p["customer"], "customer", "customer")
        session_id = new_id("cs_test", 58)
        created = now()
        session = self.store(build(
            "checkout.session", id=session_id, created=created, mode="setup", status="open",
            expires_at=int(p.get("expires_at") or created + 86400),
            payment_status="no_payment_required", customer=p.get("customer"),
            customer_email=p.get("customer_email") or None,
            client_reference_id=p.get("client_reference_id") or None,
            success_url=p["success_url"], cancel_url=p["cancel_url"],
            payment_method_types=types, metadata=_metadata(p.get("metadata")),
            locale=p.get("locale") or None, setup_intent=None, payment_intent=None,
            currency=None, amount_subtotal=None, amount_total=None, customer_details=None,
            url=f"{ctx.base_url}/checkout/{session_id}"))
        self.private[session_id] = {"setup_intent_data": p.get("setup_intent_data") or {}}
        return session

    def checkout_session(self, session_id: str) -> dict[str, Any]:
        """The session, `expired` once past `expires_at` while still open."""
        session = self.get(session_id, "checkout.session", "session")
        if session["status"] == "open" and session["expires_at"] < now():
            session["status"] = "expired"
            self.emit("checkout.session.expired", session, None)
        return session

    def complete_checkout(self, session: dict[str, Any], kind: str, form: dict[str, str],
                          ctx: Ctx) -> dict[str, Any]:
        """Save what the borrower entered; raises FakeError (its param names a form field)."""
        customer = self.objects.get(session["customer"] or "", {})
        billing = {"address": None, "email": customer.get("email") or session["customer_email"],
                   "name": form["name"], "phone": None, "tax_id": None}
        if kind == "us_bank_account":
            pm = self.new_bank_method(form["routing"], form["account"], "individual",
                                      form.get("account_type") or "checking", billing,
                                      verified=True)
        else:
            month, _, year = form["expiry"].replace(" ", "").partition("/")
            pm = self.new_card_method(form["number"].replace(" ", ""), _num(month),
                                      2000 + _num(year) if len(year) == 2 else _num(year),
                                      billing)
        data = self.private[session["id"]]["setup_intent_data"]
        si = self.create_setup_intent({
            "customer": session["customer"], "payment_method_types": [kind],
            "payment_method": pm["id"], "usage": "off_session",
            "description": data.get("description"), "metadata": data.get("metadata")}, ctx)
        acceptance = {"type": "online", "online": {"ip_address": ctx.ip,
                                                   "user_agent": ctx.user_agent}}
        si = self.confirm_setup_intent(si["id"], {"mandate_data": {
            "customer_acceptance": acceptance}} if kind == "us_bank_account" else {}, ctx)
        session.update(status="complete", setup_intent=si["id"], customer_details={
            "address": None, "email": billing["email"], "name": form["name"], "phone": None,
            "tax_exempt": "none", "tax_ids": []})
        self.emit("checkout.session.completed", session, ctx)
        return session


def _num(text: str) -> int:
    return int(text) if text.isdigit() else 0


# ---------------------------------------------------------------------------------------------
# the hosted pages

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;
color:#1b1f24;line-height:1.5}
main{max-width:38rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin-top:0}
fieldset{border:1px solid #c4c9d0;border-radius:.4rem;margin:1.25rem 0;padding:1rem}
legend{font-weight:700;padding:0 .3rem}
label{display:block;font-weight:600;margin:.9rem 0 .2rem}
.choice label,.check label{display:inline;font-weight:400;margin-left:.4rem}
.choice,.check{margin:.5rem 0}
input[type=text]{font-size:1.05rem;padding:.5rem;width:100%;box-sizing:border-box;
border:1px solid #596270;border-radius:.25rem}
input:focus,button:focus,a:focus{outline:3px solid #1a56db;outline-offset:2px}
[aria-invalid=true]{border-color:#a4161a;border-width:2px}
button{margin-top:1rem;font-size:1.1rem;padding:.6rem 1.8rem;background:#1a56db;color:#fff;
border:0;border-radius:.25rem;cursor:pointer}
.note,.mandate{color:#3d4450;font-size:.92rem}
.mandate{background:#f4f5f7;padding:.75rem;border-radius:.25rem}
.error{color:#a4161a;font-weight:600;margin:.2rem 0}
.summary{border:2px solid #a4161a;padding:.75rem 1rem;border-radius:.25rem}
.test{background:#fff7d6;padding:.5rem .75rem;border-radius:.25rem;font-size:.9rem}
"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
           f"<body><main>{body}</main></body></html>")
    return HTMLResponse(doc, status_code=status, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                   "form-action 'self' http: https:",
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def mandate_text(business: str) -> str:
    b = html.escape(business)
    return (f"By selecting Save, you authorize {b} to debit the bank account above, through the "
            f"ACH network, for the loan payments due under your agreement with {b} and for any "
            f"other amount you approve, on or after each due date, until you cancel this "
            f"authorization. You can cancel it at any time by telling {b} at least 3 business "
            f"days before a scheduled debit.")


def _field(fid: str, name: str, label: str, value: str, errors: dict[str, str],
           autocomplete: str = "off", numeric: bool = False, hint: str = "") -> str:
    described = " ".join(x for x in (f"{fid}-hint" if hint else "",
                                     f"{fid}-error" if name in errors else "") if x)
    attrs = f' aria-describedby="{described}"' if described else ""
    if name in errors:
        attrs += ' aria-invalid="true"'
    if numeric:
        attrs += ' inputmode="numeric"'
    return (f'<label for="{fid}">{html.escape(label)}</label>'
            + (f'<p id="{fid}-hint" class="note">{html.escape(hint)}</p>' if hint else "")
            + (f'<p id="{fid}-error" class="error">{html.escape(errors[name])}</p>'
               if name in errors else "")
            + f'<input type="text" id="{fid}" name="{name}" value="{html.escape(value)}" '
              f'autocomplete="{autocomplete}"{attrs}>')


FIELD_IDS = {"kind": "kind-us_bank_account", "name": "holder-name", "routing": "routing-number",
             "account": "account-number", "account_confirm": "account-number-confirm",
             "mandate": "mandate-accept", "card_name": "card-name", "number": "card-number",
             "expiry": "card-expiry", "cvc": "card-cvc"}


def checkout_form(session: dict[str, Any], business: str, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    values, errors = values or {}, errors or {}
    v = lambda k: values.get(k, "")  # noqa: E731
    types = session["payment_method_types"]
    chosen = v("kind") or types[0]
    parts = [f"<h1>Save a payment method for {html.escape(business)}</h1>",
             '<p class="test">Test mode: local fake Stripe. Nothing is charged; use Stripe\'s '
             "test numbers (routing 110000000, account 000123456789; card 4242 4242 4242 4242)."
             "</p>"]
    if errors:
        items = "".join(f'<li><a href="#{FIELD_IDS.get(k, k)}">{html.escape(m)}</a></li>'
                        for k, m in errors.items())
        parts.append(f'<div class="summary" role="alert" id="error-summary"><h2>Check the '
                     f'details below</h2><ul>{items}</ul></div>')
    parts.append(f'<form method="post" action="/checkout/{html.escape(session["id"])}" '
                 f'novalidate>')
    if len(types) > 1:
        radios = "".join(
            f'<div class="choice"><input type="radio" id="kind-{t}" name="kind" value="{t}"'
            f'{" checked" if t == chosen else ""}><label for="kind-{t}">{KINDS[t]}</label></div>'
            for t in types)
        parts.append(f"<fieldset><legend>How would you like to pay?</legend>{radios}"
                     f"</fieldset>")
    else:
        parts.append(f'<input type="hidden" name="kind" value="{types[0]}">')
    if "us_bank_account" in types:
        accounts = "".join(
            f'<div class="choice"><input type="radio" id="account-type-{t}" name="account_type"'
            f' value="{t}"{" checked" if (v("account_type") or "checking") == t else ""}>'
            f'<label for="account-type-{t}">{t.capitalize()}</label></div>'
            for t in ("checking", "savings"))
        accept = ' aria-invalid="true" aria-describedby="ach-mandate mandate-error"' \
            if "mandate" in errors else ' aria-describedby="ach-mandate"'
        parts.append(
            f"<fieldset><legend>{KINDS['us_bank_account']}</legend>"
            + _field("holder-name", "name", "Account holder name", v("name"), errors, "name")
            + _field("routing-number", "routing", "Routing number", v("routing"), errors,
                     numeric=True, hint="9 digits, at the bottom left of a check")
            + _field("account-number", "account", "Account number", v("account"), errors,
                     numeric=True)
            + _field("account-number-confirm", "account_confirm", "Confirm account number",
                     v("account_confirm"), errors, numeric=True)
            + f'<fieldset><legend>Account type</legend>{accounts}</fieldset>'
            + f'<h2 id="mandate-heading">Authorization</h2>'
            + f'<p id="ach-mandate" class="mandate">{mandate_text(business)}</p>'
            + (f'<p id="mandate-error" class="error">{html.escape(errors["mandate"])}</p>'
               if "mandate" in errors else "")
            + f'<div class="check"><input type="checkbox" id="mandate-accept" name="mandate" '
              f'value="accepted"{accept}{" checked" if v("mandate") else ""}>'
              f'<label for="mandate-accept">I authorize these debits</label></div></fieldset>')
    if "card" in types:
        parts.append(
            f"<fieldset><legend>{KINDS['card']}</legend>"
            + _field("card-name", "card_name", "Name on card", v("card_name"), errors,
                     "cc-name")
            + _field("card-number", "number", "Card number", v("number"), errors,
                     "cc-number", numeric=True)
            + _field("card-expiry", "expiry", "Expiry date (MM / YY)", v("expiry"), errors,
                     "cc-exp")
            + _field("card-cvc", "cvc", "Security code (CVC)", "", errors, "cc-csc",
                     numeric=True)
            + f'<p class="note">By saving your card you allow {html.escape(business)} to '
              f"charge it for future payments under your agreement.</p></fieldset>")
    parts.append('<button type="submit">Save</button></form>'
                 f'<p><a href="{html.escape(session["cancel_url"])}">Cancel and return to '
                 f"{html.escape(business)}</a></p>")
    return page(f"Save a payment method - {business}", "".join(parts), status)


def check_form(kind: str, form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind == "us_bank_account":
        if not form.get("name", "").strip():
            errors["name"] = "Enter the account holder's name."
        routing = form.get("routing", "").replace(" ", "")
        if not fo.aba_valid(routing):
            errors["routing"] = "Enter a valid 9-digit routing number."
        account = form.get("account", "").replace(" ", "")
        if not (account.isdigit() and 4 <= len(account) <= 17):
            errors["account"] = "Enter the account number (4 to 17 digits)."
        elif form.get("account_confirm", "").replace(" ", "") != account:
            errors["account_confirm"] = "The account numbers do not match."
        if form.get("mandate") != "accepted":
            errors["mandate"] = "Accept the authorization to save a bank account."
    else:
        if not form.get("card_name", "").strip():
            errors["card_name"] = "Enter the name on the card."
        if not fo.luhn_valid(form.get("number", "").replace(" ", "")):
            errors["number"] = "Your card number is incorrect."
        month, _, year = form.get("expiry", "").replace(" ", "").partition("/")
        if not (month.isdigit() and 1 <= int(month) <= 12 and year.isdigit()
                and len(year) in (2, 4)):
            errors["expiry"] = "Enter the expiry date as MM / YY."
        cvc = form.get("cvc", "")
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            errors["cvc"] = "Enter the 3 or 4 digit security code."
    return errors


def _ctx(request: Request) -> Ctx:
    return Ctx(ip=request.client.host if request.client else "127.0.0.1",
               user_agent=request.headers.get("user-agent", ""),
               base_url=public_base(request))


async def checkout_page(request: Request) -> Response:
    stripe = request.app.state.stripe
    try:
        session = stripe.checkout_session(request.path_params["session_id"])
    except FakeError:
        return page("Not found", "<h1>This checkout link is not valid</h1>", 404)
    if session["status"] == "complete":
        return page("Already saved", "<h1>This payment method is already saved</h1>"
                    f'<p><a href="{html.escape(_success(session))}">Continue</a></p>')
    if session["status"] == "expired":
        return page("Expired", "<h1>This checkout link has expired</h1><p><a href="
                    f'"{html.escape(session["cancel_url"])}">Return to '
                    f"{html.escape(stripe.business_name)}</a></p>", 410)
    if request.method == "GET":
        return checkout_form(session, stripe.business_name)
    raw = parse_qs((await request.body()).decode("utf-8", "replace"))
    form = {k: v[0].strip() for k, v in raw.items()}
    kind = form.get("kind") if form.get("kind") in session["payment_method_types"] else None
    if kind is None:
        return checkout_form(session, stripe.business_name, form,
                             {"kind": "Choose a bank account or a card."}, 400)
    errors = check_form(kind, form)
    if errors:
        return checkout_form(session, stripe.business_name, form, errors, 400)
    entered = {"name": form.get("name" if kind == "us_bank_account" else "card_name", ""),
               "routing": form.get("routing", "").replace(" ", ""),
               "account": form.get("account", "").replace(" ", ""),
               "account_type": form.get("account_type", "checking"),
               "number": form.get("number", ""), "expiry": form.get("expiry", "")}
    try:
        stripe.complete_checkout(session, kind, entered, _ctx(request))
    except FakeError as e:
        field = "number" if kind == "card" else "routing"
        return checkout_form(session, stripe.business_name, form,
                             {field: e.body["error"]["message"]}, 402)
    return RedirectResponse(_success(session), status_code=303)


def _success(session: dict[str, Any]) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


async def microdeposits_page(request: Request) -> Response:
    stripe = request.app.state.stripe
    si = stripe.objects.get(request.path_params["intent"])
    if not si or si.get("object") != "setup_intent":
        return page("Not found", "<h1>This verification link is not valid</h1>", 404)
    error = ""
    if request.method == "POST":
        raw = parse_qs((await request.body()).decode("utf-8", "replace"))
        code = (raw.get("descriptor_code") or [""])[0].strip().upper()
        try:
            stripe.verify_microdeposits(si["id"], {"descriptor_code": code}, _ctx(request))
        except FakeError as e:
            error = e.body["error"]["message"]
    if si["status"] == "succeeded":
        return page("Verified", "<h1>Your bank account is verified</h1>")
    if si["status"] != "requires_action":
        return page("Not waiting", "<h1>This bank account is not waiting for verification"
                    "</h1>", 409 if not error else 400)
    invalid = ' aria-invalid="true" aria-describedby="code-error"' if error else ""
    return page("Verify your bank account", (
        "<h1>Verify your bank account</h1><p>Enter the 6-character code starting with SM from "
        "the 0.01 USD deposit on your statement (test mode: SM11AA).</p>"
        + (f'<p id="code-error" class="error" role="alert">{html.escape(error)}</p>'
           if error else "")
        + f'<form method="post"><label for="descriptor-code">Code</label>'
          f'<input type="text" id="descriptor-code" name="descriptor_code" '
          f'autocomplete="off"{invalid}><button type="submit">Verify</button></form>'),
        400 if error else 200)

"""A local fake of DocuSign eSignature (REST v2.1 + OAuth JWT grant + Connect), speaking DocuSign's
wire format, so the official `docusign_esign` SDK and the Lendbook adapter run offline.

Implemented (state in memory, lost on restart):

- `POST /oauth/token`                JWT bearer grant (RS256 assertion; claims checked, signature
                                     only when `jwt_public_key` is given) -> access_token
- `GET  /oauth/userinfo`             the account, with `base_uri` pointing back at this fake
- `POST /restapi/v2.1/accounts/{accountId}/envelopes`
                                     body checked against the spec's `envelopeDefinition`
                                     (unknown property names refused 400); status must be "sent"
- `GET  .../envelopes/{envelopeId}`  the envelope (`?include=recipients` adds recipients)
- `POST .../envelopes/{envelopeId}/views/recipient`
                                     embedded signer only (clientUserId, userName, email must
                                     match) -> `{url}` of the fake signing page (5 minutes)
- `GET  .../envelopes/{envelopeId}/documents/{documentId|combined}` -> application/pdf
- `GET|POST /signing/{token}`        the signing page; POST signs, completes the envelope, sends
                                     the Connect `envelope-completed` message to `connect_url`
                                     (X-DocuSign-Signature-1..N = base64 HMAC-SHA256 of the raw
                                     body, one per key) and redirects (303) to the returnUrl
                                     with `?event=signing_complete`
- `GET  /signing/{token}/document`   the document, for reading before signing
- `GET  /`                           a JSON health/status line

Errors use DocuSign's shape `{"errorCode": ..., "message": ...}` (400 bad request, 401 bad or
missing token, 404 unknown envelope/route); `/oauth/token` errors use OAuth's
`{"error": ..., "error_description": ...}` as DocuSign's account server does.

The "signed" PDF is the original bytes unchanged (the fake does not stamp PDFs); the signature
(typed name, time) is kept in the envelope state and returned in the `X-Fake-Signed-By` and
`X-Fake-Signed-At` headers of the document download.

Run it: `python -m devservices --only docusign --port-docusign 3002` (its own process; `make
run` starts it on PORT+2), `start_fake_docusign()` (env-driven, in a thread) or
`run_in_thread(create_app(...), port)` (tests). The production app never imports or starts it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from devservices.docusign.spec import load_definitions, shape_errors
from devservices.serving import RunningServer, run_in_thread
from integrations.docusign import defaults
from domain.kernel import settings

log = logging.getLogger(__name__)

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600
SIGNING_URL_LIFETIME = 300
API = "/restapi/v2.1/accounts/{account_id}"


def ds_datetime(moment: datetime | None = None) -> str:
    """DocuSign's timestamp format: ISO 8601 UTC with seven fractional digits."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def ds_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errorCode": code, "message": message}, status_code=status)


def connect_signature(raw_body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), raw_body, hashlib.sha256).digest()).decode()


@dataclass
class FakeDocument:
    document_id: str
    name: str
    content: bytes
    order: str


@dataclass
class FakeSigner:
    recipient_id: str
    name: str
    email: str
    client_user_id: str | None
    routing_order: str
    status: str = "sent"
    delivered_at: str | None = None
    signed_at: str | None = None
    signature_name: str | None = None


@dataclass
class FakeEnvelope:
    envelope_id: str
    email_subject: str
    status: str
    created_at: str
    sent_at: str
    status_changed_at: str
    documents: list[FakeDocument]
    signers: list[FakeSigner]
    completed_at: str | None = None
    signed_by: str | None = None


@dataclass
class SigningSession:
    token: str
    envelope_id: str
    recipient_id: str
    return_url: str
    expires_at: float
    used: bool = False


@dataclass
class FakeState:
    account_id: str
    connect_url: str | None
    hmac_keys: list[str]
    spec_source: str
    definitions: dict[str, Any]
    public_url: str | None = None
    jwt_public_key: bytes | None = None
    static_tokens: set[str] = field(default_factory=set)
    tokens: dict[str, tuple[float, str]] = field(default_factory=dict)
    envelopes: dict[str, FakeEnvelope] = field(default_factory=dict)
    sessions: dict[str, SigningSession] = field(default_factory=dict)
    received: deque = field(default_factory=lambda: deque(maxlen=200))
    connect_deliveries: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


# ---------------------------------------------------------------------------------------------
# helpers


def _base(request: Request, state: FakeState) -> str:
    return (state.public_url or str(request.base_url)).rstrip("/")


def _auth_error(request: Request, state: FakeState) -> JSONResponse | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        if token in state.static_tokens:
            return None
        known = state.tokens.get(token)
        if known and known[0] > time.time():
            return None
    return ds_error(401, "AUTHORIZATION_INVALID_TOKEN",
                    "The access token provided is expired, revoked or malformed.")


def _account_error(account_id: str, state: FakeState) -> JSONResponse | None:
    if account_id != state.account_id:
        return ds_error(400, "USER_LACKS_MEMBERSHIP",
                        "The UserID does not have a valid membership in this Account.")
    return None


async def _json_body(request: Request) -> tuple[Any, JSONResponse | None]:
    raw = await request.body()
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, ds_error(400, "INVALID_REQUEST_BODY",
                              "The request body is missing or improperly formatted.")


def _bad_body(detail: str) -> JSONResponse:
    return ds_error(400, "INVALID_REQUEST_BODY",
                    f"The request body is missing or improperly formatted. {detail}")


def _missing(obj: dict[str, Any], names: Sequence[str]) -> list[str]:
    return [n for n in names if not (isinstance(obj.get(n), str) and obj[n].strip())]


def _envelope_or_404(state: FakeState, envelope_id: str) -> FakeEnvelope | JSONResponse:
    env = state.envelopes.get(envelope_id)
    if env is None:
        return ds_error(404, "ENVELOPE_DOES_NOT_EXIST",
                        "The envelope specified either does not exist or you have no rights to it.")
    return env


def _signer_json(s: FakeSigner) -> dict[str, Any]:
    out: dict[str, Any] = {"recipientId": s.recipient_id, "name": s.name, "email": s.email,
                           "routingOrder": s.routing_order, "status": s.status,
                           "recipientType": "signer"}
    if s.client_user_id:
        out["clientUserId"] = s.client_user_id
    if s.delivered_at:
        out["deliveredDateTime"] = s.delivered_at
    if s.signed_at:
        out["signedDateTime"] = s.signed_at
    return out


def envelope_json(env: FakeEnvelope, account_id: str, include_recipients: bool) -> dict[str, Any]:
    """The envelope as `GET .../envelopes/{id}` returns it (names from the spec's `envelope`)."""
    uri = f"/envelopes/{env.envelope_id}"
    out: dict[str, Any] = {
        "envelopeId": env.envelope_id, "status": env.status, "emailSubject": env.email_subject,
        "createdDateTime": env.created_at, "sentDateTime": env.sent_at,
        "initialSentDateTime": env.sent_at, "statusChangedDateTime": env.status_changed_at,
        "lastModifiedDateTime": env.status_changed_at, "envelopeUri": uri,
        "documentsUri": f"{uri}/documents", "recipientsUri": f"{uri}/recipients",
        "documentsCombinedUri": f"{uri}/documents/combined",
        "certificateUri": f"{uri}/documents/certificate",
        "sender": {"accountId": account_id, "userName": "Lendbook (local fake DocuSign)"},
    }
    if env.completed_at:
        out["completedDateTime"] = env.completed_at
        out["deliveredDateTime"] = env.completed_at
    if include_recipients:
        out["recipients"] = {"signers": [_signer_json(s) for s in env.signers],
                             "recipientCount": str(len(env.signers)),
                             "currentRoutingOrder": "1"}
    return out


def connect_payload(env: FakeEnvelope, account_id: str, user_id: str) -> dict[str, Any]:
    """The Connect JSON (SIM, v2.1) message for an envelope event, shaped like DocuSign's."""
    summary = envelope_json(env, account_id, include_recipients=True)
    summary.pop("sender", None)
    summary["envelopeDocuments"] = [{"documentId": d.document_id, "name": d.name,
                                     "type": "content", "order": d.order}
                                    for d in env.documents]
    return {
        "event": f"envelope-{env.status}",
        "apiVersion": "v2.1",
        "uri": f"/restapi/v2.1/accounts/{account_id}/envelopes/{env.envelope_id}",
        "retryCount": 0,
        "configurationId": 10001,
        "generatedDateTime": ds_datetime(),
        "data": {"accountId": account_id, "userId": user_id, "recipientId": "",
                 "envelopeId": env.envelope_id, "envelopeSummary": summary},
    }


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _header_value(text: str) -> str:
    """HTTP header values are latin-1: percent-encode anything outside printable ASCII."""
    return quote(text, safe=" !#$&'()*+,-./:;<=>?@[]^_`{|}~")


# ---------------------------------------------------------------------------------------------
# OAuth


async def oauth_token(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    grant = (form.get("grant_type") or [""])[0]
    assertion = (form.get("assertion") or [""])[0]

    def oauth_error(code: str, description: str) -> JSONResponse:
        return JSONResponse({"error": code, "error_description": description}, status_code=400)

    if grant != JWT_GRANT:
        return oauth_error("unsupported_grant_type", "only the JWT bearer grant is faked")
    try:
        header = jwt.get_unverified_header(assertion)
        if state.jwt_public_key:
            claims = jwt.decode(assertion, state.jwt_public_key, algorithms=["RS256"],
                                options={"verify_aud": False})
        else:
            claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        return oauth_error("invalid_grant", f"no_valid_keys_or_signatures ({e})")
    if header.get("alg") != "RS256":
        return oauth_error("invalid_grant", "the assertion must be signed with RS256")
    missing = [c for c in ("iss", "sub", "aud", "iat", "exp") if not claims.get(c)]
    if missing:
        return oauth_error("invalid_grant", f"assertion lacks claims: {', '.join(missing)}")
    host = request.headers.get("host", "")
    if claims["aud"] not in (host, host.split(":")[0]):
        return oauth_error("invalid_grant", f"aud must name this OAuth host ({host})")
    now = time.time()
    if float(claims["exp"]) <= now:
        return oauth_error("invalid_grant", "the assertion has expired")
    if "signature" not in str(claims.get("scope", "")).split():
        return oauth_error("invalid_scope", "the 'signature' scope is required")
    token = secrets.token_urlsafe(32)
    with state.lock:
        state.tokens[token] = (now + TOKEN_LIFETIME, str(claims["sub"]))
    return JSONResponse({"access_token": token, "token_type": "Bearer",
                         "expires_in": TOKEN_LIFETIME})


async def oauth_userinfo(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    error = _auth_error(request, state)
    if error:
        return error
    token = request.headers["authorization"].partition(" ")[2]
    sub = state.tokens.get(token, (0, defaults.FAKE_USER_ID))[1]
    return JSONResponse({
        "sub": sub, "name": "Lendbook Sender", "given_name": "Lendbook",
        "family_name": "Sender", "created": "2024-01-01T00:00:00.000",
        "email": "sender@fake-docusign.invalid",
        "accounts": [{"account_id": state.account_id, "is_default": True,
                      "account_name": "Lendbook (local fake DocuSign)",
                      "base_uri": _base(request, state)}],
    })


# ---------------------------------------------------------------------------------------------
# eSignature REST


def _check_envelope_definition(body: Any, definitions: dict[str, Any]) -> str | None:
    """None when acceptable, else the error detail (spec names, then required pieces)."""
    errors = shape_errors(definitions, "envelopeDefinition", body)
    if errors:
        return "; ".join(errors[:5])
    if body.get("status") != "sent":
        return "status must be \"sent\" (the fake does not keep drafts)."
    documents = body.get("documents") or []
    if not documents:
        return "documents: at least one document is required."
    doc_ids: set[str] = set()
    for i, doc in enumerate(documents):
        missing = _missing(doc, ("documentBase64", "name", "documentId"))
        if missing:
            return f"documents[{i}] lacks {', '.join(missing)}."
        if doc["documentId"] in doc_ids:
            return f"documents[{i}]: documentId {doc['documentId']} is repeated."
        doc_ids.add(doc["documentId"])
        try:
            content = base64.b64decode(doc["documentBase64"], validate=True)
        except (binascii.Error, ValueError):
            return f"documents[{i}].documentBase64 is not valid base64."
        if not content.startswith(b"%PDF-"):
            return f"documents[{i}] is not a PDF (the fake accepts PDF documents only)."
    signers = (body.get("recipients") or {}).get("signers") or []
    if not signers:
        return "recipients.signers: at least one signer is required."
    recipient_ids: set[str] = set()
    for i, signer in enumerate(signers):
        missing = _missing(signer, ("email", "name", "recipientId"))
        if missing:
            return f"recipients.signers[{i}] lacks {', '.join(missing)}."
        if signer["recipientId"] in recipient_ids:
            return f"recipients.signers[{i}]: recipientId {signer['recipientId']} is repeated."
        recipient_ids.add(signer["recipientId"])
        for j, tab in enumerate((signer.get("tabs") or {}).get("signHereTabs") or []):
            if tab.get("documentId") and tab["documentId"] not in doc_ids:
                return (f"recipients.signers[{i}].tabs.signHereTabs[{j}]: documentId "
                        f"{tab['documentId']} is not a document of this envelope.")
            if not tab.get("anchorString") and not (tab.get("xPosition") and tab.get("yPosition")):
                return (f"recipients.signers[{i}].tabs.signHereTabs[{j}] needs an anchorString "
                        "or xPosition and yPosition.")
    return None


async def create_envelope(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    account_id = request.path_params["account_id"]
    error = _auth_error(request, state) or _account_error(account_id, state)
    if error:
        return error
    body, error = await _json_body(request)
    if error:
        return error
    state.received.append({"method": "POST", "path": request.url.path, "body": body})
    detail = _check_envelope_definition(body, state.definitions)
    if detail:
        return _bad_body(detail)
    now = ds_datetime()
    env = FakeEnvelope(
        envelope_id=str(uuid.uuid4()), email_subject=body.get("emailSubject") or "",
        status="sent", created_at=now, sent_at=now, status_changed_at=now,
        documents=[FakeDocument(d["documentId"], d["name"], base64.b64decode(d["documentBase64"]),
                                str(d.get("order") or i + 1))
                   for i, d in enumerate(body["documents"])],
        signers=[FakeSigner(s["recipientId"], s["name"], s["email"], s.get("clientUserId"),
                            str(s.get("routingOrder") or "1"))
                 for s in body["recipients"]["signers"]])
    with state.lock:
        state.envelopes[env.envelope_id] = env
    return JSONResponse({"envelopeId": env.envelope_id, "status": env.status,
                         "statusDateTime": now, "uri": f"/envelopes/{env.envelope_id}"},
                        status_code=201)


async def get_envelope(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    error = _auth_error(request, state) or _account_error(request.path_params["account_id"], state)
    if error:
        return error
    env = _envelope_or_404(state, request.path_params["envelope_id"])
    if isinstance(env, Response):
        return env
    include = request.query_params.get("include", "")
    return JSONResponse(envelope_json(env, state.account_id, "recipients" in include.split(",")))


async def recipient_view(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    error = _auth_error(request, state) or _account_error(request.path_params["account_id"], state)
    if error:
        return error
    env = _envelope_or_404(state, request.path_params["envelope_id"])
    if isinstance(env, Response):
        return env
    body, error = await _json_body(request)
    if error:
        return error
    state.received.append({"method": "POST", "path": request.url.path, "body": body})
    errors = shape_errors(state.definitions, "recipientViewRequest", body)
    if errors:
        return _bad_body("; ".join(errors[:5]))
    missing = _missing(body, ("returnUrl", "authenticationMethod", "userName", "email",
                              "clientUserId"))
    if missing:
        return _bad_body(f"recipientViewRequest lacks {', '.join(missing)}.")
    if urlsplit(body["returnUrl"]).scheme not in ("http", "https"):
        return ds_error(400, "INVALID_REQUEST_PARAMETER", "returnUrl must be an http(s) URL.")
    signer = next((s for s in env.signers
                   if s.client_user_id and s.client_user_id == body["clientUserId"]
                   and s.email.lower() == body["email"].lower() and s.name == body["userName"]
                   and body.get("recipientId") in (None, s.recipient_id)), None)
    if signer is None:
        return ds_error(400, "UNKNOWN_ENVELOPE_RECIPIENT",
                        "The recipient you have identified is not a valid recipient of the "
                        "specified envelope.")
    token = secrets.token_urlsafe(24)
    with state.lock:
        state.sessions[token] = SigningSession(token, env.envelope_id, signer.recipient_id,
                                               body["returnUrl"],
                                               time.monotonic() + SIGNING_URL_LIFETIME)
    return JSONResponse({"url": f"{_base(request, state)}/signing/{token}"}, status_code=201)


async def get_document(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    error = _auth_error(request, state) or _account_error(request.path_params["account_id"], state)
    if error:
        return error
    env = _envelope_or_404(state, request.path_params["envelope_id"])
    if isinstance(env, Response):
        return env
    document_id = request.path_params["document_id"]
    if document_id == "combined":
        if len(env.documents) != 1:
            return ds_error(400, "INVALID_REQUEST_PARAMETER",
                            "The fake cannot merge several PDFs: fetch each document by id.")
        doc = env.documents[0]
    else:
        doc = next((d for d in env.documents if d.document_id == document_id), None)
        if doc is None:
            return ds_error(404, "DOCUMENT_DOES_NOT_EXIST",
                            "The document specified was not found.")
    return _pdf_response(env, doc, disposition="file")


def _pdf_response(env: FakeEnvelope, doc: FakeDocument, disposition: str) -> Response:
    filename = doc.name if doc.name.lower().endswith(".pdf") else f"{doc.name}.pdf"
    headers = {"Content-Disposition":
               f"{disposition}; filename=\"{_header_value(filename).replace(chr(34), '')}\""}
    if env.status == "completed" and env.signed_by:
        headers["X-Fake-Signed-By"] = _header_value(env.signed_by)
        headers["X-Fake-Signed-At"] = env.completed_at or ""
    return Response(doc.content, media_type="application/pdf", headers=headers)


# ---------------------------------------------------------------------------------------------
# signing page (the borrower's browser)

PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;
color:#1b1f24;line-height:1.5}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.6rem;margin-top:0}
.doc{font-weight:600}
label{display:block;font-weight:600;margin:1.5rem 0 .25rem}
input{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #596270;
border-radius:.25rem}
input:focus,button:focus,a:focus{outline:3px solid #1a56db;outline-offset:2px}
button{margin-top:1rem;font-size:1.1rem;padding:.6rem 1.8rem;background:#1a56db;color:#fff;
border:0;border-radius:.25rem;cursor:pointer}
.note{color:#3d4450;font-size:.9rem}
.error{color:#a4161a;font-weight:600}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{html.escape(title)}</title><style>{PAGE_CSS}</style></head>"
           f"<body><main>{body}</main></body></html>")
    return HTMLResponse(doc, status_code=status, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _session(state: FakeState, token: str) -> tuple[SigningSession, FakeEnvelope] | None:
    session = state.sessions.get(token)
    if session is None or session.used or session.expires_at < time.monotonic():
        return None
    return session, state.envelopes[session.envelope_id]


def _gone() -> HTMLResponse:
    return _page("Signing session expired",
                 "<h1>This signing link has expired</h1><p>Return to Lendbook and open the "
                 "document again to get a new signing link.</p>", status=404)


def _signing_form(request: Request, session: SigningSession, env: FakeEnvelope,
                  error: str | None = None, status: int = 200) -> HTMLResponse:
    signer = next(s for s in env.signers if s.recipient_id == session.recipient_id)
    names = ", ".join(html.escape(d.name) for d in env.documents)
    doc_link = f"{html.escape(request.url.path)}/document"
    if signer.status == "completed":
        return _page("Already signed",
                     f"<h1>Document already signed</h1><p>{names} was signed on "
                     f"{html.escape(signer.signed_at or '')}.</p>")
    described, invalid, error_html = "signature-help", "", ""
    if error:
        described, invalid = "signature-error signature-help", ' aria-invalid="true"'
        error_html = f'<p id="signature-error" class="error" role="alert">{html.escape(error)}</p>'
    body = (
        f"<h1>Review and sign</h1>"
        f"<p>{html.escape(env.email_subject or 'Please review and sign this document.')}</p>"
        f'<p>Document: <span class="doc" id="document-name">{names}</span> '
        f'(<a href="{doc_link}" target="_blank" rel="noopener">open the PDF</a>)</p>'
        f"<p>Signer: {html.escape(signer.name)} ({html.escape(signer.email)})</p>"
        f'<form method="post" action="{html.escape(request.url.path)}">'
        f'<label for="signature-name">Type your full name to sign</label>'
        f"{error_html}"
        f'<input id="signature-name" name="signatureName" type="text" autocomplete="name" '
        f'required aria-describedby="{described}"{invalid}>'
        f'<p id="signature-help" class="note">Typing your name and selecting Sign is your '
        f"electronic signature on this document.</p>"
        f'<button type="submit">Sign</button></form>'
        f'<p class="note">Local DocuSign fake for development: no document leaves this machine.</p>'
    )
    return _page(f"Sign {', '.join(d.name for d in env.documents)}", body, status=status)


def _mark_delivered(state: FakeState, session: SigningSession, env: FakeEnvelope) -> None:
    """The signer opened the envelope: signer (and, once all have, envelope) "delivered"."""
    now = ds_datetime()
    with state.lock:
        signer = next(s for s in env.signers if s.recipient_id == session.recipient_id)
        if signer.status == "sent":
            signer.status, signer.delivered_at = "delivered", now
        if env.status == "sent" and all(s.status != "sent" for s in env.signers):
            env.status, env.status_changed_at = "delivered", now


async def signing_page(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    found = _session(state, request.path_params["token"])
    if found is None:
        return _gone()
    session, env = found
    if request.method == "GET":
        _mark_delivered(state, session, env)
        return _signing_form(request, session, env)

    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    typed = " ".join((form.get("signatureName") or [""])[0].split())
    if not typed:
        return _signing_form(request, session, env, error="Type your full name to sign.",
                             status=400)
    now = ds_datetime()
    with state.lock:
        session.used = True
        signer = next(s for s in env.signers if s.recipient_id == session.recipient_id)
        signer.status, signer.signed_at, signer.signature_name = "completed", now, typed
        if all(s.status == "completed" for s in env.signers):
            env.status, env.completed_at, env.status_changed_at = "completed", now, now
            env.signed_by = typed
    if env.status == "completed":
        await deliver_connect(state, env)
    return RedirectResponse(_with_query(session.return_url, event="signing_complete"),
                            status_code=303)


async def signing_document(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    found = _session(state, request.path_params["token"])
    if found is None:
        return _gone()
    _, env = found
    return _pdf_response(env, env.documents[0], disposition="inline")


async def deliver_connect(state: FakeState, env: FakeEnvelope) -> None:
    """POST the Connect message; failures are recorded, never raised (DocuSign would retry)."""
    if not state.connect_url:
        return
    payload = connect_payload(env, state.account_id, defaults.FAKE_USER_ID)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json"}
    for i, key in enumerate(state.hmac_keys, start=1):
        headers[f"X-DocuSign-Signature-{i}"] = connect_signature(raw, key)
    record: dict[str, Any] = {"url": state.connect_url, "event": payload["event"],
                              "envelope_id": env.envelope_id, "body": raw}
    try:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            response = await client.post(state.connect_url, content=raw, headers=headers)
        record["status_code"] = response.status_code
    except httpx.HTTPError as e:
        record["error"] = repr(e)
        log.warning("fake DocuSign: Connect delivery to %s failed: %r", state.connect_url, e)
    with state.lock:
        state.connect_deliveries.append(record)


async def index(request: Request) -> Response:
    state: FakeState = request.app.state.docusign
    return JSONResponse({"service": "lendbook fake DocuSign eSignature v2.1",
                         "accountId": state.account_id, "spec": state.spec_source,
                         "envelopes": len(state.envelopes)})


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if request.url.path.startswith("/signing/"):
        return _gone()
    if status == 405:
        return ds_error(405, "INVALID_REQUEST_METHOD",
                        f"{request.method} is not supported on {request.url.path}.")
    return ds_error(404, "RESOURCE_NOT_FOUND",
                    f"The URL {request.url.path} is not a resource of this (fake) API.")


def create_app(connect_url: str | None, hmac_key: str | Sequence[str],
               account_id: str = defaults.FAKE_ACCOUNT_ID, *,
               spec_path: str | os.PathLike | None = None,
               access_tokens: Sequence[str] = (),
               jwt_public_key: bytes | None = None,
               public_url: str | None = None) -> Starlette:
    """The fake as a Starlette app. `hmac_key`: one Connect key, or several (one
    X-DocuSign-Signature-N header each). `access_tokens`: static bearer tokens to accept besides
    the ones /oauth/token issues. `jwt_public_key`: verify assertion signatures with it.
    `public_url`: the fake's own URL when behind a proxy (default: from the request)."""
    definitions, source = load_definitions(spec_path)
    keys = [hmac_key] if isinstance(hmac_key, str) else list(hmac_key)
    state = FakeState(account_id=account_id, connect_url=connect_url,
                      hmac_keys=[k for k in keys if k], spec_source=source,
                      definitions=definitions, public_url=public_url,
                      jwt_public_key=jwt_public_key, static_tokens=set(access_tokens))
    routes = [
        Route("/", index),
        Route("/oauth/token", oauth_token, methods=["POST"]),
        Route("/oauth/userinfo", oauth_userinfo),
        Route(f"{API}/envelopes", create_envelope, methods=["POST"]),
        Route(f"{API}/envelopes/{{envelope_id}}", get_envelope),
        Route(f"{API}/envelopes/{{envelope_id}}/views/recipient", recipient_view,
              methods=["POST"]),
        Route(f"{API}/envelopes/{{envelope_id}}/documents/{{document_id}}", get_document),
        Route("/signing/{token}", signing_page, methods=["GET", "POST"]),
        Route("/signing/{token}/document", signing_document),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _not_found})
    app.state.docusign = state
    return app


# ---------------------------------------------------------------------------------------------
# start-up (python -m devservices)


def default_connect_url(environ: Mapping[str, str] | None = None,
                        app_url: str | None = None) -> str:
    """Where Connect goes: the app at `app_url`, else http://127.0.0.1:$LENDBOOK_PORT."""
    if not app_url:
        app_url = f"http://127.0.0.1:{settings.load(environ).port}"
    return f"{app_url.rstrip('/')}{defaults.CONNECT_WEBHOOK_PATH}"


def start_fake_docusign(port: int | None = None, connect_url: str | None = None,
                        hmac_key: str | None = None, account_id: str | None = None,
                        host: str = "127.0.0.1", public_url: str | None = None,
                        app_url: str | None = None) -> RunningServer:
    """Start the fake in a background thread, listening on `host`, settings from the
    environment: port LENDBOOK_DOCUSIGN_FAKE_PORT (LENDBOOK_PORT + 2); Connect to
    LENDBOOK_DOCUSIGN_FAKE_CONNECT_URL (default `app_url` or http://127.0.0.1:$LENDBOOK_PORT,
    plus /api/v1/webhooks/docusign; "none" to disable), signed with
    LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY (comma-separated; default the local dev key); account
    LENDBOOK_DOCUSIGN_ACCOUNT_ID; LENDBOOK_DOCUSIGN_ACCESS_TOKEN accepted as a bearer token
    besides those /oauth/token issues. Links it hands out (signing pages, userinfo base_uri)
    start with `public_url` (default: the URL the request came to).
    Raises OSError if the port is taken."""
    c = settings.load()
    if connect_url is None:
        connect_url = c.docusign_fake_connect_url or default_connect_url(None, app_url)
    if connect_url.lower() == "none":
        connect_url = None
    keys = [k.strip() for k in (hmac_key or c.docusign_connect_hmac_key
                                or defaults.FAKE_CONNECT_HMAC_KEY).split(",") if k.strip()]
    token = (c.docusign_access_token or "").strip()
    app = create_app(connect_url, keys,
                     account_id or c.docusign_account_id or defaults.FAKE_ACCOUNT_ID,
                     access_tokens=[token] if token else (), public_url=public_url)
    return run_in_thread(app, port or defaults.fake_port(c), host)


def describe(server: RunningServer) -> str:
    state: FakeState = server.app.state.docusign
    return (f"fake DocuSign on {server.host}:{server.port}, links at "
            f"{state.public_url or server.url} (account {state.account_id}); Connect -> "
            f"{state.connect_url or 'none'}; spec: {state.spec_source}")

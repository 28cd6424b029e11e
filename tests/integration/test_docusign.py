"""E-signature through the official DocuSign SDK against the local fake DocuSign over real HTTP.

The fake and a Connect webhook receiver each run in a thread on a free 127.0.0.1 port (and the
fake once as its own process, `python -m devservices`, as `make run` starts it); the SDK
(urllib3) talks HTTP to the fake; the browser steps (signing page, form) go through httpx.
"""
import base64
import json
import multiprocessing
import os
import queue
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from integrations.docusign import defaults
from integrations.docusign.client import (
    DocuSignConfig,
    DocuSignConfigError,
    DocuSignError,
    EnvelopeNotCompleted,
    ESignClient,
)
from integrations.docusign.connect import ConnectPayloadError, parse_connect, sign, verify_connect
from devservices.docusign.server import create_app
from devservices.serving import free_port, run_in_thread
from devservices.docusign.spec import (
    FALLBACK_DEFINITIONS,
    load_definitions,
    property_paths,
    shape_errors,
)
from tests.conftest import shared_file
from tests.devservices_support import fakes_process

SPEC = "specs/docusign/esignature-v2.1.json"
CONNECT_SAMPLE = "specs/docusign/connect-sample-v2.json"
HMAC_KEYS = ["connect-key-current", "connect-key-previous"]
ACCOUNT = defaults.FAKE_ACCOUNT_ID
STATIC_TOKEN = "static-test-token"
AUTH = {"Authorization": f"Bearer {STATIC_TOKEN}"}
RETURN_URL = "http://127.0.0.1:3000/loans/LN-000042/sign?step=done"


def minimal_pdf(text: str = "Loan agreement LN-000042") -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


class Receiver:
    """The app's side of Connect: records each webhook (raw body, headers)."""

    def __init__(self):
        self.messages: queue.Queue = queue.Queue()

        async def webhook(request):
            self.messages.put((await request.body(), dict(request.headers)))
            return Response(status_code=200)

        self.app = Starlette(routes=[Route(defaults.CONNECT_WEBHOOK_PATH, webhook,
                                           methods=["POST"])])


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    server = run_in_thread(r.app, 0)
    r.url = f"{server.url}{defaults.CONNECT_WEBHOOK_PATH}"
    yield r
    server.stop()


@pytest.fixture(scope="module")
def fake(receiver):
    server = run_in_thread(create_app(receiver.url, HMAC_KEYS, ACCOUNT,
                                      access_tokens=[STATIC_TOKEN]), 0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(fake):
    return ESignClient(DocuSignConfig(
        base_path=f"{fake.url}/restapi", oauth_host=fake.url, account_id=ACCOUNT,
        integration_key="test-integration-key", user_id="test-user"))


def state(server):
    return server.app.state.docusign


def wait_for_connect(receiver, envelope_id):
    while True:
        raw, headers = receiver.messages.get(timeout=10)
        if json.loads(raw)["data"]["envelopeId"] == envelope_id:
            return raw, headers


class FormParser(HTMLParser):
    """Collects what the accessibility checks need from the signing page."""

    def __init__(self):
        super().__init__()
        self.tags, self.labels, self.inputs, self.forms, self.buttons = [], {}, [], [], []
        self.headings, self._label_for, self._in = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "label":
            self._label_for, self._in = a.get("for"), "label"
            self.labels[self._label_for] = ""
        elif tag in ("h1", "h2"):
            self._in = "h"
            self.headings.append("")
        elif tag == "button":
            self._in = "button"
            self.buttons.append({"attrs": a, "text": ""})
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "form":
            self.forms.append(a)

    def handle_endtag(self, tag):
        if tag in ("label", "h1", "h2", "button"):
            self._in = None

    def handle_data(self, data):
        if self._in == "label":
            self.labels[self._label_for] += data
        elif self._in == "h":
            self.headings[-1] += data
        elif self._in == "button":
            self.buttons[-1]["text"] += data


def send(client, name="Ann Lee", email="ann.lee@example.test", user="borrower-17", **kw):
    return client.send_for_signature(minimal_pdf(), "Loan agreement LN-000042.pdf", name, email,
                                     user, **kw)


def test_minimal_pdf_is_well_formed():
    pdf = minimal_pdf()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:startxref + 4] == b"xref"
    for number, off in enumerate(re.findall(rb"(\d{10}) 00000 n", pdf), start=1):
        assert pdf[int(off):].startswith(b"%d 0 obj" % number)


def test_embedded_signing_end_to_end(client, fake, receiver):
    pdf = minimal_pdf()
    envelope_id = client.send_for_signature(pdf, "Loan agreement LN-000042.pdf", "Ann Lee",
                                            "ann.lee@example.test", "borrower-17")
    assert re.fullmatch(r"[0-9a-f-]{36}", envelope_id)
    assert client.status(envelope_id) == "sent"
    with pytest.raises(EnvelopeNotCompleted):
        client.signed_document(envelope_id)

    url = client.signing_url(envelope_id, "Ann Lee", "ann.lee@example.test", "borrower-17",
                             RETURN_URL)
    assert url.startswith(f"{fake.url}/signing/")

    with httpx.Client(trust_env=False) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        parsed = FormParser()
        parsed.feed(html)
        # accessible, self-contained page
        assert '<html lang="en">' in html and "<title>" in html
        assert any("sign" in h.lower() for h in parsed.headings)
        assert "Loan agreement LN-000042.pdf" in html
        label_id = next(i for i, text in parsed.labels.items()
                        if text.strip() == "Type your full name to sign")
        name_input = next(i for i in parsed.inputs if i.get("id") == label_id)
        assert name_input["type"] == "text" and name_input.get("name")
        assert [b["text"].strip() for b in parsed.buttons] == ["Sign"]
        assert parsed.buttons[0]["attrs"].get("type") == "submit"
        assert len(parsed.forms) == 1 and parsed.forms[0]["method"].lower() == "post"
        assert not any(tag in ("script", "link", "img", "iframe") for tag, _ in parsed.tags)
        assert "src=" not in html
        assert client.status(envelope_id) == "delivered"

        document = browser.get(f"{url}/document")
        assert document.content == pdf and document.headers["content-type"] == "application/pdf"

        # an empty signature is refused, accessibly, and nothing is signed
        refused = browser.post(urljoin(url, parsed.forms[0]["action"]),
                               data={name_input["name"]: "  "})
        assert refused.status_code == 400 and 'role="alert"' in refused.text
        assert client.status(envelope_id) == "delivered"

        signed = browser.post(urljoin(url, parsed.forms[0]["action"]),
                              data={name_input["name"]: "Ann Lee"}, follow_redirects=False)
        assert signed.status_code in (302, 303)
        location = urlsplit(signed.headers["location"])
        assert signed.headers["location"].startswith(RETURN_URL.split("?")[0])
        assert parse_qs(location.query) == {"step": ["done"], "event": ["signing_complete"]}

        # the signing link is single use
        assert browser.get(url).status_code == 404

    raw, headers = wait_for_connect(receiver, envelope_id)
    assert headers["content-type"].startswith("application/json")
    assert verify_connect(raw, headers, [HMAC_KEYS[0]])
    assert verify_connect(raw, headers, [HMAC_KEYS[1]])
    event = parse_connect(raw)
    assert event.event == "envelope-completed"
    assert event.envelope_id == envelope_id
    assert event.status == "completed"
    assert event.account_id == ACCOUNT
    assert event.generated_at is not None and event.generated_at.tzinfo is not None

    assert client.status(envelope_id) == "completed"
    signed_pdf = client.signed_document(envelope_id)
    assert signed_pdf.startswith(b"%PDF") and signed_pdf == pdf

    # the signature is recorded by the fake and shown on the raw download
    raw_download = httpx.get(
        f"{fake.url}/restapi/v2.1/accounts/{ACCOUNT}/envelopes/{envelope_id}/documents/combined",
        headers=AUTH, trust_env=False)
    assert raw_download.headers["x-fake-signed-by"] == "Ann Lee"
    envelope = state(fake).envelopes[envelope_id]
    assert envelope.signers[0].signature_name == "Ann Lee" and envelope.completed_at
    assert state(fake).connect_deliveries[-1]["status_code"] == 200


def test_every_property_the_sdk_sends_is_in_the_spec(client, fake):
    spec = shared_file(SPEC)
    assert state(fake).spec_source == str(spec), "the fake must validate against the real spec"
    definitions, _ = load_definitions(spec)
    envelope_id = send(client, anchor_string="/sn1/")
    client.signing_url(envelope_id, "Ann Lee", "ann.lee@example.test", "borrower-17", RETURN_URL)
    received = list(state(fake).received)
    create = next(r["body"] for r in reversed(received) if r["path"].endswith("/envelopes"))
    view = next(r["body"] for r in reversed(received) if r["path"].endswith("/views/recipient"))
    assert shape_errors(definitions, "envelopeDefinition", create) == []
    assert shape_errors(definitions, "recipientViewRequest", view) == []
    paths = property_paths(create)
    for expected in ("documents[].documentBase64", "documents[].documentId", "documents[].name",
                     "recipients.signers[].email", "recipients.signers[].clientUserId",
                     "recipients.signers[].tabs.signHereTabs[].anchorString", "status"):
        assert expected in paths
    assert create["status"] == "sent"
    assert {"clientUserId", "userName", "email", "returnUrl",
            "authenticationMethod"} <= set(view)
    # what the fake returns is also in the spec
    envelope = httpx.get(
        f"{fake.url}/restapi/v2.1/accounts/{ACCOUNT}/envelopes/{envelope_id}",
        params={"include": "recipients"},
        headers=AUTH, trust_env=False).json()
    assert shape_errors(definitions, "envelope", envelope) == []
    # and the built-in fallback (used when the spec file is absent) is a subset of the spec
    for name, definition in FALLBACK_DEFINITIONS.items():
        assert set(definition["properties"]) <= set(definitions[name]["properties"]), name


def _valid_body() -> dict:
    return {
        "emailSubject": "Please sign",
        "status": "sent",
        "documents": [{"documentBase64": base64.b64encode(minimal_pdf()).decode(),
                       "name": "Loan.pdf", "fileExtension": "pdf", "documentId": "1"}],
        "recipients": {"signers": [{
            "email": "ann@example.test", "name": "Ann", "recipientId": "1",
            "clientUserId": "c1",
            "tabs": {"signHereTabs": [{"documentId": "1", "pageNumber": "1",
                                       "xPosition": "72", "yPosition": "700"}]}}]},
    }


@pytest.mark.parametrize("mutate, fragment", [
    (lambda b: b.update(notAnEnvelopeProperty=True), "notAnEnvelopeProperty"),
    (lambda b: b["documents"][0].update(documentBytes="x"), "documentBytes"),
    (lambda b: b["recipients"]["signers"][0].update(phone="555"), "phone"),
    (lambda b: b["recipients"]["signers"][0]["tabs"]["signHereTabs"][0].update(x="1"), "'x'"),
    (lambda b: b["recipients"].update(signer=[]), "signer"),
    (lambda b: b["documents"][0].pop("documentBase64"), "documentBase64"),
    (lambda b: b["documents"][0].pop("name"), "name"),
    (lambda b: b["recipients"]["signers"][0].pop("email"), "email"),
    (lambda b: b["recipients"]["signers"][0].pop("recipientId"), "recipientId"),
    (lambda b: b.update(status="created"), "status"),
    (lambda b: b.update(documents="not-a-list"), "documents"),
])
def test_fake_refuses_bodies_outside_the_spec(fake, mutate, fragment):
    shared_file(SPEC)
    body = _valid_body()
    url = f"{fake.url}/restapi/v2.1/accounts/{ACCOUNT}/envelopes"
    with httpx.Client(trust_env=False, headers=AUTH) as http:
        assert http.post(url, json=body).status_code == 201
        mutate(body)
        refused = http.post(url, json=body)
    assert refused.status_code == 400
    error = refused.json()
    assert set(error) == {"errorCode", "message"}
    assert error["errorCode"] == "INVALID_REQUEST_BODY"
    assert fragment in error["message"]


def test_error_shapes(fake, client):
    with httpx.Client(trust_env=False) as http:
        unauthorized = http.get(f"{fake.url}/restapi/v2.1/accounts/{ACCOUNT}/envelopes/x")
        assert unauthorized.status_code == 401
        assert unauthorized.json()["errorCode"] == "AUTHORIZATION_INVALID_TOKEN"
        nowhere = http.get(f"{fake.url}/restapi/v2.1/nothing-here")
        assert nowhere.status_code == 404 and set(nowhere.json()) == {"errorCode", "message"}
        grant = http.post(f"{fake.url}/oauth/token",
                          data={"grant_type": "password", "assertion": "x"})
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"

    with pytest.raises(DocuSignError) as missing:
        client.status("00000000-0000-0000-0000-000000000000")
    assert missing.value.status == 404 and missing.value.error_code == "ENVELOPE_DOES_NOT_EXIST"

    envelope_id = send(client)
    with pytest.raises(DocuSignError) as stranger:
        client.signing_url(envelope_id, "Ann Lee", "someone.else@example.test", "borrower-17",
                           RETURN_URL)
    assert stranger.value.status == 400
    assert stranger.value.error_code == "UNKNOWN_ENVELOPE_RECIPIENT"
    with pytest.raises(DocuSignError):
        client.signing_url(envelope_id, "Ann Lee", "ann.lee@example.test", "other-user",
                           RETURN_URL)

    bad_token = ESignClient(DocuSignConfig(
        base_path=f"{fake.url}/restapi", oauth_host=fake.url, account_id=ACCOUNT,
        integration_key="k", user_id="u", access_token="not-a-token"))
    with pytest.raises(DocuSignError) as denied:
        bad_token.status(envelope_id)
    assert denied.value.status == 401

    with pytest.raises(ValueError):
        client.send_for_signature(b"not a pdf", "x.pdf", "A", "a@example.test", "c")


def test_expired_token_is_renewed(client, fake):
    envelope_id = send(client)
    state(fake).tokens.clear()  # as if the fake restarted or DocuSign revoked the token
    assert client.status(envelope_id) == "sent"


def test_jwt_assertion_is_rs256_signed_by_the_configured_key(receiver):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    with run_in_thread(create_app(None, "k", ACCOUNT, jwt_public_key=public), 0) as strict:
        def config(**kw):
            return DocuSignConfig(base_path="auto", oauth_host=strict.url, account_id=ACCOUNT,
                                  integration_key="ik", user_id="uid", **kw)

        good = ESignClient(config(private_key_pem=pem))
        envelope_id = send(good)  # base path discovered through /oauth/userinfo
        assert good.status(envelope_id) == "sent"
        assert good._base_path == f"{strict.url}/restapi"
        with pytest.raises(DocuSignError) as refused:
            ESignClient(config()).status(envelope_id)  # ephemeral key: signature fails
        assert refused.value.error_code == "invalid_grant"


def test_config_from_env():
    local = DocuSignConfig.from_env({})
    assert local.base_path == "http://127.0.0.1:3002/restapi"  # LENDBOOK_PORT + 2
    assert local.oauth_url == "http://127.0.0.1:3002"
    assert DocuSignConfig.from_env({"LENDBOOK_PORT": "3300"}).oauth_url == \
        "http://127.0.0.1:3302"
    assert local.account_id == defaults.FAKE_ACCOUNT_ID and local.is_local
    assert local.connect_hmac_keys == (defaults.FAKE_CONNECT_HMAC_KEY,)

    demo = DocuSignConfig.from_env({
        "LENDBOOK_DOCUSIGN_BASE_PATH": "https://demo.docusign.net/restapi",
        "LENDBOOK_DOCUSIGN_OAUTH_HOST": "account-d.docusign.com",
        "LENDBOOK_DOCUSIGN_ACCOUNT_ID": "acc", "LENDBOOK_DOCUSIGN_INTEGRATION_KEY": "ik",
        "LENDBOOK_DOCUSIGN_USER_ID": "uid"})
    assert demo.oauth_url == "https://account-d.docusign.com" and not demo.is_local
    assert demo.connect_hmac_keys == ()  # the local dev key is never trusted for real DocuSign
    with pytest.raises(DocuSignConfigError):
        ESignClient(demo)  # no private key and no token
    rotated = DocuSignConfig.from_env({"LENDBOOK_DOCUSIGN_OAUTH_HOST": "account-d.docusign.com",
                                       "LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY": "new, old",
                                       "LENDBOOK_DOCUSIGN_ACCESS_TOKEN": "tok-secret-123"})
    assert rotated.connect_hmac_keys == ("new", "old")
    ESignClient(rotated)  # a static token is enough
    assert "tok-secret-123" not in repr(rotated) and "old" not in repr(rotated)


def test_verify_connect():
    raw = json.dumps({"event": "envelope-completed", "data": {"envelopeId": "e1"}}).encode()
    good = sign(raw, "key-a")
    assert verify_connect(raw, {"X-DocuSign-Signature-1": good}, ["key-a"])
    assert verify_connect(raw, {"x-docusign-signature-1": good}, ["key-a"])  # any case
    # any one of several keys, in any of several headers
    headers = {"X-DocuSign-Signature-1": sign(raw, "key-z"), "X-DOCUSIGN-SIGNATURE-2": good}
    assert verify_connect(raw, headers, ["key-b", "key-a"])
    assert verify_connect(raw, {"X-DocuSign-Signature-1": sign(raw, "key-b")}, ["key-a", "key-b"])
    # refused: another key, a bad value, no header, no keys, a changed body, a wrong header name
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": sign(raw, "key-z")}, ["key-a"])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": "bm90IGEgc2lnbmF0dXJl"}, ["key-a"])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": ""}, ["key-a"])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": "é"}, ["key-a"])
    assert not verify_connect(raw, {}, ["key-a"])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": good}, [])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": good}, [""])
    assert not verify_connect(raw + b" ", {"X-DocuSign-Signature-1": good}, ["key-a"])
    assert not verify_connect(raw, {"X-Signature": good}, ["key-a"])
    assert not verify_connect(raw, {"X-DocuSign-Signature-1": good.lower()}, ["key-a"])


def test_parse_connect_sample_payload():
    raw = shared_file(CONNECT_SAMPLE).read_bytes()
    event = parse_connect(raw)
    assert event.event == ""  # the sample leaves event and generatedDateTime empty
    assert event.envelope_id == "sample string"
    assert event.status == "sample string 2"
    assert event.generated_at is None
    assert event.account_id == "sample string"


def test_fake_connect_message_has_the_sample_shape(fake, client, receiver):
    sample = json.loads(shared_file(CONNECT_SAMPLE).read_bytes())
    envelope_id = send(client, name="Bo Chen", email="bo@example.test", user="borrower-18")
    url = client.signing_url(envelope_id, "Bo Chen", "bo@example.test", "borrower-18", RETURN_URL)
    with httpx.Client(trust_env=False) as browser:
        assert browser.post(url, data={"signatureName": "Bo Chen"}).status_code in (302, 303)
    payload = json.loads(wait_for_connect(receiver, envelope_id)[0])
    assert set(payload) <= set(sample)
    assert set(payload["data"]) <= set(sample["data"])
    summary = payload["data"]["envelopeSummary"]
    assert set(summary) <= set(sample["data"]["envelopeSummary"])
    assert summary["status"] == "completed" and summary["envelopeId"] == envelope_id
    signer = summary["recipients"]["signers"][0]
    assert signer["status"] == "completed" and signer["clientUserId"] == "borrower-18"


def test_parse_connect_is_tolerant():
    minimal = parse_connect(b'{"event": "envelope-voided", "data": {"envelopeId": "e2"}}')
    assert (minimal.event, minimal.envelope_id, minimal.status) == ("envelope-voided", "e2",
                                                                    "voided")
    when = parse_connect(json.dumps({"generatedDateTime": "2024-03-05T10:11:12.1234567Z",
                                     "data": {"envelopeSummary": {"envelopeId": "e3",
                                                                  "status": "completed"}}}))
    assert when.envelope_id == "e3" and when.status == "completed"
    assert when.generated_at.isoformat() == "2024-03-05T10:11:12.123456+00:00"
    assert parse_connect(b'{"event": "recipient-completed", "data": null}').status is None
    assert parse_connect(b'{"generatedDateTime": "yesterday"}').generated_at is None
    for bad in (b"<DocuSignEnvelopeInformation/>", b"[1, 2]", b""):
        with pytest.raises(ConnectPayloadError):
            parse_connect(bad)


def test_the_fake_runs_as_its_own_process_with_links_on_its_host(receiver):
    """`python -m devservices` (as `make run` starts it): the adapter reaches it at one
    address, its signing links are on the host it was given, Connect reaches the app signed
    with the key both read from the environment, and the app's static token is accepted."""
    port = free_port()
    app_url = receiver.url.removesuffix(defaults.CONNECT_WEBHOOK_PATH)
    env = {"LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY": HMAC_KEYS[0],
           "LENDBOOK_DOCUSIGN_ACCESS_TOKEN": STATIC_TOKEN}
    with fakes_process(host="localhost", bind="127.0.0.1", app_url=app_url,
                       port_docusign=port, env=env) as fakes:
        assert f"links at http://localhost:{port}" in fakes.output
        client = ESignClient(DocuSignConfig.from_env({
            "LENDBOOK_DOCUSIGN_BASE_PATH": f"http://127.0.0.1:{port}/restapi",
            "LENDBOOK_DOCUSIGN_OAUTH_HOST": f"http://127.0.0.1:{port}"}))  # the JWT grant
        envelope_id = send(client)
        url = client.signing_url(envelope_id, "Ann Lee", "ann.lee@example.test", "borrower-17",
                                 RETURN_URL)
        assert url.startswith(f"http://localhost:{port}/signing/")
        with httpx.Client(trust_env=False) as browser:
            parsed = FormParser()
            parsed.feed(browser.get(url).text)
            name = next(i["name"] for i in parsed.inputs if i.get("type") == "text")
            signed = browser.post(urljoin(url, parsed.forms[0]["action"]),
                                  data={name: "Ann Lee"}, follow_redirects=False)
        assert signed.status_code == 303
        raw, headers = wait_for_connect(receiver, envelope_id)
        assert verify_connect(raw, headers, [HMAC_KEYS[0]])
        assert not verify_connect(raw, headers, [HMAC_KEYS[1]])
        assert client.status(envelope_id) == "completed"
        by_token = httpx.get(f"http://127.0.0.1:{port}/restapi/v2.1/accounts/{ACCOUNT}/"
                             f"envelopes/{envelope_id}", headers=AUTH, trust_env=False)
        assert by_token.status_code == 200 and by_token.json()["status"] == "completed"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", trust_env=False)


def test_a_second_fake_on_a_taken_port_refuses_to_start():
    port = free_port()
    with fakes_process(host="127.0.0.1", bind="127.0.0.1", app_url="http://127.0.0.1:9",
                       port_docusign=port):
        second = subprocess.run(
            [sys.executable, "-m", "devservices", "--only", "docusign", "--bind", "127.0.0.1",
             "--port-docusign", str(port)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "already in use" in second.stderr, second


def _start_in_a_process(port, started, stop, results) -> None:
    """One fake's start-up in a spawned process, paused between finding the port free and
    binding it, as a process descheduled there on a busy machine would be."""
    from devservices import serving
    from devservices.docusign.server import start_fake_docusign
    probe = serving._ensure_port_free

    def slow_probe(host, port):
        probe(host, port)
        time.sleep(0.5)

    serving._ensure_port_free = slow_probe
    started.wait(30)
    try:
        server = start_fake_docusign(port, connect_url="none")
    except OSError:
        results.put((os.getpid(), False))
        return
    results.put((os.getpid(), True))
    stop.wait(30)
    server.stop()


def test_fakes_starting_together_on_one_port_run_one(monkeypatch):
    """granian binds with SO_REUSEPORT: two fakes that both found the port free (two `make
    run`s with one PORT) would share it, and the kernel would split connections between two
    fakes that each know only their own tokens, envelopes and signing sessions. Only one may
    start."""
    port = free_port()
    for name in ("LENDBOOK_DOCUSIGN_BASE_PATH", "LENDBOOK_DOCUSIGN_OAUTH_HOST",
                 "LENDBOOK_DOCUSIGN_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LENDBOOK_DOCUSIGN_FAKE_PORT", str(port))
    ctx = multiprocessing.get_context("spawn")  # this process runs servers in threads
    started, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    starters = [ctx.Process(target=_start_in_a_process, args=(port, started, stop, results))
                for _ in range(2)]
    for w in starters:
        w.start()
    try:
        started.set()
        serving = [results.get(timeout=60) for _ in starters]
        assert sorted(s for _, s in serving) == [False, True], serving
        owner = next(pid for pid, s in serving if s)
        # every connection reaches the same fake: a fresh client per call is never refused
        # the token it was just issued (401)
        for _ in range(10):
            with pytest.raises(DocuSignError) as unknown:
                ESignClient.from_env().status("00000000-0000-0000-0000-000000000000")
            assert unknown.value.status == 404, (owner, unknown.value)
    finally:
        stop.set()
        for w in starters:
            w.join(30)
            if w.is_alive():
                w.kill()

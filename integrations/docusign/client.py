"""E-signature through DocuSign eSignature REST v2.1 with the official `docusign_esign` SDK.

Every envelope call goes through the SDK (ApiClient, EnvelopesApi, EnvelopeDefinition, Document,
Signer, SignHere, Tabs, Recipients, RecipientViewRequest). Authentication is DocuSign's JWT grant:
an RS256 assertion (PyJWT, the claims the SDK's own helper builds) posted to
`{oauth host}/oauth/token` with httpx, because the SDK's OAuth helper hard-codes https and the
local fake speaks plain http; the wire exchange is the same. A static token can be set instead.

Switching from the local fake (a development service of its own, `python -m devservices`;
`make run` starts it on PORT+2 and sets the two URLs below) to DocuSign's demo (or production)
is configuration only. Environment (defaults point at the local fake on 127.0.0.1, port LENDBOOK_PORT + 2):

- `LENDBOOK_DOCUSIGN_BASE_PATH`: REST base path; default `http://127.0.0.1:3002/restapi`;
  demo `https://demo.docusign.net/restapi`; `auto`: the account's `base_uri` from
  `/oauth/userinfo` plus `/restapi`.
- `LENDBOOK_DOCUSIGN_OAUTH_HOST`: OAuth server; default `http://127.0.0.1:3002`; demo
  `account-d.docusign.com`, production `account.docusign.com` (no scheme means https).
- `LENDBOOK_DOCUSIGN_ACCOUNT_ID`: API account id (GUID); default the fake's account.
- `LENDBOOK_DOCUSIGN_INTEGRATION_KEY`: integration key (OAuth client id, the assertion's `iss`);
  default `lendbook-local-integration-key`.
- `LENDBOOK_DOCUSIGN_USER_ID`: id of the impersonated sending user (the assertion's `sub`);
  default the fake's user.
- `LENDBOOK_DOCUSIGN_PRIVATE_KEY_FILE`: the integration key's RSA private key (PEM). Unset with
  a loopback OAuth host: a throwaway key (the fake does not check signatures); unset with a
  real host and no access token: `ESignClient` refuses to start.
- `LENDBOOK_DOCUSIGN_ACCESS_TOKEN`: a ready bearer token; skips the JWT grant.
- `LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY`: Connect HMAC key(s), comma-separated (one per key active
  in DocuSign, for rotation). Unset: the fake's dev key while DocuSign is loopback, else none
  (every webhook is then refused).
- `LENDBOOK_DOCUSIGN_FAKE_PORT`: port of the local fake (default `LENDBOOK_PORT` + 2, 3002),
  used by the defaults.

A fake on another host name (as `make run` serves it, for phones on the network) is not
loopback: it needs `LENDBOOK_DOCUSIGN_ACCESS_TOKEN` (the fake accepts the same one) and
`LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY` (the fake signs with it), as the Makefile sets them.
Demo keys go in configuration only, never in the repository.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
import jwt
import urllib3
from docusign_esign import (
    ApiClient,
    Document,
    EnvelopeDefinition,
    EnvelopesApi,
    RecipientViewRequest,
    Recipients,
    Signer,
    SignHere,
    Tabs,
)
from docusign_esign.client.api_exception import ApiException

from domain.kernel import settings
from integrations.docusign import defaults

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
T = TypeVar("T")


class DocuSignError(RuntimeError):
    """DocuSign (or the network) refused a call. `error_code` is DocuSign's errorCode."""

    def __init__(self, message: str, status: int | None = None, error_code: str | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class DocuSignConfigError(DocuSignError):
    pass


class EnvelopeNotCompleted(DocuSignError):
    pass


def _is_loopback(url: str) -> bool:
    host = urlsplit(url if "://" in url else f"https://{url}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class DocuSignConfig:
    base_path: str
    oauth_host: str
    account_id: str
    integration_key: str
    user_id: str
    private_key_pem: bytes | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    connect_hmac_keys: tuple[str, ...] = field(default=(), repr=False)
    scopes: tuple[str, ...] = ("signature", "impersonation")
    token_lifetime: int = 3600
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "DocuSignConfig":
        """From the settings object (read from `environ` instead when given)."""
        return cls.from_settings(settings.load(environ))

    @classmethod
    def from_settings(cls, c: settings.Settings) -> "DocuSignConfig":
        fake = defaults.fake_url(c)
        base_path = c.docusign_base_path or f"{fake}/restapi"
        oauth_host = c.docusign_oauth_host or fake
        key_file = c.docusign_private_key_file
        private_key = None
        if key_file:
            with open(key_file, "rb") as f:
                private_key = f.read()
        keys = tuple(k.strip() for k in (c.docusign_connect_hmac_key or "").split(",")
                     if k.strip())
        if not keys and _is_loopback(oauth_host) and (base_path == "auto"
                                                      or _is_loopback(base_path)):
            keys = (defaults.FAKE_CONNECT_HMAC_KEY,)
        return cls(base_path=base_path, oauth_host=oauth_host,
                   account_id=c.docusign_account_id or defaults.FAKE_ACCOUNT_ID,
                   integration_key=c.docusign_integration_key or defaults.FAKE_INTEGRATION_KEY,
                   user_id=c.docusign_user_id or defaults.FAKE_USER_ID,
                   private_key_pem=private_key,
                   access_token=c.docusign_access_token or None,
                   connect_hmac_keys=keys)

    @property
    def oauth_url(self) -> str:
        host = self.oauth_host.rstrip("/")
        return host if "://" in host else f"https://{host}"

    @property
    def is_local(self) -> bool:
        return _is_loopback(self.oauth_url)


_ephemeral_key: bytes | None = None
_ephemeral_lock = threading.Lock()


def _ephemeral_private_key() -> bytes:
    """A process-wide throwaway RSA key for a loopback (fake) OAuth host."""
    global _ephemeral_key
    with _ephemeral_lock:
        if _ephemeral_key is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _ephemeral_key = key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())
        return _ephemeral_key


class ESignClient:
    """Send a PDF for embedded signing, get the signer's URL, follow status, fetch the result."""

    def __init__(self, config: DocuSignConfig | None = None):
        self.config = config or DocuSignConfig.from_env()
        if not self.config.access_token and not self.config.private_key_pem \
                and not self.config.is_local:
            raise DocuSignConfigError(
                "DocuSign needs LENDBOOK_DOCUSIGN_PRIVATE_KEY_FILE (JWT grant) or "
                f"LENDBOOK_DOCUSIGN_ACCESS_TOKEN for {self.config.oauth_url}")
        self._lock = threading.Lock()
        self._token: str | None = self.config.access_token
        self._token_expires = float("inf") if self._token else 0.0
        self._base_path: str | None = (None if self.config.base_path == "auto"
                                       else self.config.base_path.rstrip("/"))
        self._api_client: ApiClient | None = None

    @classmethod
    def from_env(cls) -> "ESignClient":
        return cls(DocuSignConfig.from_env())

    # -- authentication ------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        # a loopback fake must not be reached through an environment proxy
        return httpx.Client(timeout=self.config.timeout, trust_env=not self.config.is_local)

    def _assertion(self) -> str:
        now = int(time.time())
        claims = {"iss": self.config.integration_key, "sub": self.config.user_id,
                  "aud": urlsplit(self.config.oauth_url).netloc, "iat": now,
                  "exp": now + self.config.token_lifetime, "scope": " ".join(self.config.scopes)}
        key = self.config.private_key_pem or _ephemeral_private_key()
        return jwt.encode(claims, key, algorithm="RS256")

    def _fetch_token(self) -> None:
        try:
            with self._http() as http:
                r = http.post(f"{self.config.oauth_url}/oauth/token",
                              data={"grant_type": JWT_GRANT, "assertion": self._assertion()})
        except httpx.HTTPError as e:
            raise DocuSignError(f"DocuSign OAuth unreachable: {e!r}") from e
        data = _json_or_none(r.content) or {}
        if r.status_code != 200 or "access_token" not in data:
            raise DocuSignError(f"DocuSign JWT grant refused: {data.get('error') or r.status_code}"
                                f" {data.get('error_description') or ''}".strip(),
                                r.status_code, data.get("error"))
        self._token = data["access_token"]
        self._token_expires = time.monotonic() + float(data.get("expires_in") or 3600)

    def _discover_base_path(self) -> str:
        with self._http() as http:
            r = http.get(f"{self.config.oauth_url}/oauth/userinfo",
                         headers={"Authorization": f"Bearer {self._token}"})
        data = _json_or_none(r.content) or {}
        for account in data.get("accounts") or []:
            if account.get("account_id") == self.config.account_id:
                return f"{account['base_uri'].rstrip('/')}/restapi"
        raise DocuSignConfigError(f"account {self.config.account_id} is not among the user's "
                                  f"DocuSign accounts (userinfo status {r.status_code})")

    def _api(self, refresh: bool = False) -> EnvelopesApi:
        with self._lock:
            if refresh and not self.config.access_token:
                self._token = None
            if self._token is None or time.monotonic() > self._token_expires - 300:
                self._fetch_token()
            if self._base_path is None:
                self._base_path = self._discover_base_path()
            if self._api_client is None:
                self._api_client = ApiClient(host=self._base_path)
            self._api_client.set_default_header("Authorization", f"Bearer {self._token}")
            return EnvelopesApi(self._api_client)

    def _call(self, fn: Callable[[EnvelopesApi], T]) -> T:
        """Run an SDK call; a 401 (token revoked, fake restarted) refreshes the token once."""
        for attempt in (0, 1):
            try:
                return fn(self._api(refresh=attempt == 1))
            except ApiException as e:
                if e.status == 401 and attempt == 0 and not self.config.access_token:
                    continue
                body = _json_or_none(e.body) or {}
                raise DocuSignError(
                    f"DocuSign {e.status}: {body.get('errorCode') or e.reason} "
                    f"{body.get('message') or ''}".strip(), e.status, body.get("errorCode")) from e
            except (urllib3.exceptions.HTTPError, OSError) as e:
                raise DocuSignError(f"DocuSign unreachable: {e!r}") from e
        raise AssertionError("unreachable")

    # -- the four operations -------------------------------------------------------------------

    def send_for_signature(self, pdf: bytes, document_name: str, signer_name: str,
                           signer_email: str, client_user_id: str, *,
                           email_subject: str | None = None,
                           anchor_string: str | None = None,
                           page_number: int = 1, x_position: int = 72,
                           y_position: int = 700) -> str:
        """Create and send an envelope with one PDF and one embedded signer (signing happens in
        Lendbook via `signing_url`). The Sign Here tab goes on `anchor_string` when given (text in
        the PDF), else at (x, y) points from the top left of `page_number`. Returns envelopeId."""
        if not pdf.startswith(b"%PDF-"):
            raise ValueError("send_for_signature expects PDF bytes")
        if not client_user_id:
            raise ValueError("client_user_id is required for embedded signing")
        if anchor_string:
            sign_here = SignHere(document_id="1", recipient_id="1", tab_label="borrower_signature",
                                 anchor_string=anchor_string, anchor_units="pixels",
                                 anchor_x_offset="0", anchor_y_offset="0",
                                 anchor_ignore_if_not_present="false")
        else:
            sign_here = SignHere(document_id="1", recipient_id="1", tab_label="borrower_signature",
                                 page_number=str(page_number), x_position=str(x_position),
                                 y_position=str(y_position))
        signer = Signer(email=signer_email, name=signer_name, recipient_id="1",
                        routing_order="1", client_user_id=client_user_id,
                        tabs=Tabs(sign_here_tabs=[sign_here]))
        definition = EnvelopeDefinition(
            email_subject=(email_subject or f"Please sign: {document_name}")[:100],
            documents=[Document(document_base64=base64.b64encode(pdf).decode("ascii"),
                                name=document_name, file_extension="pdf", document_id="1")],
            recipients=Recipients(signers=[signer]),
            status="sent")
        summary = self._call(lambda api: api.create_envelope(
            self.config.account_id, envelope_definition=definition,
            _request_timeout=self.config.timeout))
        return summary.envelope_id

    def signing_url(self, envelope_id: str, signer_name: str, signer_email: str,
                    client_user_id: str, return_url: str) -> str:
        """A short-lived (5 minutes, single use) URL where the signer signs; DocuSign then sends
        the browser to `return_url?event=signing_complete` (or cancel, decline, ...)."""
        request = RecipientViewRequest(authentication_method="none",
                                       client_user_id=client_user_id, user_name=signer_name,
                                       email=signer_email, return_url=return_url)
        view = self._call(lambda api: api.create_recipient_view(
            self.config.account_id, envelope_id, recipient_view_request=request,
            _request_timeout=self.config.timeout))
        return view.url

    def status(self, envelope_id: str) -> str:
        """DocuSign's envelope status: sent, delivered, completed, declined, voided, ..."""
        envelope = self._call(lambda api: api.get_envelope(
            self.config.account_id, envelope_id, _request_timeout=self.config.timeout))
        return envelope.status

    def signed_document(self, envelope_id: str) -> bytes:
        """The combined signed PDF; raises EnvelopeNotCompleted before every signer signed."""
        current = self.status(envelope_id)
        if current != "completed":
            raise EnvelopeNotCompleted(f"envelope {envelope_id} is {current}, not completed",
                                       error_code=current)
        data = self._call(lambda api: api.get_document(
            self.config.account_id, "combined", envelope_id,
            _request_timeout=self.config.timeout))
        if isinstance(data, str):  # defensive: older SDKs decoded file bodies
            data = data.encode("latin-1")
        if not data.startswith(b"%PDF-"):
            raise DocuSignError(f"envelope {envelope_id}: the combined document is not a PDF")
        return data


def _json_or_none(raw: bytes | str | None) -> dict | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None

"""`domain.origination.esign.ESignPort` in memory: envelopes with one embedded signer, a
signing URL per request, status and the signed document, as the DocuSign adapter gives them.
The test signs (or declines) in place of the borrower with `sign` / `decline`; `sign` returns
the URL the borrower's browser would come back to (`?event=signing_complete`)."""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit


class EnvelopeNotFound(LookupError):
    pass


class EnvelopeNotCompleted(RuntimeError):
    pass


@dataclass
class MemoryEnvelope:
    envelope_id: str
    pdf: bytes
    document_name: str
    signer_name: str
    signer_email: str
    client_user_id: str
    options: dict
    status: str = "sent"
    signed_by: str | None = None
    return_url: str | None = None


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@dataclass
class InMemoryESign:
    """Envelopes live in `envelopes`; `base_url` starts the signing URLs it hands out (nothing
    serves them: a test calls `sign` instead of opening one)."""
    base_url: str = "https://esign.invalid"
    envelopes: dict[str, MemoryEnvelope] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    # -- the port ----------------------------------------------------------------------------

    def send_for_signature(self, pdf: bytes, document_name: str, signer_name: str,
                           signer_email: str, client_user_id: str, **kw) -> str:
        if not pdf.startswith(b"%PDF-"):
            raise ValueError("send_for_signature expects PDF bytes")
        if not client_user_id:
            raise ValueError("client_user_id is required for embedded signing")
        envelope_id = f"00000000-0000-4000-8000-{next(self._ids):012d}"
        self.envelopes[envelope_id] = MemoryEnvelope(envelope_id, pdf, document_name,
                                                     signer_name, signer_email,
                                                     client_user_id, dict(kw))
        return envelope_id

    def signing_url(self, envelope_id: str, signer_name: str, signer_email: str,
                    client_user_id: str, return_url: str) -> str:
        env = self._get(envelope_id)
        if (signer_name, signer_email, client_user_id) != (env.signer_name, env.signer_email,
                                                           env.client_user_id):
            raise PermissionError("the recipient does not match the envelope's signer")
        if urlsplit(return_url).scheme not in ("http", "https"):
            raise ValueError("return_url must be an http(s) URL")
        env.return_url = return_url
        if env.status == "sent":
            env.status = "delivered"
        return f"{self.base_url.rstrip('/')}/signing/{envelope_id}/{secrets.token_urlsafe(12)}"

    def status(self, envelope_id: str) -> str:
        return self._get(envelope_id).status

    def signed_document(self, envelope_id: str) -> bytes:
        env = self._get(envelope_id)
        if env.status != "completed":
            raise EnvelopeNotCompleted(f"envelope {envelope_id} is {env.status}, not completed")
        return env.pdf  # as the HTTP fake: the original bytes (no stamp)

    # -- the signer's side (tests) -----------------------------------------------------------

    def sign(self, envelope_id: str, name: str | None = None) -> str | None:
        """The signer signs: the envelope is completed. Returns the return URL with
        `event=signing_complete` (None when no signing URL was asked for)."""
        env = self._get(envelope_id)
        if env.status in ("declined", "voided"):
            raise EnvelopeNotCompleted(f"envelope {envelope_id} is {env.status}")
        env.status, env.signed_by = "completed", name or env.signer_name
        return _with_query(env.return_url, event="signing_complete") if env.return_url else None

    def decline(self, envelope_id: str) -> str | None:
        env = self._get(envelope_id)
        env.status = "declined"
        return _with_query(env.return_url, event="decline") if env.return_url else None

    def sent_to(self, client_user_id: str) -> list[MemoryEnvelope]:
        return [e for e in self.envelopes.values() if e.client_user_id == client_user_id]

    def _get(self, envelope_id: str) -> MemoryEnvelope:
        try:
            return self.envelopes[envelope_id]
        except KeyError:
            raise EnvelopeNotFound(f"no envelope {envelope_id}") from None

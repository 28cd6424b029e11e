"""Builders for integration tests: real commands against a real database."""
from sqlalchemy import func
from sqlmodel import select

from domain.db.uow import UnitOfWork
from domain.access import accounts
from domain.configuration import products
from domain.kernel.actor import SYSTEM, Actor


def make_user(url, uniq, role, tag="u") -> Actor:
    email = f"{tag}-{role}-{uniq}@example.test"
    uid = accounts.create_user(SYSTEM, email, "correct-horse-battery", f"{tag} {role}", role, url)
    return Actor(uid, role, email)


def make_product(url, admin: Actor, uniq, workflow="instant", **overrides) -> int:
    """A product; servicing tests book on acceptance (the `instant` workflow), origination
    tests pass workflow="standard" (underwriting, e-signature, funding)."""
    form = dict(code=f"P{uniq}".upper(), name=f"Personal {uniq}", min_amount="1000",
                max_amount="25000", min_term="6", max_term="60", annual_rate="11.99")
    form.update(overrides)
    form["settings"] = (("workflow", workflow), *form.get("settings", ()))
    return products.create_product(admin, products.ProductForm(**form), url)


def count(url, model, *where) -> int:
    with UnitOfWork(url) as s:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)
        return int(s.exec(q).one())


CONNECT_KEY = "connect-test-key"


def serve_with_fake_docusign(db_url, monkeypatch, tmp_path):
    """Our API and the fake DocuSign on free ports, wired to each other (Connect signed with
    CONNECT_KEY), documents kept under tmp_path. Returns (our base URL, stop)."""
    from devservices.docusign.server import create_app
    from devservices.serving import free_port, run_in_thread
    from portal.api import api_app
    api_port, fake_port = free_port(), free_port()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    monkeypatch.setenv("LENDBOOK_DOCUSIGN_BASE_PATH", f"http://127.0.0.1:{fake_port}/restapi")
    monkeypatch.setenv("LENDBOOK_DOCUSIGN_OAUTH_HOST", f"http://127.0.0.1:{fake_port}")
    monkeypatch.setenv("LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY", CONNECT_KEY)
    ours = run_in_thread(api_app(), api_port)
    fake = run_in_thread(create_app(f"http://127.0.0.1:{api_port}/api/v1/webhooks/docusign",
                                    CONNECT_KEY, public_url=f"http://127.0.0.1:{fake_port}"),
                         fake_port)

    def stop():
        fake.stop()
        ours.stop()
    return f"http://127.0.0.1:{api_port}", stop

"""The composition root builds every port from the one settings object, and nothing at the
edge (pages, API routes, jobs, CLI) builds an adapter itself."""
import re
from pathlib import Path

import composition
from domain.documents import storage
from integrations.bureau.local import LocalBureau

ROOT = Path(__file__).resolve().parents[1].parent
EDGE = ("portal", "admin", "ui", "webapp", "cli")


def test_ports_follow_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_PORT", "3300")
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.delenv("LENDBOOK_STRIPE_FAKE_PORT", raising=False)
    monkeypatch.delenv("LENDBOOK_DOCUSIGN_OAUTH_HOST", raising=False)
    monkeypatch.delenv("LENDBOOK_DOCUSIGN_FAKE_PORT", raising=False)
    p = composition.ports()
    assert composition.ports() is p  # the same while the settings are
    assert p.settings.port == 3300
    assert isinstance(p.bureau, LocalBureau)
    assert p.stripe.config.api_base == "http://127.0.0.1:3301"  # the local fake, PORT+1
    assert p.charger.gateway is p.stripe
    assert p.esign.config.oauth_url == "http://127.0.0.1:3302"  # PORT+2
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:4001")
    q = composition.ports()
    assert q is not p and q.stripe.config.api_base == "http://127.0.0.1:4001"


def test_bureau_fixtures_come_from_the_settings(monkeypatch, tmp_path):
    fixtures = tmp_path / "bureau.json"
    fixtures.write_text('{"9999": {"score": 512}}')
    monkeypatch.setenv("LENDBOOK_BUREAU_FIXTURES", str(fixtures))
    assert composition.ports().bureau.overrides["9999"] == {"score": 512}


def test_start_installs_the_document_storage(monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    try:
        p = composition.start()
        assert storage.current() is p.documents
        assert p.documents.folder == tmp_path / "documents"
        with p.unit_of_work() as s:
            assert str(s.get_bind().url).endswith(str(tmp_path / "lendbook.db"))
    finally:
        storage.install(None)


def test_no_edge_module_builds_an_adapter():
    built = re.compile(r"\b(ESignClient|StripeGateway|StripeCharger|LocalBureau|DocuSignConfig"
                       r"|StripeConfig)(\.from_env)?\(")
    found = [f"{p.relative_to(ROOT)}:{n}" for base in EDGE for p in (ROOT / base).rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if built.search(line)]
    assert found == []

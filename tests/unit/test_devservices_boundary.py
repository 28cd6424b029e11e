"""The development fakes stay out of the production app: importing `devservices` from
production code breaks the build (import-linter), and the app module starts no fake."""
from tests.unit.test_layers import ROOT, _copy, _lint


def test_production_code_importing_the_fakes_breaks_the_build(tmp_path):
    tree = _copy(tmp_path)
    with open(tree / "integrations/stripe/client.py", "a") as f:
        f.write("\nfrom devservices.stripe import server  # noqa\n")
    p = _lint(tree)
    assert p.returncode != 0
    assert "Production code never imports the development fakes BROKEN" in p.stdout


def test_the_app_module_starts_no_fake():
    app = (ROOT / "webapp/app.py").read_text()
    assert "devservices" not in app and "fake" not in app.lower()

"""Credit bureau adapters behind `domain.origination.bureau.BureauPort`."""
from domain.kernel import settings
from domain.origination.bureau import BureauPort


def configured() -> BureauPort:
    """The provider named by LENDBOOK_BUREAU (default `local`, the offline provider)."""
    name = settings.load().bureau
    if name == "local":
        from integrations.bureau.local import LocalBureau
        return LocalBureau.from_env()
    raise RuntimeError(f"LENDBOOK_BUREAU={name!r} is not a known bureau adapter")

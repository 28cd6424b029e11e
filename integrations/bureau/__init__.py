"""Credit bureau adapters behind `domain.origination.bureau.BureauPort`."""
import os

from domain.origination.bureau import BureauPort


def configured() -> BureauPort:
    """The provider named by LENDBOOK_BUREAU (default `local`, the offline provider)."""
    name = os.environ.get("LENDBOOK_BUREAU", "local")
    if name == "local":
        from integrations.bureau.local import LocalBureau
        return LocalBureau.from_env()
    raise RuntimeError(f"LENDBOOK_BUREAU={name!r} is not a known bureau adapter")

"""Credit bureau adapters behind `domain.origination.bureau.BureauPort`."""
from domain.kernel import settings
from domain.origination.bureau import BureauPort


def for_settings(config: settings.Settings) -> BureauPort:
    """The provider named by LENDBOOK_BUREAU (`local`, the offline provider, is the only one
    today; the settings object refuses any other name)."""
    from integrations.bureau.local import LocalBureau
    return LocalBureau.from_fixtures(config.bureau_fixtures)

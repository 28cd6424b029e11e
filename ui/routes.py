"""Routes the kit itself sends people to; the pages' own routes stay beside their pages."""
from urllib.parse import quote

SIGN_IN = "/login"


def sign_in_url(back_to: str) -> str:
    """The sign-in page, which returns to `back_to` (a path of this site) once signed in."""
    return f"{SIGN_IN}?next={quote(back_to, safe='/')}" if back_to else SIGN_IN

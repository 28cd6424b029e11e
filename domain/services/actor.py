"""Who is acting, and the role checks every command makes on the backend."""
from dataclasses import dataclass

from domain.errors import PermissionDenied

ROLES = ("borrower", "dealer", "field_agent", "underwriter", "servicer", "admin")
ROLE_LABELS = {"borrower": "Borrower", "dealer": "Dealer", "field_agent": "Field agent",
               "underwriter": "Underwriter", "servicer": "Servicer", "admin": "Admin"}
STAFF = ("underwriter", "servicer", "admin")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str
    label: str  # e-mail, or "system"

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise PermissionDenied(f"the {ROLE_LABELS.get(self.role, self.role)} role may not do this")


SYSTEM = Actor(None, "admin", "system")

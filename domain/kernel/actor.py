"""Who is acting, and the one permission check every command makes on the backend.

An Actor carries its permission set, loaded once with the session (accounts.resolve reads the
role's permissions from the database), so a check is a set lookup, never a query. An Actor
built in code without a set (the demo loader, tests, `SYSTEM`) gets its built-in role's set.
"""
from dataclasses import dataclass, field

from domain.kernel import permissions as catalogue
from domain.kernel.errors import PermissionDenied

ROLES = tuple(catalogue.BUILT_IN_ROLES)  # the built-in role codes; admins add more as data
ROLE_LABELS = {code: r.name for code, r in catalogue.BUILT_IN_ROLES.items()}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str
    label: str  # e-mail, or "system"
    permissions: frozenset[str] = field(default=None, compare=False)  # type: ignore[assignment]
    organisation_id: int | None = None
    portal: str = ""
    role_name: str = ""

    def __post_init__(self):
        if self.permissions is None:
            object.__setattr__(self, "permissions", catalogue.built_in(self.role))
        else:
            object.__setattr__(self, "permissions", frozenset(self.permissions))
        if not self.portal:
            r = catalogue.BUILT_IN_ROLES.get(self.role)
            object.__setattr__(self, "portal", r.portal if r else "staff")
        if not self.role_name:
            object.__setattr__(self, "role_name", ROLE_LABELS.get(self.role, self.role))

    def can(self, *codes: str) -> bool:
        """True if the actor holds at least one of `codes`."""
        return any(c in self.permissions for c in codes)

    def require_permission(self, *codes: str) -> None:
        """Refuse unless the actor holds one of `codes`; the error names the permission."""
        if not self.can(*codes):
            needed = " or ".join(f"“{catalogue.BY_CODE[c].label}” ({c})"
                                 if c in catalogue.BY_CODE else c for c in codes)
            raise PermissionDenied(f"the {self.role_name} role may not do this: it needs the "
                                   f"permission {needed}")


def authorize(actor: Actor, *codes: str) -> None:
    actor.require_permission(*codes)


SYSTEM = Actor(None, "admin", "system")

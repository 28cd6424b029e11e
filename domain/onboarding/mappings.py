"""File column mappings per source system, versioned like rule sets: saving a mapping that
differs from the published one drafts and publishes a new version (both audited)."""
from sqlmodel import select

from domain.db.onboarding_tables import OnboardingMapping
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.onboarding.files import DEFAULT_MAPPING, check_mapping
from domain.configuration import versioned
from domain.kernel.actor import Actor

ENTITY = "onboarding_mapping"


def published(source: str, url: str | None = None) -> tuple[int | None, dict]:
    """(version, mapping) in use for a source; (None, the default) when none is published."""
    with UnitOfWork(url) as s:
        row = s.exec(select(OnboardingMapping).where(OnboardingMapping.code == source,
                                                     OnboardingMapping.status == "published")
                     ).first()
        return (row.version, row.mapping) if row else (None, DEFAULT_MAPPING)


def save(actor: Actor, source: str, mapping: dict, url: str | None = None) -> int:
    """The version now published for the source (unchanged when the mapping is the same)."""
    actor.require_permission("onboarding.board")
    errors = check_mapping(mapping)
    if errors:
        raise ValidationError(errors)
    version, current = published(source, url)
    if version is not None and current == mapping:
        return version
    with UnitOfWork(url) as s:
        v = versioned.next_version(s, OnboardingMapping, source)
        versioned.add_draft(s, OnboardingMapping, ENTITY, actor, source, v, mapping,
                            column="mapping")
        versioned.publish(s, OnboardingMapping, ENTITY, actor, source, v, "saved by import")
        return v

"""What a section of the configuration document is. The sections themselves are one explicit
list, `sections.SECTIONS`: a new kind of configuration joins export, validation, dry-run diff
and import by adding its Section there, with no change to the import machinery.

A section is four functions, all run inside the import's one transaction (session `s`):
- snapshot(s) -> value: the section as exported (JSON-able; the same value must import back
  to the same snapshot).
- validate(s, value, sections) -> [(path, reason)]: every problem, paths relative to the
  section's value ('[2].settings.day_count', 'definition.name', '' for the value itself);
  `sections` is the whole document's sections (for references between sections).
- diff(s, value) -> [config_doc.Change]: per item added / changed (fields) / unchanged /
  removed-not-applied; only called on a value that validated.
- apply(s, actor, value, changes, reason) -> [str]: create (and publish) new versions for the
  added and changed items, audited with `reason` (it names the document's SHA-256); returns
  what it applied, e.g. 'workflow standard v3'. Never deletes, never edits booked loans.
Sections are exported and applied in the list's order (products after the workflows and rule
sets they name).
"""
from dataclasses import dataclass
from typing import Any, Callable

from domain.config_document.document import Change, diff_items


@dataclass(frozen=True)
class Section:
    name: str
    snapshot: Callable[..., Any]
    validate: Callable[..., list[tuple[str, str]]]
    diff: Callable[..., list[Change]]
    apply: Callable[..., list[str]]


def keyed_diff(snapshot: Callable, items: Callable[[Any], dict]) -> Callable:
    """A section's diff from its snapshot and a function giving a value's items by key
    (normalised, so a document that says the same thing differently is 'unchanged')."""
    return lambda s, value: diff_items(items(snapshot(s)), items(value))

"""Structured edits of a workflow definition (the JSON the workflow page saves): add, remove
and reorder stages, set a stage's name, key or conditions, tick the roles that act. Pure: each
returns a new definition; validation stays with `Workflow.from_dict` when the draft is saved."""
import copy
from domain.configuration.workflow import ROLES

STAGE_FIELDS = ("key", "name", "when", "entry")


def _stages(definition: dict) -> list:
    stages = definition.get("stages")
    return stages if isinstance(stages, list) else []


def rows(definition: dict) -> list[dict]:
    """What the structured editor shows per stage (text fields; actors as a list)."""
    out = []
    for s in _stages(definition):
        s = s if isinstance(s, dict) else {}
        actors = s.get("actors")
        out.append({**{f: str(s.get(f) or "") for f in STAGE_FIELDS},
                    "actors": [a for a in actors if isinstance(a, str)]
                    if isinstance(actors, list) else []})
    return out


def set_name(definition: dict, name: str) -> dict:
    """The workflow's display name."""
    return {**copy.deepcopy(definition), "name": name}


def add_stage(definition: dict) -> dict:
    """A new review stage just before the last one (booked stays last); a unique key."""
    d = copy.deepcopy(definition)
    stages = d.setdefault("stages", [])
    keys = {s.get("key") for s in stages if isinstance(s, dict)}
    n = 1
    while f"review_{n}" in keys:
        n += 1
    stage = {"key": f"review_{n}", "name": f"Review {n}", "actors": ["underwriter"]}
    stages.insert(max(len(stages) - 1, 0), stage)
    return d


def remove_stage(definition: dict, index: int) -> dict:
    d = copy.deepcopy(definition)
    if 0 <= index < len(_stages(d)):
        del d["stages"][index]
    return d


def move_stage(definition: dict, index: int, delta: int) -> dict:
    """Swap the stage with its neighbour (delta -1: up, +1: down); out of range: unchanged."""
    d = copy.deepcopy(definition)
    stages, other = _stages(d), index + delta
    if 0 <= index < len(stages) and 0 <= other < len(stages):
        stages[index], stages[other] = stages[other], stages[index]
    return d


def set_field(definition: dict, index: int, field: str, value: str) -> dict:
    """Set key, name, when or entry; an empty `when` / `entry` removes the condition."""
    if field not in STAGE_FIELDS:
        raise ValueError(f"{field} is not a stage field")
    d = copy.deepcopy(definition)
    stages = _stages(d)
    if 0 <= index < len(stages) and isinstance(stages[index], dict):
        if field in ("when", "entry") and not value.strip():
            stages[index].pop(field, None)
        else:
            stages[index][field] = value if field in ("when", "entry") else value.strip()
    return d


def set_actor(definition: dict, index: int, role: str, on: bool) -> dict:
    """Tick or untick a role that acts at the stage (kept in the definition's role order)."""
    d = copy.deepcopy(definition)
    stages = _stages(d)
    if 0 <= index < len(stages) and isinstance(stages[index], dict):
        now = set(stages[index].get("actors") or []) - {role} | ({role} if on else set())
        stages[index]["actors"] = [r for r in ROLES if r in now]
    return d

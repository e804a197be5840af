"""What changed between two guidelines: stage by stage per track, then the global parts.

Fields are compared generically, so a field added to the schema later shows up in the diff
without this module knowing it; values are shown as a guideline file writes them (`30HKal`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from models.pedoman import Action, Guideline, Stage
from models.time import Limit

# Where a change is: a track (its case type), the common opening or tail, or a global part.
OPENING, TAIL = "opening", "tail"
OPEN_QUESTIONS, LEGAL_OPINION, COMMON_ACTIONS, GUIDELINE = (
    "open_questions",
    "legal_opinion",
    "common_actions",
    "guideline",
)

Kind = Literal["added", "removed", "changed"]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Change:
    """One difference: a part, stage or action added or removed, or one field changed.

    `field` is dotted into nested parts (`extension.limit`, `timeout.to`); it is None when the
    track, stage or action itself was added or removed, whose whole value is then `before` or
    `after`."""

    part: str
    stage: str | None
    action: str | None
    field: str | None
    before: Any
    after: Any

    @property
    def kind(self) -> Kind:
        if self.field is None and self.before is None:
            return "added"
        if self.field is None and self.after is None:
            return "removed"
        return "changed"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "part": self.part,
            "stage": self.stage,
            "action": self.action,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class GuidelineDiff:
    """Every change from `before` to `after`, in reading order."""

    before: str
    after: str
    before_hash: str
    after_hash: str
    changes: tuple[Change, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "before": {"version": self.before, "content_hash": self.before_hash},
            "after": {"version": self.after, "content_hash": self.after_hash},
            "changes": [change.as_json() for change in self.changes],
        }


def plain(value: Any) -> Any:
    """A value as a guideline file writes it: limits as `30HKal`, enums by value, models as
    tables (every field, defaults included, so both sides of a diff have the same keys)."""
    if isinstance(value, Limit):
        return str(value)
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def diff_guidelines(before: Guideline, after: Guideline) -> GuidelineDiff:
    """What changed from `before` to `after`."""
    changes = [
        *_stages(OPENING, before.opening, after.opening),
        *_tracks(before, after),
        *_stages(TAIL, before.tail, after.tail),
        *_fields(OPEN_QUESTIONS, None, None, before.open_questions, after.open_questions),
        *_fields(LEGAL_OPINION, None, None, before.legal_opinion, after.legal_opinion),
        *_actions(COMMON_ACTIONS, None, before.common_actions, after.common_actions),
        *_fields(
            GUIDELINE,
            None,
            None,
            before,
            after,
            # The header names the versions; the parts have their own sections above.
            skip={"version", "opening", "tracks", "tail", "open_questions", "legal_opinion"}
            | {"common_actions"},
        ),
    ]
    return GuidelineDiff(
        before=before.version,
        after=after.version,
        before_hash=before.content_hash(),
        after_hash=after.content_hash(),
        changes=tuple(changes),
    )


def _tracks(before: Guideline, after: Guideline) -> Iterator[Change]:
    for case_type in _union(list(before.tracks), list(after.tracks)):
        old, new = before.tracks.get(case_type), after.tracks.get(case_type)
        part = case_type.value
        if old is None or new is None:
            yield Change(part, None, None, None, _whole(old), _whole(new))
            continue
        yield from _fields(part, None, None, old, new, skip={"stages"})
        yield from _stages(part, old.stages, new.stages)


def _stages(part: str, before: Sequence[Stage], after: Sequence[Stage]) -> Iterator[Change]:
    old = {stage.name: stage for stage in before}
    new = {stage.name: stage for stage in after}
    for name in _union(list(old), list(new)):
        if name not in old or name not in new:
            yield Change(part, name, None, None, _whole(old.get(name)), _whole(new.get(name)))
            continue
        yield from _fields(part, name, None, old[name], new[name], skip={"name", "actions"})
        yield from _actions(part, name, old[name].actions, new[name].actions)


def _actions(
    part: str, stage: str | None, before: Sequence[Action], after: Sequence[Action]
) -> Iterator[Change]:
    old = {action.name: action for action in before}
    new = {action.name: action for action in after}
    for name in _union(list(old), list(new)):
        if name not in old or name not in new:
            yield Change(part, stage, name, None, _whole(old.get(name)), _whole(new.get(name)))
            continue
        yield from _fields(part, stage, name, old[name], new[name], skip={"name"})


def _fields(
    part: str,
    stage: str | None,
    action: str | None,
    before: BaseModel,
    after: BaseModel,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
) -> Iterator[Change]:
    old, new = plain(before), plain(after)
    for name in _union(list(old), list(new)):
        if name in skip:
            continue
        for field, was, now in _differences(name, old.get(name), new.get(name)):
            yield Change(part, stage, action, field, was, now)


def _differences(path: str, before: Any, after: Any) -> Iterator[tuple[str, Any, Any]]:
    """Dotted paths into nested tables (an extension, a timeout rule) where the two differ."""
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in _union(list(before), list(after)):
            yield from _differences(f"{path}.{key}", before.get(key), after.get(key))
        return
    yield path, before, after


def _whole(value: BaseModel | None) -> Any:
    return None if value is None else plain(value)


def _union(before: list[_T], after: list[_T]) -> list[_T]:
    """Every name, in the newer order, each removed one after the one it followed."""
    order = list(after)
    for index, name in enumerate(before):
        if name not in order:
            previous = before[index - 1] if index else None
            order.insert(order.index(previous) + 1 if previous in order else 0, name)
    return order


# ---------------------------------------------------------------- text


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value or '""'
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


def _target(value: Any) -> str:
    if isinstance(value, dict) and "on" in value:
        cases = ", ".join(f"{fact}: {stage}" for fact, stage in value["cases"].items())
        return f"by {value['on']} ({cases})"
    return _shown(value)


def _summary(kind: str, value: dict[str, Any]) -> str:
    """One line for an added or removed stage or action: what a reader checks first."""
    facts = [f"actors {_shown(value['actors'])}"]
    if kind == "stage":
        facts.append(f"limit {_shown(value['limit'])}")
        timeout = value["timeout"]
        facts.append(f"timeout {timeout['kind'] if timeout else '-'}")
        actions = [action["name"] for action in value["actions"]]
        facts.append(f"actions {_shown(actions)}")
    else:
        facts.append(f"payload {value['payload']}")
        if value["effect"] != "transition":
            facts.append(f"effect {value['effect']}")
        if value["to"] is not None:
            facts.append(f"to {_target(value['to'])}")
        if value["close"] is not None:
            facts.append(f"closes {value['close']}")
    return "; ".join(facts)


def _entity_line(kind: str, name: str, change: Change) -> str:
    if change.kind == "added":
        return f"+ {kind} {name}: {_summary(kind, change.after)}"
    return f"- {kind} {name}"


def _field_line(change: Change) -> str:
    return f"{change.field}: {_shown(change.before)} → {_shown(change.after)}"


_PART_TITLES = {
    OPENING: "opening (every track)",
    TAIL: "tail (every track)",
    OPEN_QUESTIONS: "open questions",
    LEGAL_OPINION: "legal-opinion policy",
    COMMON_ACTIONS: "actions in every open stage",
    GUIDELINE: "guideline",
}


def diff_text(diff: GuidelineDiff) -> str:
    """The diff as indented plain text: part, then stage, then action."""
    lines = [f"{diff.before} → {diff.after}"]
    if not diff.changes:
        return "\n".join([*lines, "no changes"]) + "\n"
    part = stage = action = None
    for change in diff.changes:
        if change.part != part:
            part, stage, action = change.part, None, None
            if change.stage is None and change.action is None and change.field is None:
                sign = "+" if change.kind == "added" else "-"
                lines.append(f"{sign} track {part}")
                continue
            lines.append(_PART_TITLES.get(part, f"track {part}"))
        depth = 1
        if change.stage is not None:
            if change.action is None and change.field is None:
                lines.append("  " + _entity_line("stage", change.stage, change))
                stage, action = None, None
                continue
            if change.stage != stage:
                stage, action = change.stage, None
                lines.append(f"  stage {stage}")
            depth = 2
        if change.action is not None:
            if change.field is None:
                lines.append("  " * depth + _entity_line("action", change.action, change))
                action = None
                continue
            if change.action != action:
                action = change.action
                lines.append("  " * depth + f"action {action}")
            depth += 1
        lines.append("  " * depth + _field_line(change))
    return "\n".join(lines) + "\n"

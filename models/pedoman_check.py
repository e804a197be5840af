"""Checking a guideline before it is published: its schema, then each track's stage graph."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from models.case import CaseType, DisputeRoute
from models.forum import ForumKind
from models.pedoman import (
    Action,
    ClosingState,
    Effect,
    Fact,
    Guideline,
    Stage,
    Switch,
    Target,
    TimeoutKind,
    TimeoutRule,
)
from models.pedoman_graph import MOVING_EFFECTS, Edge, available, stage_edges


@dataclass(frozen=True)
class Problem:
    """One reason a guideline cannot be published, and where it is."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def check_guideline(data: Mapping[str, Any]) -> list[Problem]:
    """Every problem in a raw guideline mapping: schema errors first, else graph errors."""
    try:
        guideline = Guideline.model_validate(data)
    except ValidationError as error:
        return _schema_problems(error, data)
    findings = [
        f for case_type in guideline.tracks for f in _TrackCheck(guideline, case_type).run()
    ]
    return _merged(findings)


def closing_states_reached(guideline: Guideline, case_type: CaseType) -> frozenset[ClosingState]:
    """The closing states a case of this type can end in, following the stage graph."""
    return _TrackCheck(guideline, case_type).walk().closings


# ---------------------------------------------------------------- schema errors in words

# The noun for an enum field, so "unknown role 'governor'" reads better than "input should be…".
_NOUNS = {
    "actors": "role",
    "close": "closing state",
    "outcome": "closing state",
    "on": "fact",
    "when": "fact",
    "effect": "effect",
    "payload": "payload kind",
    "kind": "timeout kind",
    "day_type": "day type",
    "tracks": "case type",
}
_UNION_TAGS = {"str", "Switch"}


def _schema_problems(error: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors():
        loc = list(detail["loc"])
        tag = next((i for i, part in enumerate(loc) if part in _UNION_TAGS), None)
        if tag is not None:
            # A target is a stage name or a Switch: report only the branch the input was meant as.
            meant = "Switch" if isinstance(_at(data, loc[:tag]), Mapping) else "str"
            if loc[tag] != meant:
                continue
            del loc[tag]
        problem = Problem(_where(data, loc), _message(detail, loc))
        if problem not in problems:
            problems.append(problem)
    return problems


def _at(data: Any, loc: list[int | str]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _where(data: Mapping[str, Any], loc: list[int | str]) -> str:
    text = ""
    for n, part in enumerate(loc):
        if part == "[key]":
            continue
        if isinstance(part, int):
            item = _at(data, loc[: n + 1])
            name = item.get("name") if isinstance(item, Mapping) else None
            text += f"[{part}]" + (f" ({name})" if isinstance(name, str) else "")
        else:
            text += f".{part}" if text else str(part)
    return text or "guideline"


def _message(detail: ErrorDetails, loc: list[int | str]) -> str:
    value = detail["input"]
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    ctx = detail.get("ctx", {})
    if detail["type"] == "enum":
        fields = [p for p in loc if isinstance(p, str) and p in _NOUNS]
        noun = _NOUNS[fields[-1]] if fields else "value"
        known = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"unknown {noun} {shown} (known: {known})"
    if detail["type"] == "missing":
        return "required field missing"
    if detail["type"] == "value_error":
        return str(ctx.get("error", detail["msg"]))
    if detail["type"] == "string_pattern_mismatch":
        hint = " (lowercase letters and _)" if loc[-1:] == ["name"] else ""
        return f"{shown} does not match {ctx.get('pattern')}{hint}"
    return f"{detail['msg'][0].lower()}{detail['msg'][1:]} (got {shown})"


# ---------------------------------------------------------------- graph checks


@dataclass(frozen=True)
class _Finding:
    case_type: CaseType
    place: str
    message: str


def _merged(findings: list[_Finding]) -> list[Problem]:
    """One problem per place and message: an opening or tail stage is shared by every track."""
    tracks: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        tracks.setdefault((f.place, f.message), []).append(f.case_type.value)
    return [Problem(f"{'/'.join(types)}: {place}", msg) for (place, msg), types in tracks.items()]


# The values each fact can take in a case (workflows/rules.py and workflows/forum.py derive them
# the same way); the forum is the GWPP or the Minister in every track, as a KSDPK clause route is
# its own fact. Every Fact has a domain here (tests/test_pedoman_check.py checks it).
_YES_NO = frozenset({"yes", "no"})
FACT_VALUES: dict[Fact, frozenset[str]] = {
    Fact.CASE_TYPE: frozenset(t.value for t in CaseType),
    Fact.FORUM: frozenset({ForumKind.GWPP.value, ForumKind.MINISTER.value}),
    Fact.CLAUSE_ROUTE: frozenset(r.value for r in DisputeRoute),
    Fact.CLAUSE_ALLOWS_ARBITRATION: _YES_NO,
    Fact.MANDATORY_COOPERATION: _YES_NO,
    Fact.CLAUSE_IS_ADR: _YES_NO,
    # No body on a route the guideline's `takeover_by` does not name.
    Fact.TAKEOVER_BY: frozenset({ForumKind.GWPP.value, ForumKind.MINISTER.value, ""}),
    Fact.GWPP_DECISION_BINDING: _YES_NO,
}
# Facts the workflow records itself, which an action's `requires` may name beside the `records`
# of the guideline's own actions and timeouts (workflows/case_workflow.py, institutions.py,
# forum.py).
WORKFLOW_RECORDS = frozenset({"routing", "institution", "institution_reference", "monitored_by"})

# The field each timeout kind reads; any other of these fields would be silently ignored.
_TIMEOUT_FIELD = {
    TimeoutKind.GOTO: "to",
    TimeoutKind.CLOSE: "close",
    TimeoutKind.AS_ACTION: "action",
    TimeoutKind.OVERDUE: "repeat_every",
}


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(set(values)))


@dataclass(frozen=True)
class _Walk:
    """What following the graph from the entry stage finds."""

    reached: frozenset[str]
    closings: frozenset[ClosingState]
    without_outcome: tuple[Edge, ...]  # close_with_outcome edges reachable with no outcome set


class _TrackCheck:
    """The graph checks of one track: opening, the track's own stages, tail."""

    def __init__(self, guideline: Guideline, case_type: CaseType) -> None:
        self.guideline = guideline
        self.case_type = case_type
        self.stages = guideline.stages_for(case_type)
        self.edges = {name: stage_edges(stage, case_type) for name, stage in self.stages.items()}
        self.findings: list[_Finding] = []

    def _say(self, place: str, message: str) -> None:
        self.findings.append(_Finding(self.case_type, place, message))

    def run(self) -> list[_Finding]:
        self._check_names()
        for stage in self.stages.values():
            self._check_stage(stage)
        for action in self.guideline.common_actions:
            self._check_common_action(action)
        if self.guideline.entry_stage not in self.stages:
            self._say("entry_stage", f"no stage {self.guideline.entry_stage!r} in this track")
            return self.findings
        walk = self.walk()
        self._check_reach(walk)
        for edge in walk.without_outcome:
            self._say(
                f"stage {edge.stage}, action {edge.action}",
                "close_with_outcome is reachable on a path where no action set an outcome",
            )
        return self.findings

    def walk(self) -> _Walk:
        """Follow every edge from the entry stage, carrying the outcome set on the way."""
        if self.guideline.entry_stage not in self.stages:
            return _Walk(frozenset(), frozenset(), ())
        seen: set[tuple[str, ClosingState | None]] = {(self.guideline.entry_stage, None)}
        todo = list(seen)
        closings = {
            action.close
            for action in self.guideline.common_actions
            if action.close is not None and available(action, self.case_type)
        }
        without_outcome: dict[tuple[str, str | None], Edge] = {}
        while todo:
            name, outcome = todo.pop()
            for edge in self.edges[name]:
                carried = edge.outcome or outcome
                if edge.close is not None:
                    closings.add(edge.close)
                elif edge.with_outcome and carried is None:
                    without_outcome[(edge.stage, edge.action)] = edge
                elif edge.with_outcome and carried is not None:
                    closings.add(carried)
                elif edge.to in self.stages and (edge.to, carried) not in seen:
                    seen.add((edge.to, carried))
                    todo.append((edge.to, carried))
        reached = frozenset(name for name, _ in seen)
        return _Walk(reached, frozenset(closings), tuple(without_outcome.values()))

    # -------------------------------------------------------- names

    def _check_names(self) -> None:
        track = self.guideline.tracks[self.case_type]
        names = [s.name for s in (*self.guideline.opening, *track.stages, *self.guideline.tail)]
        for name in dict.fromkeys(n for n in names if names.count(n) > 1):
            self._say(f"stage {name}", "stage name used more than once in opening, track and tail")

    # -------------------------------------------------------- one stage

    def _check_stage(self, stage: Stage) -> None:
        where = f"stage {stage.name}"
        names = [a.name for a in stage.actions]
        for name in dict.fromkeys(n for n in names if names.count(n) > 1):
            self._say(f"{where}, action {name}", "action name used more than once in this stage")
        if stage.timeout is not None and stage.limit is None:
            self._say(f"{where}, timeout", "a timeout rule but no limit: it can never fire")
        if stage.limit is not None and stage.timeout is None:
            self._say(where, "a limit but no timeout rule: expiry must never do nothing")
        if stage.extension is not None and stage.limit is None:
            self._say(f"{where}, extension", "an extension but no limit to extend")
        if stage.limit is None and stage.monitor_every is None:
            # Without either, a case could sit here for years with nobody reminded.
            self._say(where, "no limit and no monitor_every: nothing would ever fire here")
        for action in stage.actions:
            self._check_action(stage, action)
        if stage.timeout is not None:
            self._check_timeout(stage, stage.timeout)
        edges = self.edges[stage.name]
        if not any(e.to not in (None, stage.name) or e.close or e.with_outcome for e in edges):
            self._say(where, "no way out: no action or timeout of its own moves or closes the case")

    def _check_action(self, stage: Stage, action: Action) -> None:
        where = f"stage {stage.name}, action {action.name}"
        ends = [k for k in ("to", "close", "close_with_outcome") if getattr(action, k)]
        if len(ends) > 1:
            self._say(where, f"more than one of {', '.join(ends)}: an action ends in one place")
        if ends and action.effect not in MOVING_EFFECTS:
            self._say(where, f"effect {action.effect.value} cannot move or close the case")
        if action.effect is Effect.PROPOSE and action.to is None:
            self._say(
                where, "a proposal (effect=propose) needs `to`: where it leads once confirmed"
            )
        if action.effect is Effect.CONFIRM and action.confirms is None:
            self._say(where, "a confirmation (effect=confirm) needs `confirms`")
        if action.confirms is not None:
            proposals = [a.name for a in stage.actions if a.effect is Effect.PROPOSE]
            if action.confirms not in proposals:
                self._say(
                    where,
                    f"confirms unknown proposal {action.confirms!r} "
                    f"(proposals in this stage: {_listed(proposals) or 'none'})",
                )
        self._check_conditions(where, action)
        if action.to is not None and available(action, self.case_type):
            self._check_target(where, action.to)

    def _check_common_action(self, action: Action) -> None:
        where = f"common action {action.name}"
        if action.to is not None:
            self._say(where, "`to` in an action of every open stage: it would leave any stage")
        if action.close is not None and action.effect not in MOVING_EFFECTS:
            self._say(where, f"effect {action.effect.value} cannot move or close the case")
        if action.effect in (Effect.PROPOSE, Effect.CONFIRM):
            self._say(where, f"effect {action.effect.value} belongs to a stage's own actions")
        self._check_conditions(where, action)

    def _check_conditions(self, where: str, action: Action) -> None:
        """What must hold before the action: its facts' values, and the facts it requires."""
        for fact, values in action.when.items():
            unknown = set(values) - FACT_VALUES[fact]
            if unknown:
                self._say(where, f"when {fact.value} has unknown value(s): {_listed(unknown)}")
        if not available(action, self.case_type):
            return
        never = [fact for fact in action.requires if fact not in self._recorded()]
        if never:
            self._say(
                where,
                f"requires {_listed(never)}, which no action or timeout of this track records",
            )

    def _recorded(self) -> frozenset[str]:
        """Every fact an action or a timeout of this track (or the workflow itself) records."""
        actions = [a for stage in self.stages.values() for a in stage.actions]
        actions += self.guideline.common_actions
        found = {a.records for a in actions if a.records and available(a, self.case_type)}
        found |= {
            s.timeout.records for s in self.stages.values() if s.timeout and s.timeout.records
        }
        return WORKFLOW_RECORDS | found

    def _check_timeout(self, stage: Stage, rule: TimeoutRule) -> None:
        where = f"stage {stage.name}, timeout"
        field = _TIMEOUT_FIELD[rule.kind]
        # An overdue rule's reminder is optional; the other kinds cannot act without their field.
        if rule.kind is not TimeoutKind.OVERDUE and getattr(rule, field) is None:
            self._say(where, f"kind {rule.kind.value} needs `{field}`")
        for other in sorted(set(_TIMEOUT_FIELD.values()) - {field}):
            if getattr(rule, other) is not None:
                self._say(where, f"kind {rule.kind.value} does not take `{other}`")
        if rule.kind is TimeoutKind.OVERDUE:
            # The stage stays where it is: a fact or an outcome would never be recorded.
            for ignored in ("records", "outcome", "missing_of"):
                if getattr(rule, ignored) is not None:
                    self._say(where, f"kind overdue does not take `{ignored}`")
        if rule.to is not None:
            self._check_target(where, rule.to)
        own = [a.name for a in stage.actions]
        if rule.missing_of is not None:
            per_party = [a.name for a in stage.actions if a.every_party or a.every_party_of]
            if rule.missing_of not in per_party:
                self._say(
                    where,
                    f"missing_of names {rule.missing_of!r}, not a per-party action of this stage "
                    f"(per-party actions here: {_listed(per_party) or 'none'})",
                )
        if rule.kind is TimeoutKind.AS_ACTION and rule.action and rule.action not in own:
            self._say(
                where,
                f"as_action names unknown action {rule.action!r} "
                f"(actions of this stage: {_listed(own) or 'none'})",
            )

    def _check_target(self, where: str, target: Target) -> None:
        if isinstance(target, Switch):
            self._check_switch(where, target)
        stages = [target] if isinstance(target, str) else self._switch_stages(target)
        for name in stages:
            if name not in self.stages:
                self._say(where, f"transition to nowhere: no stage {name!r} in this track")

    def _switch_stages(self, switch: Switch) -> list[str]:
        if switch.on is Fact.CASE_TYPE:
            # Other tracks' branches are never taken here, and their stages live elsewhere.
            chosen = switch.cases.get(self.case_type.value)
            return [] if chosen is None else [chosen]
        return list(switch.cases.values())

    def _check_switch(self, where: str, switch: Switch) -> None:
        known = FACT_VALUES[switch.on]
        needed = {self.case_type.value} if switch.on is Fact.CASE_TYPE else known
        missing = needed - set(switch.cases)
        unknown = set(switch.cases) - known
        if missing:
            self._say(where, f"switch on {switch.on.value} does not cover: {_listed(missing)}")
        if unknown:
            self._say(
                where,
                f"switch on {switch.on.value} has unknown value(s): {_listed(unknown)} "
                f"(known: {_listed(known)})",
            )

    # -------------------------------------------------------- the whole track

    def _check_reach(self, walk: _Walk) -> None:
        entry = self.guideline.entry_stage
        for name in self.stages:
            if name not in walk.reached:
                self._say(f"stage {name}", f"unreachable from {entry}: nothing leads here")
        # A stage whose ways out only loop back can never close, even if each stage has edges.
        edges = [e for out in self.edges.values() for e in out]
        closing = {e.stage for e in edges if e.close or e.with_outcome}
        grew = True
        while grew:
            before = len(closing)
            closing |= {e.stage for e in edges if e.to in closing}
            grew = len(closing) > before
        for name in sorted(walk.reached - closing):
            if any(e.to not in (None, name) for e in self.edges[name]):
                self._say(f"stage {name}", "the case can never close from here: every path loops")

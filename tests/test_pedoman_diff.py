"""`diff_guidelines`: what changed between two guidelines, on small guidelines built here."""

from __future__ import annotations

import copy
from typing import Any

from models.guidelines import shipped_guideline
from models.pedoman import Guideline
from models.pedoman_diff import Change, diff_guidelines, diff_text

Raw = dict[str, Any]

SMALL: Raw = {
    "version": "2030.1",
    "title": "Pedoman uji",
    "legal_opinion": {"limit": "14HK", "legal_basis": "UU 16/2004"},
    "open_questions": {},
    "opening": [
        {
            "name": "intake",
            "title": "Registrasi",
            "actors": ["operator"],
            "limit": "5HK",
            "timeout": {"kind": "overdue"},
            "legal_basis": "usulan",
            "proposed_default": True,
            "actions": [{"name": "accept_filing", "actors": ["operator"], "to": "musyawarah"}],
        }
    ],
    "tracks": {
        "KSDD": {
            "title": "Antar-daerah",
            "legal_basis": "UU 23/2014 Pasal 370",
            "stages": [
                {
                    "name": "musyawarah",
                    "title": "Musyawarah",
                    "actors": ["party"],
                    "limit": "30HKal",
                    "extension": {"limit": "30HKal", "max_count": 1},
                    "timeout": {"kind": "goto", "to": "implementation"},
                    "legal_basis": "UU 23/2014 Pasal 370(1)",
                    "proposed_default": False,
                    "actions": [
                        {
                            "name": "declare_deadlock",
                            "actors": ["party"],
                            "payload": "reason",
                            "to": "implementation",
                        }
                    ],
                }
            ],
        }
    },
    "tail": [
        {
            "name": "implementation",
            "title": "Pelaksanaan",
            "actors": ["party"],
            "legal_basis": "usulan",
            "proposed_default": True,
            "actions": [{"name": "confirm_implemented", "actors": ["forum"], "close": "agreement"}],
        }
    ],
    "common_actions": [
        {"name": "add_note", "actors": ["operator"], "payload": "note", "effect": "add_note"}
    ],
}


def small() -> Raw:
    return copy.deepcopy(SMALL)


def guideline(raw: Raw, version: str = "2030.2") -> Guideline:
    return Guideline.model_validate({**raw, "version": version})


def changes(after: Raw) -> list[Change]:
    return list(diff_guidelines(guideline(SMALL, "2030.1"), guideline(after)).changes)


def musyawarah(raw: Raw) -> Raw:
    found: Raw = raw["tracks"]["KSDD"]["stages"][0]
    return found


def test_the_same_guideline_under_another_version_has_no_changes() -> None:
    diff = diff_guidelines(guideline(SMALL, "2030.1"), guideline(SMALL))
    assert diff.changes == ()
    assert diff_text(diff) == "2030.1 → 2030.2\nno changes\n"


def test_a_stage_field_change_names_track_stage_and_field() -> None:
    after = small()
    musyawarah(after)["limit"] = "30HK"
    musyawarah(after)["proposed_default"] = True
    assert changes(after) == [
        Change("KSDD", "musyawarah", None, "limit", "30HKal", "30HK"),
        Change("KSDD", "musyawarah", None, "proposed_default", False, True),
    ]


def test_nested_fields_are_dotted_and_a_switch_target_is_shown_whole() -> None:
    after = small()
    musyawarah(after)["extension"]["requires_all_parties"] = True
    musyawarah(after)["timeout"]["to"] = {"on": "forum", "cases": {"gwpp": "implementation"}}
    assert changes(after) == [
        Change("KSDD", "musyawarah", None, "extension.requires_all_parties", False, True),
        Change(
            "KSDD",
            "musyawarah",
            None,
            "timeout.to",
            "implementation",
            {"on": "forum", "cases": {"gwpp": "implementation"}},
        ),
    ]


def test_stages_and_actions_added_and_removed() -> None:
    after = small()
    stage = musyawarah(after)
    stage["actions"][0]["payload"] = "record"
    stage["actions"].append(
        {"name": "schedule_meeting", "actors": ["forum", "operator"], "effect": "add_note"}
    )
    after["tail"].append({**copy.deepcopy(after["tail"][0]), "name": "enforcement"})
    del after["opening"][0]["actions"][0]
    found = changes(after)
    assert [(c.kind, c.part, c.stage, c.action, c.field) for c in found] == [
        ("removed", "opening", "intake", "accept_filing", None),
        ("changed", "KSDD", "musyawarah", "declare_deadlock", "payload"),
        ("added", "KSDD", "musyawarah", "schedule_meeting", None),
        ("added", "tail", "enforcement", None, None),
    ]
    assert found[0].before["to"] == "musyawarah"
    assert found[2].after["actors"] == ["forum", "operator"]


def test_a_removed_stage_keeps_its_place_after_the_stage_it_followed() -> None:
    def named(*names: str) -> Raw:
        raw = small()
        stages = raw["tracks"]["KSDD"]["stages"]
        stages[:] = [{**copy.deepcopy(stages[0]), "name": name} for name in names]
        return raw

    before = guideline(named("musyawarah", "gwpp_facilitation", "minister_decision"), "2030.1")
    after = guideline(named("musyawarah", "tribunal_formation", "minister_decision"))
    assert [(c.kind, c.stage) for c in diff_guidelines(before, after).changes] == [
        ("removed", "gwpp_facilitation"),
        ("added", "tribunal_formation"),
    ]


def test_global_parts_come_after_the_stages() -> None:
    after = small()
    after["open_questions"]["gwpp_decision_binding"] = True
    after["legal_opinion"]["limit"] = "10HK"
    after["common_actions"].append(
        {"name": "withdraw", "actors": ["requesting_party"], "close": "withdrawn"}
    )
    after["reminder_percents"] = [50, 80, 90]
    after["tail"][0]["title"] = "Pelaksanaan dan pemantauan"
    assert [(c.part, c.action, c.field) for c in changes(after)] == [
        ("tail", None, "title"),
        ("open_questions", None, "gwpp_decision_binding"),
        ("legal_opinion", None, "limit"),
        ("common_actions", "withdraw", None),
        ("guideline", None, "reminder_percents"),
    ]


def test_a_track_added_or_removed_is_one_change() -> None:
    after = small()
    after["tracks"]["SINERGI"] = copy.deepcopy(after["tracks"]["KSDD"])
    after["tracks"]["KSDD"]["title"] = "Antar-daerah (KSDD)"
    found = changes(after)
    assert [(c.kind, c.part, c.field) for c in found] == [
        ("changed", "KSDD", "title"),
        ("added", "SINERGI", None),
    ]
    back = diff_guidelines(guideline(after), guideline(SMALL, "2030.3")).changes
    assert [(c.kind, c.part, c.field) for c in back] == [
        ("changed", "KSDD", "title"),
        ("removed", "SINERGI", None),
    ]


def test_the_text_form_groups_by_part_stage_and_action() -> None:
    after = small()
    musyawarah(after)["limit"] = "30HK"
    musyawarah(after)["actions"][0]["payload"] = "record"
    musyawarah(after)["actions"][0]["description"] = "Buntu"
    musyawarah(after)["actions"].append(
        {"name": "schedule_meeting", "actors": ["forum"], "effect": "add_note"}
    )
    after["tail"].append({**copy.deepcopy(after["tail"][0]), "name": "enforcement"})
    after["open_questions"]["non_attendance_is_consent"] = True
    text = diff_text(diff_guidelines(guideline(SMALL, "2030.1"), guideline(after)))
    assert text.splitlines() == [
        "2030.1 → 2030.2",
        "track KSDD",
        "  stage musyawarah",
        "    limit: 30HKal → 30HK",
        "    action declare_deadlock",
        '      description: "" → Buntu',
        "      payload: reason → record",
        "    + action schedule_meeting: actors [forum]; payload none; effect add_note",
        "tail (every track)",
        "  + stage enforcement: actors [party]; limit -; timeout -; actions [confirm_implemented]",
        "open questions",
        "  non_attendance_is_consent: false → true",
    ]


def test_the_json_form_names_both_versions_and_their_hashes() -> None:
    after = small()
    musyawarah(after)["limit"] = "30HK"
    old, new = guideline(SMALL, "2030.1"), guideline(after)
    body = diff_guidelines(old, new).as_json()
    assert body["before"] == {"version": "2030.1", "content_hash": old.content_hash()}
    assert body["after"] == {"version": "2030.2", "content_hash": new.content_hash()}
    assert body["changes"] == [
        {
            "kind": "changed",
            "part": "KSDD",
            "stage": "musyawarah",
            "action": None,
            "field": "limit",
            "before": "30HKal",
            "after": "30HK",
        }
    ]


def test_the_shipped_revision_differs_from_2026_1_and_not_from_itself() -> None:
    # Other parts of 2026.2 are still being written: only facts that cannot change are checked.
    first, second = shipped_guideline("2026.1"), shipped_guideline("2026.2")
    diff = diff_guidelines(first, second)
    assert (diff.before, diff.after) == ("2026.1", "2026.2")
    assert (diff.before_hash, diff.after_hash) == (first.content_hash(), second.content_hash())
    assert diff_guidelines(second, second).changes == ()
    assert diff_guidelines(first, first).changes == ()

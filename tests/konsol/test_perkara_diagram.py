"""The stage diagram without a browser: each case's own graph, its path taken, its layout."""

from __future__ import annotations

import itertools

from api.konsol.case_graph import case_facts, path_taken
from api.konsol.diagram import Diagram, stage_diagram
from api.konsol.diagram_layout import NODE_HEIGHT, NODE_WIDTH
from models.guidelines import default_guideline

GWPP_PATH = ["intake", "notice", "musyawarah", "gwpp_facilitation"]


def _diagram(forum: str, path: list[str], current: str | None, closing: str | None) -> Diagram:
    facts = case_facts("KSDD", forum, None, False, False)
    return stage_diagram(
        default_guideline(), facts, path=path, current=current, closing_state=closing
    )


def _titles(diagram: Diagram, mark: str) -> list[str]:
    return [node.title for node in diagram.nodes if node.mark == mark]


def test_a_gwpp_case_shows_its_own_stages_and_where_it_is() -> None:
    diagram = _diagram("gwpp", GWPP_PATH, "gwpp_facilitation", None)
    keys = {node.key for node in diagram.nodes}
    assert {"gwpp_facilitation", "gwpp_decision", "minister_facilitation"} <= keys
    # Not this track's, nor this case's: no mediation, no takeover of a voluntary cooperation.
    assert not keys & {"adr_mediation", "arbitration", "consultation", "selesai:takeover"}
    assert _titles(diagram, "current") == ["Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat"]
    assert _titles(diagram, "visited") == [
        "Registrasi permohonan",
        "Pemberitahuan dan tanggapan",
        "Musyawarah untuk mufakat",
    ]
    assert [link.taken for link in diagram.links].count(True) == 3
    assert diagram.summary == (
        "Jalur yang ditempuh: Registrasi permohonan → Pemberitahuan dan tanggapan → "
        "Musyawarah untuk mufakat → Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat. "
        "Tahap sekarang: Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat."
    )


def test_a_ministers_case_never_passes_the_gwpp() -> None:
    diagram = _diagram("minister", ["intake"], "intake", None)
    keys = {node.key for node in diagram.nodes}
    assert "minister_facilitation" in keys
    assert not keys & {"gwpp_facilitation", "gwpp_decision", "selesai:gwpp_decision"}


def test_a_closed_case_marks_its_closing_state_and_no_current_stage() -> None:
    path = [*GWPP_PATH, "gwpp_decision", "implementation"]
    diagram = _diagram("gwpp", path, None, "gwpp_decision")
    assert _titles(diagram, "current") == []
    assert _titles(diagram, "reached") == ["Selesai: Keputusan GWPP"]
    assert diagram.path[-1] == "Selesai: Keputusan GWPP"


def test_no_two_boxes_overlap() -> None:
    diagram = _diagram("gwpp", GWPP_PATH, "gwpp_facilitation", None)
    for one, other in itertools.combinations(diagram.nodes, 2):
        apart = (
            one.x + NODE_WIDTH <= other.x
            or other.x + NODE_WIDTH <= one.x
            or one.y + NODE_HEIGHT <= other.y
            or other.y + NODE_HEIGHT <= one.y
        )
        assert apart, (one.key, other.key)
    assert all(n.x >= 0 and n.x + NODE_WIDTH <= diagram.width for n in diagram.nodes)


def test_the_path_follows_each_change_of_stage() -> None:
    moves = [
        ("intake", "intake"),  # filed
        ("intake", "notice"),  # accepted
        ("intake", "notice"),  # its transition entry
        ("notice", "notice"),  # a note
        ("notice", "musyawarah"),
    ]
    assert path_taken("intake", moves) == ["intake", "notice", "musyawarah"]

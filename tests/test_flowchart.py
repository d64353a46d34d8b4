"""The SOP AP flowchart read back from its SVG: symbols in lanes, arrows, returns, pages."""
import dataclasses
import xml.etree.ElementTree as ET

import pytest

from portal import create_app
from portal.flowchart import flowchart_pages, layout

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def definitions(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fc")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_DIR": str(tmp / "u"),
                      "PORTAL_PLUGINS_DIR": str(tmp / "p")})
    with app.app_context():
        defs = app.extensions["portal_plugins"].sorted_definitions()
        assert defs
        yield defs


def parse(svg):
    return ET.fromstring(svg)


def groups(root, cls):
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == cls]


def points(group):
    line = group.find("s:polyline", NS)
    return [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_every_loaded_sop_draws_one_symbol_per_step_in_its_lane(definitions):
    for definition in definitions:
        lay = layout(definition, 1100.0)
        root = parse(flowchart_pages(definition, width=1100.0)[0])
        symbols = {int(g.get("data-step")): g for g in groups(root, "symbol")}
        assert sorted(symbols) == sorted(s.no for s in definition.steps)
        for step in definition.steps:
            g = symbols[step.no]
            assert g.get("data-lane") == step.actor
            lane = lay.lanes[step.actor]
            shape = g.find("s:polygon", NS) if g.get("data-shape") == "decision" else g.findall("s:rect", NS)[-1]
            if shape.tag.endswith("rect"):
                cx = float(shape.get("x")) + float(shape.get("width")) / 2
            else:
                xs = [float(p.split(",")[0]) for p in shape.get("points").split()]
                cx = (min(xs) + max(xs)) / 2
            assert lane.x < cx < lane.x + lane.width, f"step {step.no} outside lane {step.actor}"
            expected = "decision" if step.decision else (
                "terminator" if step.no in (definition.steps[0].no, definition.steps[-1].no) else "process")
            assert g.get("data-shape") == expected
        for step in definition.steps:  # other lanes touched are marked
            marked = {g.get("data-lane") for g in groups(root, "touch") if g.get("data-step") == str(step.no)}
            assert marked == set(step.pelaksana[1:]) - {step.actor}


def test_arrows_end_at_existing_steps_and_returns_point_up_to_the_named_step(definitions):
    for definition in definitions:
        root = parse(flowchart_pages(definition, width=1100.0)[0])
        numbers = [s.no for s in definition.steps]
        arrows = groups(root, "arrow")
        for g in arrows:
            assert int(g.get("data-to")) in numbers and int(g.get("data-from")) in numbers
            assert g.find("s:polygon", NS) is not None  # arrowhead drawn, not a marker
        nexts = {(int(g.get("data-from")), int(g.get("data-to"))) for g in arrows if g.get("data-kind") == "next"}
        assert nexts == set(zip(numbers, numbers[1:]))
        returns = [g for g in arrows if g.get("data-kind") == "return"]
        assert {(int(g.get("data-from")), int(g.get("data-to"))) for g in returns} == \
            {(s.no, s.decision) for s in definition.steps if s.decision}
        for g in returns:
            pts = points(g)
            assert pts[-1][1] < pts[0][1], "a return goes back up"
            step = definition.step(int(g.get("data-from")))
            label = "Tolak" if step.reject_label == "Tolak" else "Tidak"
            assert label in "".join(t.text or "" for t in g.iter("{http://www.w3.org/2000/svg}text"))
        assert "marker-end" not in ET.tostring(root, encoding="unicode")


def test_tolak_optional_and_fan_out_are_marked(definitions):
    base = definitions[0]
    decision = next(s for s in base.steps if s.decision)
    steps = tuple(dataclasses.replace(s, reject_label="Tolak") if s.no == decision.no else
                  dataclasses.replace(s, optional=True) if s.no == base.steps[1].no else s for s in base.steps)
    variant = dataclasses.replace(base, steps=steps)
    root = parse(flowchart_pages(variant)[0])
    ret = next(g for g in groups(root, "arrow") if g.get("data-kind") == "return"
               and g.get("data-from") == str(decision.no))
    assert "Tolak" in "".join(t.text or "" for t in ret.iter("{http://www.w3.org/2000/svg}text"))
    optional = next(g for g in groups(root, "symbol") if g.get("data-step") == str(base.steps[1].no))
    assert optional.get("data-optional") == "1" and "stroke-dasharray" in ET.tostring(optional, encoding="unicode")
    fan = [g for g in groups(root, "symbol") if g.get("data-fan-out") == "1"]
    assert [int(g.get("data-step")) for g in fan] == [s.no for s in base.steps if s.fan_out]


def test_pages_continue_through_off_page_connectors(definitions):
    definition = definitions[0]
    pages = flowchart_pages(definition, page_height=260.0)
    assert len(pages) > 1
    seen = []
    for index, svg in enumerate(pages):
        root = parse(svg)
        steps = [int(g.get("data-step")) for g in groups(root, "symbol")]
        seen += steps
        connectors = {(g.get("data-role"), int(g.get("data-step"))) for g in groups(root, "connector")}
        if index < len(pages) - 1:
            assert ("out", definition.next_step(steps[-1]).no) in connectors
        if index > 0:
            assert ("in", steps[0]) in connectors
            for polygon in (g.find("s:polygon", NS) for g in groups(root, "connector")):
                assert len(polygon.get("points").split()) == 5  # a pentagon
    assert seen == [s.no for s in definition.steps]
    # a return to a step on an earlier page ends at a connector naming that step
    for svg in pages:
        root = parse(svg)
        on_page = {int(g.get("data-step")) for g in groups(root, "symbol")}
        for g in groups(root, "arrow"):
            if g.get("data-kind") == "return" and int(g.get("data-to")) not in on_page:
                assert ("return", int(g.get("data-to"))) in {
                    (c.get("data-role"), int(c.get("data-step"))) for c in groups(root, "connector")}

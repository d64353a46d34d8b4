"""A tree form drawn as a diagram (server-side SVG): one row of boxes per level, each
parent centred over its children, elbow connectors between them. Each box holds the
level and outline number, the node's name, and its indikator, target/satuan and unit
when the level has them. The same SVG is shown on the run page and embedded in PDFs
(as a data: URI image, the only way xhtml2pdf draws SVG).
"""
from __future__ import annotations

from portal.forms.fields import number_text
from portal.forms.spec import FormSpec
from portal.forms.tree import NODES, rows
from portal.svg_draw import LINE, SvgCanvas, svg_data_uri, wrap

BOX_W = 118.0
GAP_X = 10.0
GAP_Y = 22.0
PAD = 4.0
MARGIN = 10.0
FILLS = ("#e8eef7", "#eef6ec", "#fdf3e1", "#f3ecf8", "#f4f4f4")


def _box_lines(spec: FormSpec, row: dict, unit_name) -> list[tuple[str, bool]]:
    """(text, bold) lines of one node's box."""
    node, level = row["node"], row["level"]
    keys = {f.key for f in level.fields}
    lines = [(f"{level.title} {row['number']}", True)]
    lines += [(text, False) for text in wrap(str(node.get(level.fields[0].key) or "-"), BOX_W - 2 * PAD)[:5]]
    if "indikator" in keys and node.get("indikator"):
        lines += [(text, False) for text in wrap("Indikator: " + str(node["indikator"]), BOX_W - 2 * PAD)[:4]]
    if "target" in keys and node.get("target") not in (None, ""):
        target = node["target"]
        number = number_text(target) if isinstance(target, (int, float)) else str(target)
        lines.append((f"Target: {number} {node.get('satuan') or ''}".strip(), False))
    owner = unit_name(node.get("unit_pj")) if "unit_pj" in keys else None
    jabatan = node.get("jabatan_pj") if "jabatan_pj" in keys else None
    for text in (owner, jabatan):
        if text:
            lines += [(t, False) for t in wrap("PJ: " + str(text), BOX_W - 2 * PAD)[:2]]
    return lines


def _layout(spec: FormSpec, data: dict, unit_name):
    """Boxes with positions: list of dicts (x, y, h, lines, depth, parent index)."""
    flat = rows(spec, data)
    boxes: list[dict] = []
    stack: list[int] = []
    for row in flat:
        del stack[row["depth"]:]
        boxes.append({"row": row, "depth": row["depth"], "parent": stack[-1] if stack else None, "children": [],
                      "lines": _box_lines(spec, row, unit_name)})
        if stack:
            boxes[stack[-1]]["children"].append(len(boxes) - 1)
        stack.append(len(boxes) - 1)
    heights = {}
    for box in boxes:
        box["h"] = len(box["lines"]) * LINE + 2 * PAD
        heights[box["depth"]] = max(heights.get(box["depth"], 0), box["h"])
    tops, y = {}, MARGIN
    for depth in sorted(heights):
        tops[depth] = y
        y += heights[depth] + GAP_Y
    cursor = [MARGIN]

    def place(index: int) -> None:
        box = boxes[index]
        for child in box["children"]:
            place(child)
        if box["children"]:
            first, last = boxes[box["children"][0]], boxes[box["children"][-1]]
            box["x"] = (first["x"] + last["x"]) / 2
        else:
            box["x"] = cursor[0]
            cursor[0] += BOX_W + GAP_X
        box["y"] = tops[box["depth"]]

    for index, box in enumerate(boxes):
        if box["parent"] is None:
            place(index)
    width = max(cursor[0] - GAP_X + MARGIN, BOX_W + 2 * MARGIN)
    height = (y - GAP_Y + MARGIN) if boxes else 2 * MARGIN + 20
    return boxes, width, height


def tree_svg(spec: FormSpec, data: dict | None, unit_name=lambda unit_id: None, title: str = "",
             scale: float = 1.0) -> str:
    """The SVG document of the tree in ``data`` (stored nested shape); ``scale`` enlarges
    its width and height (a page shows it larger than the PDF's points)."""
    boxes, width, height = _layout(spec, data or {NODES: []}, unit_name)
    canvas = SvgCanvas()
    for box in boxes:
        if box["parent"] is not None:
            parent = boxes[box["parent"]]
            x1, y1 = parent["x"] + BOX_W / 2, parent["y"] + parent["h"]
            x2, y2 = box["x"] + BOX_W / 2, box["y"]
            middle = y1 + (y2 - y1) / 2
            canvas.add(f'<polyline points="{x1:.1f},{y1:.1f} {x1:.1f},{middle:.1f} {x2:.1f},{middle:.1f} {x2:.1f},{y2:.1f}" '
                       'fill="none" stroke="#1f2933" stroke-width="0.7"/>')
    for box in boxes:
        fill = FILLS[min(box["depth"], len(FILLS) - 1)]
        canvas.rect(box["x"], box["y"], BOX_W, box["h"], fill=fill, rx=3.0,
                    attrs=f' class="tree-box" data-level="{box["row"]["level"].key}" data-number="{box["row"]["number"]}"')
        for i, (text, bold) in enumerate(box["lines"]):
            canvas.text(box["x"] + PAD, box["y"] + PAD + (i + 1) * LINE - 1.8, text, bold=bold)
    if not boxes:
        canvas.text(MARGIN, MARGIN + 12, "Pohon masih kosong.")
    svg = canvas.render(width, height, title or spec.title).replace('class="sop-flowchart"', 'class="tree-diagram"')
    if scale != 1.0:
        svg = svg.replace(f'width="{width:.0f}" height="{height:.0f}"', f'width="{width * scale:.0f}" height="{height * scale:.0f}"', 1)
    return svg


def tree_svg_data_uri(spec: FormSpec, data: dict | None, unit_name=lambda unit_id: None, title: str = "") -> str:
    """The diagram as a ``data:image/svg+xml`` URI, for ``<img>`` in a PDF."""
    return svg_data_uri(tree_svg(spec, data, unit_name, title))


__all__ = ["tree_svg", "tree_svg_data_uri"]

"""The SOP AP flowchart (Permenpan RB 35/2012) drawn from a definition as SVG.

Columns: No | Kegiatan | one lane per pelaksana | Kelengkapan | Waktu | Output |
Keterangan. Each step has one symbol in the lane of its acting pelaksana (terminator
capsule for the first and last step, process rectangle, decision diamond); the other
lanes it touches carry a dashed mark. Arrows run from each step to the next (elbowed
when the lane changes), decision branches are labelled "Ya" and "Tidak"/"Tolak" with
the return arrow going back up to the step the definition names, and an off-page
connector (pentagon with the step number) stands where the chart continues on another
page. Arrowheads are polygons (svglib, used by xhtml2pdf, ignores ``marker-end``).

Every symbol and arrow carries ``data-*`` attributes (step, lane, from, to, kind) so
tests and tools can read the drawing back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.sop import SopDefinition, Step
from portal.svg_draw import FONT_SIZE, LINE, SvgCanvas, pentagon, svg_data_uri, svg_size, wrap

__all__ = ["Layout", "layout", "flowchart_pages", "flowchart_svg", "svg_data_uri", "svg_size"]

PAD = 3.0
HEAD_H = 44.0  # two header rows
CONNECTOR_H = 26.0  # strip for off-page connectors at the top/bottom of a page
SYMBOL_H = 18.0
DIAMOND_H = 26.0
FILL = "#e8f0fb"


@dataclass
class Column:
    """One column of the sheet: its key, header, x and width."""

    key: str
    title: str
    x: float
    width: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass
class Row:
    """One step's row: its y, height and the wrapped text of each text column."""

    step: Step
    y: float = 0.0
    height: float = 0.0
    cells: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mid(self) -> float:
        return self.y + self.height / 2


@dataclass
class Layout:
    """Column geometry and row heights of one definition's chart (before paging)."""

    definition: SopDefinition
    width: float
    columns: list[Column]
    lanes: dict[str, Column]
    rows: list[Row]

    def lane_of(self, step: Step) -> Column:
        return self.lanes.get(step.actor) or next(iter(self.lanes.values()))


TEXT_COLUMNS = (("no", "No"), ("kegiatan", "Kegiatan"))
MUTU_COLUMNS = (("kelengkapan", "Kelengkapan"), ("waktu", "Waktu"), ("output", "Output"))
WEIGHTS = {"no": 0.035, "kegiatan": 0.25, "kelengkapan": 0.17, "waktu": 0.07, "output": 0.17, "keterangan": 0.13}


def _keterangan(step: Step) -> str:
    notes = [step.keterangan] if step.keterangan else []
    if step.optional:
        notes.append("Apabila diperlukan.")
    if step.fan_out:
        notes.append("Dikerjakan setiap unit.")
    if step.handover:
        notes.append("Serah terima dengan tanda terima.")
    return " ".join(notes)


def layout(definition: SopDefinition, width: float = 774.0) -> Layout:
    """Measure the sheet of ``definition`` for a page ``width`` points wide."""
    lane_count = max(len(definition.pelaksana), 1)
    lane_w = max(44.0, min(72.0, width * 0.4 / lane_count))
    rest = width - lane_w * lane_count
    total = sum(WEIGHTS.values())
    columns: list[Column] = []
    x = 0.0

    def add(key: str, title: str, w: float) -> Column:
        nonlocal x
        col = Column(key, title, x, w)
        columns.append(col)
        x += w
        return col

    for key, title in TEXT_COLUMNS:
        add(key, title, rest * WEIGHTS[key] / total)
    lanes = {key: add(f"lane:{key}", label, lane_w) for key, label in definition.pelaksana}
    for key, title in MUTU_COLUMNS:
        add(key, title, rest * WEIGHTS[key] / total)
    add("keterangan", "Keterangan", rest * WEIGHTS["keterangan"] / total)
    rows = []
    for step in definition.steps:
        texts = {"no": str(step.no), "kegiatan": step.kegiatan, "kelengkapan": step.kelengkapan,
                 "waktu": step.waktu.text, "output": step.output, "keterangan": _keterangan(step)}
        row = Row(step=step)
        for col in columns:
            if col.key in texts:
                row.cells[col.key] = wrap(texts[col.key], col.width - 2 * PAD)
        lines = max(len(v) for v in row.cells.values())
        row.height = max(lines * LINE + 2 * PAD, DIAMOND_H + 14 if step.decision else SYMBOL_H + 14)
        rows.append(row)
    return Layout(definition=definition, width=width, columns=columns, lanes=lanes, rows=rows)


def paginate(lay: Layout, page_height: float | None) -> list[list[Row]]:
    """Split rows into pages no taller than ``page_height`` (None: one page)."""
    if page_height is None:
        return [lay.rows]
    room = page_height - HEAD_H - 2 * CONNECTOR_H
    pages: list[list[Row]] = [[]]
    used = 0.0
    for row in lay.rows:
        if pages[-1] and used + row.height > room:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += row.height
    return pages


@dataclass
class _Symbol:
    step: Step
    x: float
    y: float
    w: float
    h: float
    shape: str

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2

    def side(self, direction: int) -> float:
        """x of the left (-1) or right (+1) edge."""
        return self.x + direction * self.w / 2


def _shape(definition: SopDefinition, step: Step) -> str:
    if step.decision:
        return "decision"
    if step.no in (definition.steps[0].no, definition.steps[-1].no):
        return "terminator"
    return "process"


def _draw_header(svg: SvgCanvas, lay: Layout, top: float) -> None:
    lane_cols = list(lay.lanes.values())
    mutu = [c for c in lay.columns if c.key in dict(MUTU_COLUMNS)]
    half = HEAD_H / 2
    svg.rect(0, top, lay.width, HEAD_H, fill="#eef2f7", width=0.6)
    for col in lay.columns:
        grouped = col in lane_cols or col in mutu
        y0 = top + half if grouped else top
        svg.line(col.x, top if not grouped or col in (lane_cols[:1] + mutu[:1]) else y0, col.x, top + HEAD_H)
        lines = wrap(col.title, col.width - 2 * PAD, 5.6 if col in lane_cols else FONT_SIZE)[:3]
        height = HEAD_H - (half if grouped else 0)
        svg.lines(col.center, y0 + (height - len(lines) * LINE) / 2, lines, anchor="middle", bold=True,
                  size=5.6 if col in lane_cols else FONT_SIZE)
    for group, title in ((lane_cols, "Pelaksana"), (mutu, "Mutu Baku")):
        if group:
            x0, x1 = group[0].x, group[-1].x + group[-1].width
            svg.line(x0, top + half, x1, top + half)
            svg.text((x0 + x1) / 2, top + half / 2 + 2.5, title, anchor="middle", bold=True)


def _draw_connector(svg: SvgCanvas, cx: float, y: float, label: int, *, role: str, pointing: str = "down") -> None:
    pts, ty = pentagon(cx, y, pointing=pointing)
    svg.add(f'<g class="connector" data-step="{label}" data-role="{role}">')
    svg.polygon(pts, fill="#ffffff")
    svg.text(cx, ty, str(label), size=5.5, anchor="middle", bold=True)
    svg.add("</g>")


def _draw_symbol(svg: SvgCanvas, sym: _Symbol, lane_key: str) -> None:
    step = sym.step
    dash = "2,1.5" if step.optional else None
    attrs = (f'<g class="symbol" data-step="{step.no}" data-lane="{lane_key}" data-shape="{sym.shape}"'
             f' data-optional="{int(step.optional)}" data-fan-out="{int(step.fan_out)}">')
    svg.add(attrs)
    if step.fan_out:  # a stack: the step runs once per unit
        svg.rect(sym.x - sym.w / 2 + 2.5, sym.top - 2.5, sym.w, sym.h, fill="#ffffff", dash=dash)
    if sym.shape == "decision":
        pts = [(sym.x, sym.top), (sym.side(1), sym.y), (sym.x, sym.bottom), (sym.side(-1), sym.y)]
        svg.polygon(pts, fill=FILL, dash=dash)
    else:
        rx = sym.h / 2 if sym.shape == "terminator" else 0.0
        svg.rect(sym.x - sym.w / 2, sym.top, sym.w, sym.h, fill=FILL, rx=rx, dash=dash)
    svg.text(sym.x, sym.y + 2.2, str(step.no), size=6, anchor="middle", bold=True)
    svg.add("</g>")


def _symbols(lay: Layout, rows: list[Row]) -> dict[int, _Symbol]:
    result = {}
    for row in rows:
        lane = lay.lane_of(row.step)
        shape = _shape(lay.definition, row.step)
        w = min(lane.width - 14, 40.0 if shape == "decision" else 46.0)
        h = DIAMOND_H if shape == "decision" else SYMBOL_H
        result[row.step.no] = _Symbol(row.step, lane.center, row.mid, w, h, shape)
    return result


def _reject_word(step: Step) -> str:
    return "Tolak" if step.reject_label == "Tolak" else "Tidak"


def render_page(lay: Layout, rows: list[Row], *, page: int, pages: int, paged: bool) -> str:
    """Draw one page of the chart: header, rows, symbols, arrows and connectors."""
    svg = SvgCanvas()
    top_strip = CONNECTOR_H if paged and page > 0 else 0.0
    y = HEAD_H + top_strip
    for row in rows:
        row.y = y
        y += row.height
    body_bottom = y
    height = body_bottom + (CONNECTOR_H if paged and page < pages - 1 else 0.0)
    _draw_header(svg, lay, 0.0)
    # grid: column lines and row lines
    for col in lay.columns[1:]:
        svg.line(col.x, HEAD_H, col.x, height, width=0.4)
    for row in rows:
        svg.line(0, row.y + row.height, lay.width, row.y + row.height, width=0.4)
        for col in lay.columns:
            if col.key in row.cells:
                anchor = "middle" if col.key in ("no", "waktu") else "start"
                x = col.center if anchor == "middle" else col.x + PAD
                svg.lines(x, row.y + PAD, row.cells[col.key], anchor=anchor)
        for key in row.step.pelaksana[1:]:  # other lanes this step touches
            lane = lay.lanes.get(key)
            if lane is not None and key != row.step.actor:
                svg.add(f'<g class="touch" data-step="{row.step.no}" data-lane="{key}">')
                svg.rect(lane.center - 12, row.mid - 6, 24, 12, fill="#ffffff", dash="2,1.5", width=0.5)
                svg.add("</g>")
    symbols = _symbols(lay, rows)
    numbers = [s.no for s in lay.definition.steps]
    on_page = {r.step.no for r in rows}
    # touch marks are linked to their symbol by a dotted line
    for row in rows:
        sym = symbols[row.step.no]
        for key in row.step.pelaksana[1:]:
            lane = lay.lanes.get(key)
            if lane is not None and key != row.step.actor:
                direction = 1 if lane.center > sym.x else -1
                svg.line(sym.side(direction), sym.y, lane.center - direction * 12, sym.y, dash="1,1.5", width=0.5)
    for row in rows:
        _draw_symbol(svg, symbols[row.step.no], row.step.actor)
    return_sides: dict[int, int] = {}
    exit_sides: dict[int, int] = {}  # the side a step's next arrow leaves by (0: bottom)
    for row in rows:
        step = row.step
        sym = symbols[step.no]
        index = numbers.index(step.no)
        if index + 1 >= len(numbers):
            continue
        nxt = lay.definition.steps[index + 1]
        label = "Ya" if step.decision else ""
        lane = lay.lane_of(step)
        bounds = (lane.x, lane.x + lane.width)
        touched = nxt.actor != step.actor and nxt.actor in step.pelaksana[1:] and nxt.actor in lay.lanes
        if nxt.no in on_page:
            target = symbols[nxt.no]
            if touched:  # the next lane already takes part in this step: go down from its mark
                svg.arrow([(target.x, sym.y + 6), (target.x, target.top)], kind="next", source=step.no,
                          target=nxt.no, label=label, bounds=bounds)
            elif abs(target.x - sym.x) < 0.5:
                svg.arrow([(sym.x, sym.bottom), (target.x, target.top)], kind="next", source=step.no,
                          target=nxt.no, label=label, bounds=bounds)
                return_sides[step.no] = 1 if target.x >= sym.x else -1
            else:
                direction = 1 if target.x > sym.x else -1
                exit_sides[step.no] = direction
                svg.arrow([(sym.side(direction), sym.y), (target.x, sym.y), (target.x, target.top)],
                          kind="next", source=step.no, target=nxt.no, label=label, bounds=bounds)
                return_sides[step.no] = -direction
        else:  # continues on the next page
            cy = body_bottom + 4
            svg.arrow([(sym.x, sym.bottom), (sym.x, cy)], kind="next", source=step.no, target=nxt.no, label=label,
                      bounds=bounds)
            _draw_connector(svg, sym.x, cy, nxt.no, role="out")
    if paged and page > 0 and rows:
        first = symbols[rows[0].step.no]
        _draw_connector(svg, first.x, HEAD_H + 3, rows[0].step.no, role="in")
        prev = numbers[numbers.index(rows[0].step.no) - 1]
        svg.arrow([(first.x, HEAD_H + 19), (first.x, first.top)], kind="continue", source=prev,
                  target=rows[0].step.no)
    _draw_returns(svg, lay, rows, symbols, return_sides, exit_sides)
    title = f"Bagan alir SOP {lay.definition.nama}" + (f" (halaman {page + 1} dari {pages})" if pages > 1 else "")
    return svg.render(lay.width, height, title)


def _draw_returns(svg: SvgCanvas, lay: Layout, rows: list[Row], symbols: dict[int, _Symbol],
                  return_sides: dict[int, int], exit_sides: dict[int, int]) -> None:
    """Decision branches back up to the step the definition names (or to a connector).

    A return enters the target from the side facing its channel, unless the target's own
    next arrow leaves by that side: then it comes down into the target's top, on that side.
    """
    tops = {row.step.no: row.y for row in rows}
    channel_use: dict[tuple[str, int], int] = {}
    for row in rows:
        step = row.step
        if not step.decision:
            continue
        sym = symbols[step.no]
        target = symbols.get(step.decision)
        side = return_sides.get(step.no) or (1 if target is None or target.x <= sym.x else -1)
        lane = lay.lane_of(step)
        key = (step.actor, side)
        offset = 3 + 3 * channel_use.get(key, 0)
        channel_use[key] = channel_use.get(key, 0) + 1
        channel = lane.x + lane.width - offset if side > 0 else lane.x + offset
        start = (sym.side(side), sym.y)
        word = _reject_word(step)
        if target is None:  # the step returned to is on an earlier page
            cy = row.y + 2
            channel = lane.x + lane.width - 10 if side > 0 else lane.x + 10
            svg.arrow([start, (channel, sym.y), (channel, cy + 17)], kind="return", source=step.no,
                      target=step.decision, label=word, bounds=(lane.x, lane.x + lane.width))
            _draw_connector(svg, channel, cy, step.decision, role="return", pointing="up")
            continue
        enter = -1 if channel < target.x else 1
        bounds = (lane.x, lane.x + lane.width)
        if exit_sides.get(target.step.no) == enter:  # that side is taken: come down into the top
            over = tops[target.step.no] + 3
            x_end = target.x + enter * target.w / 4
            svg.arrow([start, (channel, sym.y), (channel, over), (x_end, over), (x_end, target.top)],
                      kind="return", source=step.no, target=step.decision, label=word, bounds=bounds)
            continue
        ty = target.y - 5 if target.shape != "decision" else target.y
        svg.arrow([start, (channel, sym.y), (channel, ty), (target.side(enter), ty)], kind="return",
                  source=step.no, target=step.decision, label=word, bounds=bounds)


def flowchart_pages(definition: SopDefinition, *, width: float = 774.0,
                    page_height: float | None = None) -> list[str]:
    """The chart as one SVG per page (``page_height`` None: a single page for the screen)."""
    lay = layout(definition, width)
    pages = paginate(lay, page_height)
    return [render_page(lay, rows, page=i, pages=len(pages), paged=page_height is not None)
            for i, rows in enumerate(pages)]


def flowchart_svg(definition: SopDefinition, width: float = 774.0) -> str:
    """The whole chart as one SVG (for the SOP page)."""
    return flowchart_pages(definition, width=width)[0]



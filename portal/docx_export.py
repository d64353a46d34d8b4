"""A declared document as an editable Word file (DOCX), from the same HTML as its PDF.

Agencies finish reports such as the LKjIP in a word processor, so a ``[[dokumen]]`` with
``docx = true`` is also offered as DOCX. The document's HTML (the plugin template on
``pdf/base.html``) is read with the standard HTML parser and written with python-docx:
``h1``-``h4`` become headings, ``p`` paragraphs (``strong``/``em``/``br`` kept, class
``center``/``right`` aligned), ``table`` tables (``class="data"``: grid with a bold header
row, ``colspan`` merged, the % capaian status colour as cell shading; other tables, e.g.
signature blocks, without borders), ``img`` data URIs pictures, ``<pdf:nextpage />``
page breaks. The PDF-only page footer and watermark are left out.
"""
from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
SHADING = {"capaian-hijau": "D9F2DD", "capaian-kuning": "FFF1B8", "capaian-merah": "F9D6D6"}
SKIP_TAGS = {"style", "title", "head", "script"}
SKIP_IDS = {"page-footer", "watermark"}
VOID = {"br", "img", "meta", "link", "hr", "input", "pdf:nextpage", "pdf:pagenumber", "pdf:pagecount"}


@dataclass
class Para:
    """A paragraph: style (None or a heading level), alignment, runs."""

    heading: int | None = None
    align: str | None = None
    runs: list = field(default_factory=list)  # ("text", str, bold, italic) | ("br",) | ("img", bytes)

    def empty(self) -> bool:
        return not any(r[0] != "text" or r[1].strip() for r in self.runs)


@dataclass
class Cell:
    header: bool
    colspan: int
    classes: set
    paras: list = field(default_factory=list)


@dataclass
class Table:
    classes: set
    rows: list = field(default_factory=list)


class _Reader(HTMLParser):
    """Turns the document HTML into blocks: Para, Table, or "pagebreak"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list = []
        self.skip = 0
        self.stack: list[str] = []
        self.bold = 0
        self.italic = 0
        self.tables: list[Table] = []
        self.cell: Cell | None = None
        self.cells: list[Cell | None] = []
        self.para: Para | None = None

    # -- where paragraphs go
    def _target(self) -> list:
        return self.cell.paras if self.cell is not None else self.blocks

    def _close_para(self) -> None:
        if self.para is not None and not self.para.empty():
            self._target().append(self.para)
        self.para = None

    def _open_para(self, heading=None, align=None) -> Para:
        self._close_para()
        self.para = Para(heading, align)
        return self.para

    def _current(self) -> Para:
        return self.para if self.para is not None else self._open_para()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if self.skip:
            if tag not in VOID:
                self.skip += 1
            return
        if tag in SKIP_TAGS or attrs.get("id") in SKIP_IDS:
            self.skip = 1
            return
        if tag not in VOID:
            self.stack.append(tag)
        if tag in HEADINGS:
            self._open_para(HEADINGS[tag], "center" if tag in ("h1", "h2") else None)
        elif tag == "p" or tag == "div":
            self._open_para(None, "center" if "center" in classes else "right" if "right" in classes else None)
        elif tag == "br":
            self._current().runs.append(("br",))
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "span" and "cell-note" in classes:
            self._current().runs.append(("br",))
        elif tag == "img":
            data = _data_uri(attrs.get("src") or "")
            if data:
                self._current().runs.append(("img", data))
        elif tag == "pdf:nextpage":
            self._close_para()
            if self.cell is None and not self.tables:
                self.blocks.append("pagebreak")
        elif tag == "table":
            self._close_para()
            self.cells.append(self.cell)
            self.cell = None
            self.tables.append(Table(classes))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self.tables:
            self._close_para()
            if not self.tables[-1].rows:
                self.tables[-1].rows.append([])
            span = int(attrs.get("colspan") or 1) if str(attrs.get("colspan") or "1").isdigit() else 1
            self.cell = Cell(tag == "th", max(span, 1), classes)
            self.tables[-1].rows[-1].append(self.cell)

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= 1
            return
        if tag in VOID:
            return
        while self.stack and self.stack[-1] != tag:
            self.stack.pop()
        if self.stack:
            self.stack.pop()
        if tag in HEADINGS or tag in ("p", "div"):
            self._close_para()
        elif tag in ("strong", "b"):
            self.bold = max(self.bold - 1, 0)
        elif tag in ("em", "i"):
            self.italic = max(self.italic - 1, 0)
        elif tag in ("td", "th"):
            self._close_para()
            self.cell = None
        elif tag == "table" and self.tables:
            self._close_para()
            table = self.tables.pop()
            self.cell = self.cells.pop() if self.cells else None
            self._target().append(table)

    def handle_data(self, data):
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and (self.para is None or not self.para.runs):
            return
        if self.tables and self.cell is None:
            return  # whitespace between cells
        para = self._current()
        if not para.runs or para.runs[-1][0] == "br":
            text = text.lstrip()
        para.runs.append(("text", text, self.bold > 0, self.italic > 0))


def _data_uri(src: str) -> bytes | None:
    match = re.match(r"data:image/(png|jpe?g|gif);base64,(.+)$", src, re.S)
    if not match:
        return None
    try:
        return base64.b64decode(match.group(2))
    except ValueError:
        return None


def _write_para(container, para: Para, *, bold_all: bool = False, first: bool = False):
    if first:
        out = container.paragraphs[0]
    elif para.heading:
        out = container.add_heading(level=para.heading)
    else:
        out = container.add_paragraph()
    if para.align == "center":
        out.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif para.align == "right":
        out.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    runs = list(para.runs)
    while runs and runs[-1][0] == "text" and not runs[-1][1].strip():
        runs.pop()
    if runs and runs[-1][0] == "text":
        runs[-1] = ("text", runs[-1][1].rstrip(), *runs[-1][2:])
    for run in runs:
        if run[0] == "br":
            out.add_run().add_break()
        elif run[0] == "img":
            try:
                out.add_run().add_picture(io.BytesIO(run[1]), width=Cm(2))
            except Exception:  # an unreadable picture is left out, the text stays
                continue
        else:
            piece = out.add_run(run[1])
            piece.bold = run[2] or bold_all or None
            piece.italic = run[3] or None
    return out


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _write_table(container, table: Table) -> None:
    rows = [r for r in table.rows if r]
    if not rows:
        return
    width = max(sum(c.colspan for c in row) for row in rows)
    out = container.add_table(rows=len(rows), cols=width)
    if "data" in table.classes:
        out.style = "Table Grid"
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            target = out.cell(r, col)
            if cell.colspan > 1 and col + cell.colspan - 1 < width:
                target = target.merge(out.cell(r, col + cell.colspan - 1))
            paras = [p for p in cell.paras if not isinstance(p, Table)]
            for index, para in enumerate(paras or [Para()]):
                _write_para(target, para, bold_all=cell.header, first=index == 0)
            for nested in (p for p in cell.paras if isinstance(p, Table)):
                _write_table(target, nested)
            for cls in cell.classes:
                if cls in SHADING:
                    _shade(target, SHADING[cls])
            col += cell.colspan


def html_to_docx(html: str, *, landscape: bool = False) -> bytes:
    """The DOCX bytes of a document's HTML (see the module docstring for what is kept)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader._close_para()
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2))
    for block in reader.blocks:
        if block == "pagebreak":
            document.add_page_break()
        elif isinstance(block, Table):
            _write_table(document, block)
        else:
            _write_para(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


__all__ = ["html_to_docx", "DOCX_MIME"]

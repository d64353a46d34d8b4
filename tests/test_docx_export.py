"""portal/docx_export.py: a document's HTML as DOCX (headings, paragraphs, tables with
colspan and status shading, page breaks, pictures; the PDF footer and watermark left out)."""
import base64
import io

from docx import Document

from portal.docx_export import html_to_docx

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5dd9b6a0000000049454e44ae426082")).decode()

HTML = f"""<html><head><style>body {{ color: red }}</style><title>Judul</title></head><body>
<div id="page-footer">Halaman <pdf:pagenumber> dari <pdf:pagecount></div><div id="watermark">RANCANGAN</div>
<table class="kop"><tr><td><img src="data:image/png;base64,{PNG}"></td><td>DINAS UJI</td></tr></table>
<h1>BAB I  PENDAHULUAN</h1><p class="text">Satu <strong>tebal</strong> dan <em>miring</em><br>baris dua</p>
<pdf:nextpage />
<table class="data" repeat="1"><thead><tr><th>No</th><th>Indikator</th><th>% Capaian</th></tr></thead>
<tbody><tr><td>1</td><td>Indeks A</td><td class="computed num capaian-merah">50 <span class="capaian-label">(merah)</span></td></tr>
<tr><td colspan="2"><strong>Jumlah</strong></td><td>—<span class="cell-note">Target 0: tidak dapat dihitung.</span></td></tr></tbody></table>
</body></html>"""


def test_html_to_docx_keeps_structure():
    document = Document(io.BytesIO(html_to_docx(HTML)))
    texts = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert ("Heading 1", "BAB I PENDAHULUAN") in texts
    assert ("Normal", "Satu tebal dan miring\nbaris dua") in texts
    assert not any("Halaman" in t or "RANCANGAN" in t or "color" in t or "Judul" in t for _, t in texts)
    body = next(p for p in document.paragraphs if p.text.startswith("Satu"))
    assert [(r.text, r.bold, r.italic) for r in body.runs if r.text.strip()][:3] == [
        ("Satu ", None, None), ("tebal", True, None), (" dan ", None, None)]
    assert any("w:br" in p._p.xml and 'w:type="page"' in p._p.xml for p in document.paragraphs)
    kop, data = document.tables
    assert kop.style.name != "Table Grid" and "graphicData" in kop.cell(0, 0)._tc.xml
    assert data.style.name == "Table Grid"
    rows = [[c.text for c in row.cells] for row in data.rows]
    assert rows[0] == ["No", "Indikator", "% Capaian"] and rows[1] == ["1", "Indeks A", "50 (merah)"]
    assert rows[2][0] == rows[2][1] == "Jumlah" and rows[2][2] == "—\nTarget 0: tidak dapat dihitung."
    assert 'w:fill="F9D6D6"' in data.cell(1, 2)._tc.xml
    assert all(run.bold for run in data.cell(0, 1).paragraphs[0].runs)


def test_landscape_and_empty_document():
    document = Document(io.BytesIO(html_to_docx("<p></p>", landscape=True)))
    section = document.sections[0]
    assert section.page_width > section.page_height

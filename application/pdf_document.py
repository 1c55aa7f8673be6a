"""A neutral document (title, subtitle, headings, paragraphs, bullet lists, tables with a header
row) rendered as a PDF whose Chinese text is real, selectable text: a CJK TrueType font from the
system is embedded (subset) with its Unicode map, so pdftotext and a reader's search find it.

The ledger's documents for people are written as Markdown first (the review, the bulletins);
``from_markdown`` reads the small subset they use, so the PDF says exactly what the Markdown says.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

#: Debian's fonts-wqy-microhei first (what .ci/run installs), then other CJK TrueType fonts.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_NAME = "LedgerCJK"


class NoCjkFont(RuntimeError):
    """No CJK TrueType font to embed: a PDF of Chinese text cannot be made."""


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


Block = Heading | Paragraph | Bullets | Table


@dataclass
class Document:
    title: str
    subtitle: str | None = None
    blocks: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------------- Markdown subset


def _inline(text: str) -> str:
    return text.replace("**", "").replace("`", "").strip()


def _cells(line: str) -> list[str]:
    return [_inline(c) for c in line.strip().strip("|").split("|")]


def from_markdown(text: str) -> Document:
    """``# title``, ``> subtitle``, ``##``/``###`` headings, ``- `` bullets, pipe tables (the line
    after the header row is the ``|---|`` rule) and paragraphs (consecutive lines joined)."""
    doc = Document(title="")
    lines = text.splitlines()
    i = 0
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            doc.blocks.append(Paragraph(" ".join(paragraph)))
            paragraph.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            end_paragraph()
        elif stripped.startswith("# ") and not doc.title:
            end_paragraph()
            doc.title = _inline(stripped[2:])
        elif stripped.startswith("#"):
            end_paragraph()
            marks = len(stripped) - len(stripped.lstrip("#"))
            doc.blocks.append(Heading(_inline(stripped[marks:]), level=min(marks, 3)))
        elif stripped.startswith("> ") and doc.subtitle is None and not doc.blocks:
            doc.subtitle = _inline(stripped[2:])
        elif stripped.startswith("- "):
            end_paragraph()
            items = []
            while i < len(lines) and lines[i].strip().startswith("- "):
                items.append(_inline(lines[i].strip()[2:]))
                i += 1
            doc.blocks.append(Bullets(items))
            continue
        elif stripped.startswith("|"):
            end_paragraph()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            header, body = _cells(rows[0]), rows[1:]
            if body and set(body[0].replace("|", "").replace(":", "").strip()) <= {"-", " "}:
                body = body[1:]
            doc.blocks.append(Table(header, [_cells(r) for r in body]))
            continue
        else:
            paragraph.append(_inline(stripped))
        i += 1
    end_paragraph()
    return doc


# ---------------------------------------------------------------------- PDF


def font_path() -> Path:
    """LEDGER_PDF_FONT (a .ttf or .ttc; the first face of a collection), else the first CJK
    TrueType font found among FONT_CANDIDATES."""
    asked = os.environ.get("LEDGER_PDF_FONT", "").strip()
    if asked:
        if not Path(asked).is_file():
            raise NoCjkFont(f"LEDGER_PDF_FONT names no file: {asked}")
        return Path(asked)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise NoCjkFont(
        "no CJK TrueType font found (install Debian's fonts-wqy-microhei, or set LEDGER_PDF_FONT to a .ttf/.ttc)"
    )


@cache
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{FONT_NAME}-{len(pdfmetrics.getRegisteredFontNames())}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except Exception as e:  # reportlab raises its own TTFError and plain errors for a bad file
        raise NoCjkFont(f"cannot use {path} as a CJK TrueType font: {e}") from None
    return name


def render_pdf(doc: Document) -> bytes:
    """The document on A4 pages, numbered "第 N 页" at the foot, tables with a repeated header row."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, SimpleDocTemplate, Spacer
    from reportlab.platypus import Paragraph as Para
    from reportlab.platypus import Table as PdfTable

    font = _register(str(font_path()))
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, alignment=1, spaceAfter=8,
                                   textColor=colors.HexColor("#444444")),
        2: ParagraphStyle("h2", parent=base, fontSize=13, leading=19, spaceBefore=8, spaceAfter=4),
        3: ParagraphStyle("h3", parent=base, fontSize=11, leading=16, spaceBefore=6, spaceAfter=3),
        1: ParagraphStyle("h1", parent=base, fontSize=15, leading=21, spaceBefore=10, spaceAfter=5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5),
    }  # fmt: skip
    width = A4[0] - 30 * mm
    story: list[object] = []
    if doc.title:
        story.append(Para(escape(doc.title), styles["title"]))
    if doc.subtitle:
        story.append(Para(escape(doc.subtitle), styles["subtitle"]))
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(Para(escape(block.text), styles[block.level]))
        elif isinstance(block, Paragraph):
            story.append(Para(escape(block.text), base))
        elif isinstance(block, Bullets):
            items = [ListItem(Para(escape(item), base), leftIndent=10) for item in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", bulletFontName=font, leftIndent=10))
        elif isinstance(block, Table):
            columns = max([len(block.header), *(len(r) for r in block.rows)])
            data = [[Para(escape(c), styles["cell"]) for c in row + [""] * (columns - len(row))]
                    for row in [block.header, *block.rows]]  # fmt: skip
            table = PdfTable(data, colWidths=[width / columns] * columns, repeatRows=1)
            table.setStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ])  # fmt: skip
            story += [table, Spacer(1, 4)]

    def foot(canvas: object, page_doc: object) -> None:
        canvas.setFont(font, 8)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {page_doc.page} 页")  # type: ignore[attr-defined]

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=18 * mm,
        title=doc.title, author="dispute ledger", invariant=1,
    )  # fmt: skip
    template.build(story, onFirstPage=foot, onLaterPages=foot)
    return out.getvalue()


def markdown_pdf(text: str) -> bytes:
    return render_pdf(from_markdown(text))

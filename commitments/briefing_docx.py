"""The briefing pack as a Word document (python-docx): the page's sections, in the page's order
and in its words (commitments.briefing says each sentence once), with the same letterhead and
marking on every page, statuses on their colours, and pages numbered in the footer (Word's PAGE
and NUMPAGES fields, which it counts as it lays the document out). In the active language: in
one written right to left (Arabic) every paragraph and table runs right to left (w:bidi,
w:bidiVisual), and the runs in its script are marked as such (w:rtl), as Word marks what is
typed in it."""

import io
import re

from django.utils.translation import get_language_bidi, gettext

from commitments import briefing as words
from commitments.models import STATUS_COLOURS, Status
from commitments.prose import day, digits, number, percent

# A4, with the PDF's margins (static/briefing/briefing.css) a little widened for Word's.
PAGE_MM = (210, 297)
MARGIN_MM = 18
LOGO_HEIGHT_MM = 9
# Letters of the scripts written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko...), and
# Arabic's digits and presentation forms.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# Word's fields for briefing.page_numbers' counters.
FIELDS = {"page": "PAGE", "pages": "NUMPAGES"}


def docx(briefing):
    """The briefing (selectors.Briefing) as a .docx: its bytes."""
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    _letterhead(section, briefing)
    document.add_heading(gettext("Paris Roadmap briefing pack"), level=0)
    document.add_paragraph(words.dates_line(briefing))
    if briefing.with_messages:
        _key_messages(document, briefing)
    _overview(document, briefing)
    if briefing.headline_figures:
        document.add_heading(gettext("Headline figures"), level=1)
        for figure in briefing.headline_figures:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{figure.label}: ").bold = True
            paragraph.add_run(f"{figure.value} {figure.note}".rstrip())
    for group in briefing.pillars:
        _pillar(document, briefing, group)
    if briefing.never_assessed:
        _never_assessed(document, briefing)
    if get_language_bidi():
        _right_to_left(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _letterhead(section, briefing):
    """The header (logo and organisation, the marking on the right) and the footer (the pack,
    the marking in the middle, the page number on the right) of every page."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm

    width = Mm(PAGE_MM[0] - 2 * MARGIN_MM)
    letterhead = words.letterhead()
    header = _unstyled(section.header.paragraphs[0])
    header.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    if (logo := words.logo_path()) is not None:
        header.add_run().add_picture(logo, height=Mm(LOGO_HEIGHT_MM))
        header.add_run(" ")
    header.add_run(letterhead["organisation"]).bold = True
    header.add_run("\t")
    header.add_run(words.marking(briefing)).bold = True
    footer = _unstyled(section.footer.paragraphs[0])
    footer.paragraph_format.tab_stops.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(f"{words.pack_name(briefing)}\t")
    footer.add_run(words.marking(briefing)).bold = True
    footer.add_run("\t")
    for part in words.page_numbers():
        if isinstance(part, words.PageCounter):
            _field(footer, FIELDS[part.name])
        else:
            footer.add_run(part)


def _unstyled(paragraph):
    """The paragraph in Normal style: the Header and Footer styles' own tab stops, set for US
    Letter, would come before ours."""
    paragraph.style = "Normal"
    return paragraph


def _field(paragraph, instruction):
    """A field Word computes (PAGE, NUMPAGES), showing 1 until it does."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = digits("1")
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _status(paragraph, status, text=None):
    """A status on its colour (the vocabulary's), in white bold type: its name always beside
    it, as on the page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    run = paragraph.add_run(f"\N{NO-BREAK SPACE}{text or Status(status).label}\N{NO-BREAK SPACE}")
    run.bold = True
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), STATUS_COLOURS[status].lstrip("#"))
    # Last among the run's properties, where the schema puts it after the colour and weight.
    run._r.get_or_add_rPr().append(shading)
    return run


def _parts(paragraph, parts):
    """A sentence of parts (briefing.change_parts): each status on its colour."""
    for part in parts:
        if isinstance(part, words.StatusWord):
            _status(paragraph, part.status, part.text)
        else:
            paragraph.add_run(part)


def _table(document, header):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    return table


def _key_messages(document, briefing):
    """The first page: the secretariat's approved key messages, per pillar."""
    from docx.enum.text import WD_BREAK

    document.add_heading(gettext("Key messages"), level=1)
    for group in briefing.with_messages:
        document.add_heading(group.pillar.name, level=2)
        for message in group.messages:
            document.add_paragraph(message, style="List Bullet")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _overview(document, briefing):
    document.add_heading(gettext("Overview"), level=1)
    table = _table(
        document,
        [gettext("Commitments"), day(briefing.since, short=True), day(briefing.as_of, short=True)],
    )
    for status, before, after in briefing.by_status:
        cells = table.add_row().cells
        _status(cells[0].paragraphs[0], status)
        cells[1].text, cells[2].text = number(before), number(after)
    rows = [
        (gettext("Stale"), number(briefing.before.stale), number(briefing.overall.stale)),
        (
            gettext("Average progress"),
            percent(briefing.before.average_progress),
            percent(briefing.overall.average_progress),
        ),
        (gettext("All"), number(briefing.before.total), number(briefing.overall.total)),
    ]
    for label, before, after in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, [label, before, after], strict=True):
            cell.text = text
    document.add_paragraph(words.changed_line(briefing))


def _pillar(document, briefing, group):
    """A pillar's section, from a page of its own: as the page's."""
    heading = document.add_heading(group.pillar.name, level=1)
    heading.paragraph_format.page_break_before = True
    document.add_paragraph(words.counts_line(group.counts))
    as_of = {"day": day(briefing.as_of)}
    document.add_heading(gettext("Contributions by %(day)s") % as_of, level=2)
    _list(document, words.contribution_lines(group.contributions), gettext("None recorded."))
    document.add_heading(gettext("Status and progress on %(day)s") % as_of, level=2)
    if group.assessed:
        header = [gettext("Code"), gettext("Commitment"), gettext("Status"), gettext("Progress")]
        table = _table(document, header)
        for row in group.assessed:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = row["code"], row["title"]
            status = cells[2].paragraphs[0]
            _status(status, row["current_status"])
            assessed = gettext("as of %(day)s") % {"day": day(row["current_as_of"], short=True)}
            status.add_run(f" {assessed}")
            if row["stale_then"]:
                status.add_run(f", {gettext('stale')}").bold = True
            cells[3].text = percent(row["current_progress"])
    else:
        document.add_paragraph(gettext("No commitment assessed."))
    if group.never_assessed:
        document.add_paragraph(words.never_assessed_note(group))
    document.add_heading(gettext("Changes since %(day)s") % {"day": day(briefing.since)}, level=2)
    if not group.changes:
        document.add_paragraph(gettext("No change."))
    for change in group.changes:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(change.commitment["code"]).bold = True
        paragraph.add_run(f" {change.commitment['title']}: ")
        _parts(paragraph, words.change_parts(change, briefing.since))
        for update in change.updates:
            document.add_paragraph(words.update_line(update), style="List Bullet 2")
    document.add_heading(gettext("Stale commitments"), level=2)
    _list(document, [f"{row['code']} {row['title']}: {words.overdue(row)}" for row in group.stale])
    document.add_heading(gettext("Latest assessments"), level=2)
    if not group.assessed:
        document.add_paragraph(gettext("None."))
    for row in group.assessed:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{row['code']} ({day(row['current_as_of'], short=True)}): ").bold = True
        paragraph.add_run(row["assessment_summary"])
        for piece in row["assessment_evidence"]:
            cited = f"{gettext('Evidence:')} {words.evidence_line(piece)}"
            document.add_paragraph(cited, style="List Bullet 2")


def _list(document, lines, empty=None):
    if not lines:
        document.add_paragraph(empty or gettext("None."))
    for line in lines:
        document.add_paragraph(line, style="List Bullet")


def _never_assessed(document, briefing):
    """One compact list: a paragraph per pillar of codes and short titles."""
    heading = document.add_heading(
        gettext("Never assessed by %(day)s") % {"day": day(briefing.as_of)}, level=1
    )
    heading.paragraph_format.page_break_before = True
    for group in briefing.never_assessed:
        paragraph = document.add_paragraph()
        paragraph.add_run(
            f"{group.pillar.name} ({number(len(group.never_assessed))}): "
        ).bold = True
        for position, row in enumerate(group.never_assessed):
            if position:
                paragraph.add_run(str(words.SEPARATOR))
            paragraph.add_run(row["code"]).bold = True
            paragraph.add_run(f" {words.short_title(row)}")


def _right_to_left(document):
    """Every paragraph (the body's, the tables', the header's and the footer's) and table of
    `document` laid out right to left, and each run with letters of a right-to-left script
    marked as such: runs of Latin letters alone (codes, addresses) keep their direction."""
    from docx.enum.table import WD_TABLE_DIRECTION
    from docx.oxml import OxmlElement

    section = document.sections[0]
    paragraphs = [*document.paragraphs, *section.header.paragraphs, *section.footer.paragraphs]
    for table in document.tables:
        table.table_direction = WD_TABLE_DIRECTION.RTL
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for paragraph in paragraphs:
        properties = paragraph._p.get_or_add_pPr()
        properties.insert_element_before(OxmlElement("w:bidi"), *BIDI_SUCCESSORS)
        for run in paragraph.runs:
            if RIGHT_TO_LEFT.search(run.text):
                run.font.rtl = True
                run.font.cs_bold = run.bold


# What follows w:bidi among a paragraph's properties (ECMA-376's CT_PPrBase sequence).
BIDI_SUCCESSORS = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)

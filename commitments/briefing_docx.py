"""The briefing pack as a Word document (python-docx): the page's sections, in the page's order
and in its words (commitments.briefing says each sentence once), with the same letterhead and
marking on every page, statuses on their colours, and pages numbered in the footer (Word's PAGE
and NUMPAGES fields, which it counts as it lays the document out)."""

import io

from commitments import briefing as words
from commitments.models import STATUS_COLOURS, Status

# A4, with the PDF's margins (static/briefing/briefing.css) a little widened for Word's.
PAGE_MM = (210, 297)
MARGIN_MM = 18
LOGO_HEIGHT_MM = 9


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
    document.add_heading("Paris Roadmap briefing pack", level=0)
    document.add_paragraph(words.dates_line(briefing))
    if briefing.with_messages:
        _key_messages(document, briefing)
    _overview(document, briefing)
    if briefing.headline_figures:
        document.add_heading("Headline figures", level=1)
        for figure in briefing.headline_figures:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{figure.label}: ").bold = True
            paragraph.add_run(f"{figure.value} {figure.note}".rstrip())
    for group in briefing.pillars:
        _pillar(document, briefing, group)
    if briefing.never_assessed:
        _never_assessed(document, briefing)
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
    footer.add_run(f"Paris Roadmap briefing pack, {words.day(briefing.as_of)}\t")
    footer.add_run(words.marking(briefing)).bold = True
    footer.add_run("\tPage ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


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
    text.text = "1"
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

    document.add_heading("Key messages", level=1)
    for group in briefing.with_messages:
        document.add_heading(group.pillar.name, level=2)
        for message in group.messages:
            document.add_paragraph(message, style="List Bullet")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _overview(document, briefing):
    document.add_heading("Overview", level=1)
    table = _table(
        document, ["Commitments", words.day(briefing.since, True), words.day(briefing.as_of, True)]
    )
    for status, before, after in briefing.by_status:
        cells = table.add_row().cells
        _status(cells[0].paragraphs[0], status)
        cells[1].text, cells[2].text = str(before), str(after)
    rows = [
        ("Stale", briefing.before.stale, briefing.overall.stale),
        (
            "Average progress",
            words.percent(briefing.before.average_progress),
            words.percent(briefing.overall.average_progress),
        ),
        ("All", briefing.before.total, briefing.overall.total),
    ]
    for label, before, after in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, [label, before, after], strict=True):
            cell.text = str(text)
    changed = len(briefing.changes)
    document.add_paragraph(
        f"{changed} commitment{'' if changed == 1 else 's'} changed since "
        f"{words.day(briefing.since)}."
    )


def _pillar(document, briefing, group):
    """A pillar's section, from a page of its own: as the page's."""
    heading = document.add_heading(group.pillar.name, level=1)
    heading.paragraph_format.page_break_before = True
    document.add_paragraph(words.counts_line(group.counts))
    document.add_heading(f"Contributions by {words.day(briefing.as_of)}", level=2)
    _list(document, words.contribution_lines(group.contributions), "None recorded.")
    document.add_heading(f"Status and progress on {words.day(briefing.as_of)}", level=2)
    if group.assessed:
        table = _table(document, ["Code", "Commitment", "Status", "Progress"])
        for row in group.assessed:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = row["code"], row["title"]
            status = cells[2].paragraphs[0]
            _status(status, row["current_status"])
            status.add_run(f" as of {words.day(row['current_as_of'], short=True)}")
            if row["stale_then"]:
                status.add_run(", stale").bold = True
            cells[3].text = words.percent(row["current_progress"])
    else:
        document.add_paragraph("No commitment assessed.")
    if group.never_assessed:
        document.add_paragraph(words.never_assessed_note(group))
    document.add_heading(f"Changes since {words.day(briefing.since)}", level=2)
    if not group.changes:
        document.add_paragraph("No change.")
    for change in group.changes:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(change.commitment["code"]).bold = True
        paragraph.add_run(f" {change.commitment['title']}: ")
        _parts(paragraph, words.change_parts(change, briefing.since))
        for update in change.updates:
            document.add_paragraph(words.update_line(update), style="List Bullet 2")
    document.add_heading("Stale commitments", level=2)
    _list(document, [f"{row['code']} {row['title']}: {words.overdue(row)}" for row in group.stale])
    document.add_heading("Latest assessments", level=2)
    if not group.assessed:
        document.add_paragraph("None.")
    for row in group.assessed:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(
            f"{row['code']} ({words.day(row['current_as_of'], short=True)}): "
        ).bold = True
        paragraph.add_run(row["assessment_summary"])
        for piece in row["assessment_evidence"]:
            document.add_paragraph(f"Evidence: {words.evidence_line(piece)}", style="List Bullet 2")


def _list(document, lines, empty="None."):
    if not lines:
        document.add_paragraph(empty)
    for line in lines:
        document.add_paragraph(line, style="List Bullet")


def _never_assessed(document, briefing):
    """One compact list: a paragraph per pillar of codes and short titles."""
    heading = document.add_heading(f"Never assessed by {words.day(briefing.as_of)}", level=1)
    heading.paragraph_format.page_break_before = True
    for group in briefing.never_assessed:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{group.pillar.name} ({len(group.never_assessed)}): ").bold = True
        for position, row in enumerate(group.never_assessed):
            if position:
                paragraph.add_run("; ")
            paragraph.add_run(row["code"]).bold = True
            paragraph.add_run(f" {words.short_title(row)}")

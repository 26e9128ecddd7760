"""The briefing pack in English, French and Arabic: ?lang= writes it in that language whatever
the browser says, else it is in the request's; Arabic runs right to left (the page, the PDF
mirrored, the .docx), in a font that has its glyphs, its numbers and dates in Arabic-Indic
digits and its codes in Latin letters. The records' own words stay as written."""

import io
import logging
import re

import pytest
from django.utils.html import strip_tags

from tests.briefing import MAY, URL, page_text

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ARABIC_TITLE = "ملف الإحاطة بشأن خارطة طريق باريس"


def headings(response):
    html = response.content.decode()
    return [
        " ".join(strip_tags(text).split())
        for text in re.findall(r"<h[123][^>]*>(.*?)</h[123]>", html, re.DOTALL)
    ]


def test_the_pack_in_french_has_french_headings(client, briefing_history):
    response = client.get(URL, MAY | {"lang": "fr"})

    assert response["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    assert headings(response)[:5] == [
        "Dossier d’information sur la Feuille de route de Paris",
        "Vue d’ensemble",
        "Alpha",
        "Contributions au 31 mai 2026",
        "Statut et avancement au 31 mai 2026",
    ]
    # (page_text makes each run of white space, no-break spaces too, one space.)
    assert "Au 31 mai 2026 ; évolutions depuis le 15 février 2026." in page_text(response)


def test_the_browsers_language_applies_without_lang_and_lang_overrides_it(client, briefing_history):
    french = client.get(URL, MAY, HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get(URL, MAY | {"lang": "en-gb"}, HTTP_ACCEPT_LANGUAGE="fr")
    arabic = client.get(URL, MAY | {"lang": "ar"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert (french["Content-Language"], headings(french)[0]) == (
        "fr",
        "Dossier d’information sur la Feuille de route de Paris",
    )
    assert (english["Content-Language"], headings(english)[0]) == (
        "en-gb",
        "Paris Roadmap briefing pack",
    )
    assert (arabic["Content-Language"], headings(arabic)[0]) == ("ar", ARABIC_TITLE)
    assert "Accept-Language" in french["Vary"]


def test_the_pack_in_arabic_runs_right_to_left_with_arabic_digits_and_latin_codes(
    client, briefing_history
):
    response = client.get(URL, MAY | {"lang": "ar"})

    html = " ".join(response.content.decode().split())
    assert '<html lang="ar" dir="rtl">' in html
    assert '<time datetime="2026-05-31">٣١ مايو ٢٠٢٦</time>' in html
    assert '<td class="code"><bdi dir="ltr">A-1</bdi></td>' in html
    assert "٣ التزامات؛ " in html  # Alpha's count, in a plural form of Arabic's six
    assert '<td class="progress">٣٠٪\N{ARABIC LETTER MARK}</td>' in html
    # The download links stay in the language asked for.
    assert "lang=ar&amp;format=pdf" in html


@pytest.mark.parametrize("format", ["html", "pdf", "docx"])
def test_a_language_the_pack_is_not_written_in_is_a_400_that_names_the_languages(
    client, db, format
):
    response = client.get(URL, {"lang": "de", "format": format})

    assert response.status_code == 400
    assert (
        "lang: 'de' is not a language of the tracker. Choose one of: en-gb, fr, ar."
    ) in page_text(response)


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en-gb", "paris-roadmap-briefing-2026-05-31-since-2026-02-15.docx"),
        ("fr", "paris-roadmap-briefing-2026-05-31-since-2026-02-15-fr.docx"),
        ("ar", "paris-roadmap-briefing-2026-05-31-since-2026-02-15-ar.docx"),
    ],
)
def test_the_documents_name_and_content_language_say_its_language(
    client, briefing_history, language, name
):
    response = client.get(URL, MAY | {"format": "docx", "lang": language})

    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Language"] == language


def test_each_language_of_a_document_is_cached_apart(client, briefing_history):
    """The second French .docx is the cached one, and not the Arabic one rendered between."""
    from docx import Document

    def title(language):
        response = client.get(URL, MAY | {"format": "docx", "lang": language})
        return Document(io.BytesIO(response.content)).paragraphs[0].text

    assert [title("fr"), title("ar"), title("fr")] == [
        "Dossier d’information sur la Feuille de route de Paris",
        ARABIC_TITLE,
        "Dossier d’information sur la Feuille de route de Paris",
    ]


def test_the_docx_in_arabic_runs_right_to_left(client, briefing_history):
    from docx import Document

    document = Document(io.BytesIO(client.get(URL, MAY | {"format": "docx", "lang": "ar"}).content))

    title, dates = document.paragraphs[:2]
    assert title.text == ARABIC_TITLE
    assert dates.text == (
        "بتاريخ ٣١ مايو ٢٠٢٦؛ التغييرات منذ ١٥ فبراير ٢٠٢٦. التقييمات المعتمدة فقط."
    )
    body = document.element.body
    assert all(p.pPr.find(f"{W}bidi") is not None for p in body.iter(f"{W}p"))
    assert all(table.find(f"{W}bidiVisual") is not None for table in body.iter(f"{W}tblPr"))
    assert title.runs[0]._r.rPr.find(f"{W}rtl") is not None
    alpha = document.tables[1]
    code = alpha.rows[1].cells[0].paragraphs[0].runs[0]
    assert (code.text, code._r.rPr is None or code._r.rPr.find(f"{W}rtl") is None) == ("A-1", True)


@pytest.mark.usefixtures("pango")
def test_the_pdf_in_arabic_has_its_words_and_a_glyph_for_every_character(
    client, briefing_history, caplog
):
    """The Arabic PDF's text, as pypdf extracts it, holds the pack's Arabic title, headings and
    page numbers' words in logical order (pypdf reorders right-to-left runs; it misorders runs
    of Arabic-Indic digits, so the digits are checked on the page and the .docx instead).

    No character is drawn without a glyph. WeasyPrint draws a character that no font has as
    the font's glyph 0 (.notdef, an empty box): it logs a warning, and writes that font with a
    CMap of its own instead of Identity-H. So, besides no such warning: every font of the PDF is
    Identity-H (2-byte glyph ids, the subset keeping the font's own ids), and every glyph id that
    a text operator (Tj, TJ) of any page shows is neither 0 nor beyond the glyphs of the font
    program embedded for it, read with fontTools. The Arabic is in Noto Naskh Arabic, the Latin
    in DejaVu Sans (static/briefing/briefing.css)."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    caplog.set_level(logging.WARNING, logger="weasyprint")
    reader = PdfReader(io.BytesIO(client.get(URL, MAY | {"format": "pdf", "lang": "ar"}).content))

    first = reader.pages[0].extract_text()
    for words in (ARABIC_TITLE, "نظرة عامة", "الالتزامات", "متوسط التقدم", "الصفحة"):
        assert words in first
    assert "Paris Roadmap briefing pack" not in first
    assert not [record for record in caplog.records if ".notdef" in record.getMessage()]

    shown = {}  # glyph ids by font
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        # WeasyPrint's text operators: "/F1 12 Tf", then hex strings of 2-byte glyph ids.
        for name, glyphs in TEXT.findall(page.get_contents().get_data()):
            if name:
                font = fonts[f"/{name.decode()}"].get_object()
                ids = shown.setdefault(font["/BaseFont"], (font, set()))[1]
            else:
                ids.update(int(glyphs[i : i + 4], 16) for i in range(0, len(glyphs), 4))
    assert any("Noto-Naskh-Arabic" in name for name in shown)
    for name, (font, ids) in shown.items():
        assert font["/Encoding"] == "/Identity-H", name
        program = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile2"]
        glyphs = len(TTFont(io.BytesIO(program.get_data())).getGlyphOrder())
        assert 0 not in ids, name
        assert max(ids, default=0) < glyphs, name


TEXT = re.compile(rb"/(\S+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]+)>")

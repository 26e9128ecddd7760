"""The full texts of source documents that ship with the project, by document slug, split into
numbered paragraphs: what lets a form check that a commitment quotes its paragraph verbatim.
A document whose text is not shipped is simply not checked."""

import functools
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_TEXTS = {"paris-roadmap-2019": DATA_DIR / "paris-roadmap-2019-06-25.txt"}


@functools.cache
def paragraphs_of(document_slug):
    """{1: first paragraph, ...} of a shipped text (its title line is not a paragraph), or None
    when the document's text is not shipped."""
    path = SHIPPED_TEXTS.get(document_slug)
    if path is None:
        return None
    _title, *body = path.read_text(encoding="utf-8").strip().split("\n\n")
    return dict(enumerate(body, start=1))

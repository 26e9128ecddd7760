"""The Roadmap's figures ship as data: every figure the statement states is the baseline of an
indicator, quoting the sentence it comes from verbatim, with the value and the qualifier that
sentence gives it."""

import re
from decimal import Decimal

import pytest

from commitments.models import Indicator
from commitments.source_texts import paragraphs_of

pytestmark = pytest.mark.django_db

# Each indicator the data file ships, by slug: the words of its sentence that state the
# figure, and the value and qualifier they mean. "tens of thousands" is at least two tens of
# thousands: the least it can be.
STATED = {
    "years-of-military-and-civilian-action": ("more than four years", "4", "more_than"),
    "territory-controlled-at-peak": ("nearly 110,000 square kilometers", "110000", "nearly"),
    "foreign-terrorist-fighters-attracted": (
        "more than 40,000 foreign terrorist fighters",
        "40000",
        "more_than",
    ),
    "people-freed": ("more than 7.7 million people", "7700000", "more_than"),
    "humanitarian-and-stabilization-assistance-raised": (
        "approximately $20 billion",
        "20000000000",
        "approximately",
    ),
    "security-and-police-personnel-trained": (
        "more than 210,000 security and police personnel",
        "210000",
        "more_than",
    ),
    "local-partners-killed": ("tens of thousands of local partners", "20000", "at_least"),
    "coalition-service-members-killed": (
        "at least 46 Coalition service members",
        "46",
        "at_least",
    ),
    "coalition-members": ("The 80 members", "80", "exactly"),
    "coalition-working-groups": ("the four working groups", "4", "exactly"),
}
QUALIFIER_WORDS = {
    "more than": "more_than",
    "nearly": "nearly",
    "approximately": "approximately",
    "at least": "at_least",
}
# Numbers in words; "tens of thousands" is a lower bound in itself.
NUMBER_WORDS = {"four": (4, None), "tens of thousands": (20000, "at_least")}
SCALES = {"million": 10**6, "billion": 10**9}
# A number in the statement: digits (with commas and a decimal point) and a scale, or words.
NUMBER = re.compile(
    r"\$?\d+(?:,\d{3})*(?:\.\d+)?(?: (?:million|billion))?|\bfour\b|tens of thousands"
)
# Numbers that are not figures: the date of the final liberation.
NOT_FIGURES = ["March 23, 2019"]


def paragraphs():
    return paragraphs_of("paris-roadmap-2019")


def sentences(paragraph):
    return re.split(r"(?<=\.) (?=[A-Z])", paragraph)


def meaning(words):
    """The value and qualifier that the words stating a figure give it."""
    qualifier = next(
        (name for phrase, name in QUALIFIER_WORDS.items() if words.startswith(phrase)), "exactly"
    )
    number = NUMBER.search(words)[0]
    if number in NUMBER_WORDS:
        value, implied = NUMBER_WORDS[number]
        return Decimal(value), implied or qualifier
    digits, _, scale = number.lstrip("$").partition(" ")
    return Decimal(digits.replace(",", "")) * SCALES.get(scale, 1), qualifier


def test_every_figure_is_an_indicator_of_the_roadmap(roadmap):
    assert set(Indicator.objects.values_list("slug", flat=True)) == set(STATED)


@pytest.mark.parametrize("slug", list(STATED))
def test_each_figure_quotes_its_sentence_and_says_what_it_says(roadmap, slug):
    indicator = Indicator.objects.select_related("baseline_source").get(slug=slug)
    words, value, qualifier = STATED[slug]
    paragraph = paragraphs()[indicator.baseline_paragraph]

    assert indicator.baseline_source.slug == "paris-roadmap-2019"
    assert indicator.baseline_quote in sentences(paragraph)
    assert words in indicator.baseline_quote
    assert meaning(words) == (Decimal(value), qualifier)
    assert (indicator.baseline_value, indicator.baseline_qualifier) == (Decimal(value), qualifier)


@pytest.mark.parametrize("number", [2, 11])
def test_no_figure_of_paragraphs_2_and_11_is_left_out(roadmap, number):
    paragraph = paragraphs()[number]
    for date in NOT_FIGURES:
        paragraph = paragraph.replace(date, "")
    stated = [words for words, _, _ in STATED.values()]

    left_out = [
        found for found in NUMBER.findall(paragraph) if not any(found in words for words in stated)
    ]

    assert left_out == []


def test_no_other_paragraph_states_a_figure():
    # Paragraph 10's "since 2014" is a date and paragraph 7's "sixth review" an ordinal.
    others = {n: text for n, text in paragraphs().items() if n not in (2, 11)}

    found = {n: NUMBER.findall(text.replace("since 2014", "")) for n, text in others.items()}

    assert {n: numbers for n, numbers in found.items() if numbers} == {
        1: ["2018", "2019"],  # "February 2018", "February 2019": dates
        9: ["2254"],  # "UN Security Council 2254": a resolution's number
    }


def test_a_figure_is_written_with_its_qualifier(roadmap):
    phrases = dict(Indicator.objects.values_list("slug", "baseline_value"))
    shown = {
        indicator.slug: indicator.baseline_phrase
        for indicator in Indicator.objects.filter(slug__in=phrases)
    }

    assert shown == {
        "years-of-military-and-civilian-action": "more than 4 years",
        "territory-controlled-at-peak": "nearly 110,000 square kilometres",
        "foreign-terrorist-fighters-attracted": "more than 40,000 people",
        "people-freed": "more than 7.7 million people",
        "humanitarian-and-stabilization-assistance-raised": "approximately US$20 billion",
        "security-and-police-personnel-trained": "more than 210,000 personnel",
        "local-partners-killed": "at least 20,000 people",
        "coalition-service-members-killed": "at least 46 people",
        "coalition-members": "80",
        "coalition-working-groups": "4",
    }


def test_figures_belong_to_the_commitment_they_measure_or_to_the_context(roadmap):
    belongs = dict(Indicator.objects.values_list("slug", "commitment__code"))

    assert {slug: code for slug, code in belongs.items() if code} == {
        "humanitarian-and-stabilization-assistance-raised": "HUM-1",
        "coalition-members": "POL-7",
        "coalition-working-groups": "POL-7",
    }
    assert set(Indicator.objects.context().values_list("slug", flat=True)) == {
        slug for slug, code in belongs.items() if code is None
    }

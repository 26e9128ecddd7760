"""The status vocabulary (values, labels, order, colours) is defined once, in the models, and
served by the API to the dashboard; the admin uses the same."""

import math
import re
from pathlib import Path

import pytest
from django.conf import settings

from commitments.models import STATUS_COLOURS, Status

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def test_the_api_serves_every_status_in_display_order_with_its_label_and_colour(api):
    response = api.get("/api/v1/statuses/")

    assert response.status_code == 200
    assert [(row["value"], row["label"]) for row in response.json()] == [
        ("completed", "Completed"),
        ("on_track", "On track"),
        ("not_started", "Not started"),
        ("at_risk", "At risk"),
        ("off_track", "Off track"),
        ("discontinued", "Discontinued"),
        ("not_assessed", "Not assessed"),
    ]
    assert {row["value"]: row["colour"] for row in response.json()} == STATUS_COLOURS
    assessable = {row["value"] for row in response.json() if row["assessable"]}
    assert assessable == set(Status.values) - {"not_assessed"}
    assert "ETag" in response


def test_every_status_has_a_colour_that_white_text_reads_on():
    assert set(STATUS_COLOURS) == set(Status)
    for status, colour in STATUS_COLOURS.items():
        assert contrast_with_white(colour) >= 4.5, status


def served_colours(api, client):
    """{status: colour} as the API serves them to the dashboard and as /briefing/statuses.css
    serves them to the briefing page; the test fails if the two disagree."""
    from_api = {row["value"]: row["colour"] for row in api.get("/api/v1/statuses/").json()}
    css = client.get("/briefing/statuses.css").content.decode()
    from_css = dict(re.findall(r"\.status-(\w+) \{ background-color: (#[0-9a-f]{6}); \}", css))
    assert from_css == from_api
    return from_api


def test_the_colours_served_carry_white_text_at_wcag_aa(api, client):
    colours = served_colours(api, client)

    assert set(colours) == set(Status.values)
    assert {status: contrast_with_white(colour) >= 4.5 for status, colour in colours.items()} == (
        dict.fromkeys(Status.values, True)
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("not_started", "discontinued"),
        ("not_started", "not_assessed"),
        ("discontinued", "not_assessed"),
    ],
)
def test_not_started_discontinued_and_not_assessed_are_told_apart(api, client, one, other):
    colours = served_colours(api, client)

    # CIE76 distance: about 2 is just noticeable; the three greys they were stood 9 to 21 apart.
    assert colour_distance(colours[one], colours[other]) >= 25


ADMIN_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "commitments/admin").glob("*.py"))


@pytest.mark.parametrize("path", ["static/dashboard/dashboard.js", *ADMIN_MODULES])
def test_no_other_code_defines_a_label_or_a_colour_of_its_own(path):
    text = (ROOT / path).read_text()

    for status in Status:
        assert f'"{status.label}"' not in text, (path, status.label)
        assert STATUS_COLOURS[status] not in text.lower(), (path, status)


def test_the_stylesheet_has_no_rule_or_colour_per_status():
    text = (ROOT / "static/dashboard/dashboard.css").read_text()

    for status in Status:
        assert f".status-{status.value}" not in text
        assert f"--{status.value}:" not in text


def contrast_with_white(colour):
    """WCAG 2 contrast ratio of white on `colour` ("#rrggbb")."""
    channels = [int(part, 16) / 255 for part in re.findall("..", colour[1:])]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def colour_distance(one, other):
    """CIE76 distance (ΔE*ab) between two sRGB colours ("#rrggbb"), in CIELAB under D65."""
    return math.dist(cielab(one), cielab(other))


def cielab(colour):
    channels = [int(part, 16) / 255 for part in re.findall("..", colour[1:])]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = [
        t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz
    ]
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))

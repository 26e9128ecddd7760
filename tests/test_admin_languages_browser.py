"""The admin's scripts in French, in a real browser: their words from the admin's JavaScript
catalog, their numbers written as French writes them."""

import pytest

from tests.test_admin_browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_amount_is_shown_in_french_words_as_it_is_typed(page, roadmap, analyst):
    sign_in(page, analyst)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": page.url}])
    page.goto("/admin/commitments/contribution/add/")
    words = page.locator("#id_amount + .number-words")

    page.fill("#id_amount", "21,500,000,000")
    assert words.inner_text() == "21,5 milliards"
    page.fill("#id_amount", "1,234,567")
    assert words.inner_text() == "environ 1,235 million"
    page.fill("#id_amount", "21,5")
    assert "un point pour les décimales" in words.inner_text()
    screenshot(page, "amount-in-french-words")

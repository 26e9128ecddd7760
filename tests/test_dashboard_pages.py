"""The dashboard's pages as the server sends them: a shell whose every asset is the site's own."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/commitments/MIL-1/", "/contributions/"])
def test_every_asset_of_a_dashboard_page_is_served_by_the_project(client, url):
    page = client.get(url).content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/dashboard/dashboard.js" in assets
    assert "/static/dashboard/dashboard.css" in assets
    assert not [asset for asset in assets if asset.startswith(("http:", "https:", "//"))]
    for asset in [asset for asset in assets if asset.startswith("/static/")]:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_the_commitment_page_tells_the_script_which_commitment(client):
    page = client.get("/commitments/GLB-2.3/").content.decode()

    assert 'data-commitment="GLB-2.3"' in page
    assert 'data-api-root="/api/v1/"' in page


def test_only_staff_get_a_link_to_the_admin(client, analyst):
    assert 'href="/admin/"' not in client.get("/").content.decode()

    client.force_login(analyst)

    assert 'href="/admin/"' in client.get("/").content.decode()


def test_the_dashboard_names_its_feed_of_updates_for_feed_readers(client):
    page = client.get("/").content.decode()

    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Paris Roadmap tracker: status updates" href="/feeds/updates/">'
    ) in page


def test_the_contributions_page_is_drawn_by_a_module_the_project_serves(client):
    page = client.get("/contributions/").content.decode()

    module = re.search(r'data-module="([^"]+)"', page).group(1)
    assert module == "/static/dashboard/contributions.js"
    response = client.get(module)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    response.close()
    assert 'data-page="contributions"' in page
    assert "<title>Contributions · Paris Roadmap tracker</title>" in page


@pytest.mark.parametrize("url", ["/", "/commitments/MIL-1/", "/contributions/"])
def test_every_dashboard_page_links_to_the_commitments_and_the_contributions(client, url):
    page = client.get(url).content.decode()

    assert '<a href="/">Commitments</a>' in page or (
        '<a href="/" aria-current="page">Commitments</a>' in page
    )
    assert '<a href="/contributions/"' in page
    assert ('<a href="/contributions/" aria-current="page">' in page) == (url == "/contributions/")

"""The dashboard's panels: each app registers its own for the kinds it serves."""

import pytest
from django.urls import reverse

from organisations import dashboard
from organisations.choices import OrganisationKind
from organisations.dashboard import dashboard_panels, latest_and_count, register_panel
from organisations.models import Site
from tests.conftest import member


@pytest.fixture
def panel_registry(monkeypatch):
    """A registry the test may add to, restored afterwards."""
    monkeypatch.setattr(dashboard, "_panels", dict(dashboard._panels))
    return dashboard._panels


def test_every_kind_has_panels_from_the_apps_that_serve_it(commune, partner, territory, buyer):
    # when
    names = {
        organisation.kind: [panel.name for panel in dashboard_panels(organisation)]
        for organisation in (commune, partner, territory, buyer)
    }

    # then
    assert names == {
        OrganisationKind.COMMUNE: [
            "inventory-commune-awaiting",
            "inventory-commune-states",
            "reuse-commune-claims",
            "reuse-pickups",
            "procurement-commune-campaigns",
            "procurement-orders",
            "procurement-deliveries",
            "procurement-returns",
        ],
        OrganisationKind.PARTNER: [
            "inventory-partner-claimable",
            "inventory-partner-held",
            "reuse-partner-claims",
            "reuse-pickups",
            "procurement-partner-offers",
            "procurement-orders",
            "procurement-deliveries",
            "procurement-donations",
            "procurement-returns",
        ],
        OrganisationKind.TERRITORY: [
            "inventory-territory-states",
            "inventory-territory-awaiting",
            "procurement-territory-campaigns",
            "procurement-orders",
            "procurement-deliveries",
            "inventory-territory-by-commune",
        ],
        OrganisationKind.BUYER: [
            "procurement-buyer-campaigns",
            "organisations-sites",
            "organisations-members",
            "procurement-orders",
            "procurement-deliveries",
            "procurement-donations",
            "procurement-returns",
        ],
    }


def test_registering_a_name_again_replaces_the_panel(panel_registry, buyer):
    # given
    register_panel(
        "test-panel", kinds=[OrganisationKind.BUYER], template="a.html", context=dict, order=5
    )

    # when
    register_panel(
        "test-panel", kinds=[OrganisationKind.BUYER], template="b.html", context=dict, order=15
    )

    # then
    panels = [panel for panel in dashboard_panels(buyer) if panel.name == "test-panel"]
    assert [(panel.template, panel.order) for panel in panels] == [("b.html", 15)]


@pytest.mark.django_db
def test_a_registered_panel_shows_on_its_kind_of_dashboard_only(
    client, panel_registry, buyer, commune, tmp_path, settings
):
    # given
    (tmp_path / "test_panel.html").write_text(
        '<section class="card">Test panel for {{ organisation.name }}: {{ answer }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    register_panel(
        "test-panel",
        kinds=[OrganisationKind.BUYER],
        template="test_panel.html",
        context=lambda organisation: {"answer": 42},
        order=15,
    )

    # when
    client.force_login(member(buyer))
    buyer_page = client.get(reverse("dashboard")).content.decode()
    client.force_login(member(commune))
    commune_page = client.get(reverse("dashboard")).content.decode()

    # then
    assert f"Test panel for {buyer.name}: 42" in buyer_page
    sites = buyer_page.index('id="sites-title"')
    members = buyer_page.index('id="members-title"')
    assert sites < buyer_page.index("Test panel for") < members
    assert "Test panel for" not in commune_page


@pytest.mark.django_db
@pytest.mark.parametrize(("sites", "queries"), [(0, 1), (2, 1), (3, 1), (4, 2)])
def test_a_panel_counts_its_rows_only_when_it_cannot_show_them_all(
    sites, queries, buyer, django_assert_num_queries
):
    # given
    for number in range(sites):
        Site.objects.create(organisation=buyer, name=f"Site {number}", is_delivery=True)
    rows = Site.objects.filter(organisation=buyer, name__startswith="Site ").order_by("name")

    # when
    with django_assert_num_queries(queries):
        latest, count = latest_and_count(rows, 3)

    # then
    assert [site.name for site in latest] == [f"Site {number}" for number in range(min(sites, 3))]
    assert count == sites

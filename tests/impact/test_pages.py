"""The impact pages: an organisation's dashboard and the territory's, who may read which, the
factors page and its publication, the declared spend, and the declaration file."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from impact.models import DeclaredSpend, FactorVersion, ImpactReport
from organisations.choices import MembershipRole
from tests.conftest import member
from tests.french_typography import french_faults

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_a_commune_reads_its_dashboard_with_charts_and_tables(loop_2025, page_client, commune_user):
    # when
    response = page_client(commune_user).get(reverse("impact:dashboard"), {"year": 2025})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('src="data:image/svg+xml;base64,') == 4  # month, category, REEN, AGEC
    assert "REEN reuse rate" in page
    assert "202.6 – 220.3&#8239;kg" in page
    assert "60.0" in page  # the median
    assert "75%" in page  # 3 of 4 (W1 withdrawn)
    assert "Arcueil" not in page


def test_a_commune_may_not_read_another_commune_but_the_territory_may(
    loop_2025, page_client, commune_user, territory_user
):
    # when
    refused = page_client(commune_user).get(
        reverse("impact:organisation", kwargs={"slug": "arcueil"}), {"year": 2025}
    )
    allowed = page_client(territory_user).get(
        reverse("impact:organisation", kwargs={"slug": "arcueil"}), {"year": 2025}
    )

    # then
    assert refused.status_code == 404
    assert allowed.status_code == 200
    assert "Cachan" not in allowed.content.decode()


def test_the_territory_dashboard_has_every_commune_in_few_queries(
    loop_2025, page_client, territory_user, declare, django_assert_max_num_queries
):
    # given
    client = page_client(territory_user)
    with django_assert_max_num_queries(25) as before:
        response = client.get(reverse("impact:dashboard"), {"year": 2025})
    page = response.content.decode()
    assert "Arcueil" in page
    assert "Cachan" in page
    assert "Download the annual declaration (CSV)" in page

    # when: more devices
    declare(5, category="tablet")

    # then: the same number of queries
    with django_assert_max_num_queries(len(before)):
        client.get(reverse("impact:dashboard"), {"year": 2025})


def test_a_year_out_of_bounds_shows_this_year(page_client, commune_user):
    response = page_client(commune_user).get(reverse("impact:dashboard"), {"year": "1900"})
    assert response.status_code == 200


def test_a_territory_admin_publishes_and_others_may_not(page_client, territory, commune):
    # given
    admin = member(territory, MembershipRole.ADMIN)
    client = page_client(admin)
    form = client.get(reverse("impact:factors")).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update({"displacement_rate": "0.40", "note": "Nouvelle étude"})

    # when
    published = client.post(reverse("impact:factors"), data)

    # then
    assert published.status_code == 302
    assert FactorVersion.objects.current().displacement_rate == Decimal("0.40")

    # and a commune's admin is refused, nothing published
    refused = page_client(member(commune, MembershipRole.ADMIN)).post(
        reverse("impact:factors"), data
    )
    assert refused.status_code == 403
    assert FactorVersion.objects.count() == 2


def test_a_buyer_admin_declares_its_spend(page_client, buyer, buyer_user):
    # given
    admin = member(buyer, MembershipRole.ADMIN)
    data = {"year": "2025", "total_excl_vat": "1200.50", "recycled_content_excl_vat": "0"}

    # when
    staff = page_client(buyer_user).post(reverse("impact:spend"), data)
    saved = page_client(admin).post(reverse("impact:spend"), data)

    # then
    assert staff.status_code == 403
    assert saved.status_code == 302
    spend = DeclaredSpend.objects.get()
    assert (spend.buyer, spend.year, str(spend.total_excl_vat)) == (buyer, 2025, "1200.50")


def test_only_the_territory_downloads_the_declaration(page_client, territory_user, commune_user):
    url = reverse("impact:agec-declaration")
    assert page_client(commune_user).get(url, {"year": 2025}).status_code == 403
    response = page_client(territory_user).get(url, {"year": 2025})
    assert response.status_code == 200
    assert response.content.decode().startswith("siret;raison_sociale;annee;")


def test_the_report_pdf_is_asked_for_from_the_dashboard(
    loop_2025, page_client, commune_user, django_capture_on_commit_callbacks
):
    # given
    client = page_client(commune_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("impact:report", kwargs={"slug": "cachan"}) + "?year=2025")
    refused = client.post(reverse("impact:report", kwargs={"slug": "arcueil"}) + "?year=2025")

    # then
    assert response.status_code == 302
    report = ImpactReport.objects.get()
    assert report.document.state == "issued"
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == (
        "2025-01-01",
        "2025-12-31",
    )
    assert refused.status_code == 404
    assert ImpactReport.objects.count() == 1


def test_the_dashboards_read_as_french(loop_2025, client, territory_user, commune_user):
    # given: pages in French, their visible text without tags
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    texts = []
    for user in (territory_user, commune_user):
        client.force_login(user)
        for url in (reverse("impact:dashboard"), reverse("impact:factors")):
            page = client.get(url, {"year": 2025}).content.decode()
            body = page.split("<main", 1)[1]
            texts.append(html.unescape(re.sub(r"<[^>]+>", " ", body)))

    # then
    assert "Taux de réemploi REEN (décret 2023-266)" in texts[0]
    assert "202,6 – 220,3" in texts[2]
    faults = [str(fault) for text in texts for fault in french_faults(text)]
    assert faults == [], "\n".join(faults)

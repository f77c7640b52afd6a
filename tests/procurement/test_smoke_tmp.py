import pytest
from django.conf import settings
from django.urls import reverse

from procurement.services import campaign_close, commitment_submit
from tests.conftest import member


@pytest.fixture
def page_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.mark.django_db
def test_smoke(page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user, partner_user, groupement):
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    c = page_client(buyer_user)
    for url in [reverse("dashboard"), reverse("procurement:campaign-list"), reverse("procurement:campaign-detail", args=[campaign.pk]), reverse("procurement:commitment-edit", args=[campaign.pk]), reverse("procurement:offer-list"), reverse("procurement:offer-detail", args=[offer.pk]), reverse("procurement:order-list")]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    r = c.post(reverse("procurement:commitment-edit", args=[campaign.pk]), {f"quantity_{offer.pk}": "2", "delivery_site": buyer_site.pk, "contact_name": "A", "contact_email": "a@example.org", "siret": "73282932000074"})
    assert r.status_code == 302, r.content.decode()[:3000]
    c = page_client(territory_user)
    for url in [reverse("dashboard"), reverse("procurement:campaign-list"), reverse("procurement:campaign-detail", args=[campaign.pk]), reverse("procurement:campaign-allocation", args=[campaign.pk]), reverse("procurement:campaign-close", args=[campaign.pk]), reverse("procurement:campaign-cancel", args=[campaign.pk]), reverse("procurement:groupement-list"), reverse("procurement:groupement-detail", args=[groupement.pk]), reverse("procurement:campaign-new"), reverse("procurement:offer-list")]:
        r = c.get(url)
        assert r.status_code in (200, 302), (url, r.status_code)
    r = c.post(reverse("procurement:campaign-close", args=[campaign.pk]))
    assert r.status_code == 302
    for url in [reverse("procurement:campaign-detail", args=[campaign.pk]), reverse("procurement:campaign-allocation", args=[campaign.pk]), reverse("procurement:order-list")]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    from procurement.models import Order
    order = Order.objects.get()
    for u in (territory_user, buyer_user, partner_user):
        c = page_client(u)
        for url in [reverse("procurement:order-detail", args=[order.pk]), reverse("dashboard"), reverse("procurement:order-list")]:
            r = c.get(url)
            assert r.status_code == 200, (url, r.status_code)
    c = page_client(partner_user)
    for url in [reverse("procurement:offer-new"), reverse("procurement:offer-detail", args=[offer.pk]), reverse("procurement:offer-edit", args=[offer.pk])]:
        r = c.get(url)
        assert r.status_code in (200, 302), (url, r.status_code)
    from documents.models import Document
    d = Document.objects.get()
    print(d.number, d.state, d.failure_reason, d.title)
    assert d.state == "issued"
    import io
    from pypdf import PdfReader
    from django.core.files.storage import default_storage
    text = "\n".join(p.extract_text() for p in PdfReader(default_storage.open(d.file.name)).pages)
    print(text)
    open("/tmp/buying/po.txt","w").write(text)

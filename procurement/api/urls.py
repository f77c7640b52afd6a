from rest_framework.routers import SimpleRouter

from procurement.api.donations import DonationViewSet
from procurement.api.returns import ReturnViewSet
from procurement.api.views import (
    CampaignViewSet,
    DeliveryViewSet,
    InvoiceViewSet,
    OfferViewSet,
    OrderViewSet,
)

router = SimpleRouter()
router.register("offers", OfferViewSet, basename="api-offer")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("orders", OrderViewSet, basename="api-order")
router.register("deliveries", DeliveryViewSet, basename="api-delivery")
router.register("invoices", InvoiceViewSet, basename="api-invoice")
router.register("donations", DonationViewSet, basename="api-donation")
router.register("returns", ReturnViewSet, basename="api-return")

urlpatterns = router.urls

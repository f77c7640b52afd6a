from rest_framework.routers import SimpleRouter

from procurement.api.views import CampaignViewSet, OfferViewSet, OrderViewSet

router = SimpleRouter()
router.register("offers", OfferViewSet, basename="api-offer")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("orders", OrderViewSet, basename="api-order")

urlpatterns = router.urls

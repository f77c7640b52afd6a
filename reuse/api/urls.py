from rest_framework.routers import SimpleRouter

from reuse.api.views import ClaimViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="api-claim")

urlpatterns = router.urls

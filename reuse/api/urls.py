from rest_framework.routers import SimpleRouter

from reuse.api.views import ClaimViewSet, CollectionViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="api-claim")
router.register("collections", CollectionViewSet, basename="api-collection")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from documents.api.views import DocumentViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="api-document")

urlpatterns = router.urls

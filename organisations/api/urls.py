from rest_framework.routers import SimpleRouter

from organisations.api.views import OrganisationViewSet, SiteViewSet

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="api-organisation")
router.register("sites", SiteViewSet, basename="api-site")

urlpatterns = router.urls

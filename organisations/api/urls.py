from rest_framework.routers import SimpleRouter

from organisations.api.views import MembershipViewSet, OrganisationViewSet, SiteViewSet

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="api-organisation")
router.register("sites", SiteViewSet, basename="api-site")
router.register("memberships", MembershipViewSet, basename="api-membership")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from inventory.api.views import DeclarationViewSet, DeviceViewSet

router = SimpleRouter()
router.register("devices", DeviceViewSet, basename="api-device")
router.register("declarations", DeclarationViewSet, basename="api-declaration")

urlpatterns = router.urls

from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.api.imports import DeviceExportView, DeviceImportViewSet
from inventory.api.labels import LabelSheetAPIView
from inventory.api.views import DeclarationViewSet, DeviceViewSet

router = SimpleRouter()
router.register("devices", DeviceViewSet, basename="api-device")
router.register("declarations", DeclarationViewSet, basename="api-declaration")
router.register("imports", DeviceImportViewSet, basename="api-import")

urlpatterns = [
    # Before the router's routes, where "export" would be read as a device code.
    path("devices/export/", DeviceExportView.as_view(), name="api-device-export"),
    path("labels/", LabelSheetAPIView.as_view(), name="api-label-sheet"),
    *router.urls,
]

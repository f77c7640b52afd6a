from django.urls import path
from rest_framework.routers import SimpleRouter

from reuse.api.erasure import ErasureCertificateView, NwipeImportView
from reuse.api.refurbishment import (
    DeviceDiagnosesView,
    DeviceGradingsView,
    DeviceReadyView,
    DeviceRepairsView,
)
from reuse.api.views import ClaimViewSet, CollectionViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="api-claim")
router.register("collections", CollectionViewSet, basename="api-collection")

urlpatterns = [
    path(
        "devices/<str:code>/diagnoses/", DeviceDiagnosesView.as_view(), name="api-device-diagnoses"
    ),
    path("devices/<str:code>/repairs/", DeviceRepairsView.as_view(), name="api-device-repairs"),
    path("devices/<str:code>/gradings/", DeviceGradingsView.as_view(), name="api-device-gradings"),
    path("devices/<str:code>/ready/", DeviceReadyView.as_view(), name="api-device-ready"),
    path("erasures/nwipe/", NwipeImportView.as_view(), name="api-erasure-nwipe"),
    path(
        "erasure-certificates/",
        ErasureCertificateView.as_view(),
        name="api-erasure-certificate",
    ),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from reuse.api.erasure import (
    DeviceMediaView,
    ErasureCertificateView,
    MediumErasuresView,
    NwipeImportView,
)
from reuse.api.pickups import PickupViewSet
from reuse.api.recycling import WasteRecordViewSet
from reuse.api.refurbishment import (
    DeviceDiagnosesView,
    DeviceGradingsView,
    DeviceReadyView,
    DeviceRepairsView,
)
from reuse.api.views import (
    ClaimViewSet,
    CollectionViewSet,
    DeviceClaimView,
    DeviceReleaseView,
)

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="api-claim")
router.register("collections", CollectionViewSet, basename="api-collection")
router.register("pickups", PickupViewSet, basename="api-pickup")
router.register("waste-records", WasteRecordViewSet, basename="api-waste-record")

urlpatterns = [
    path("devices/<str:code>/claim/", DeviceClaimView.as_view(), name="api-device-claim"),
    path("devices/<str:code>/release/", DeviceReleaseView.as_view(), name="api-device-release"),
    path(
        "devices/<str:code>/diagnoses/", DeviceDiagnosesView.as_view(), name="api-device-diagnoses"
    ),
    path("devices/<str:code>/repairs/", DeviceRepairsView.as_view(), name="api-device-repairs"),
    path("devices/<str:code>/gradings/", DeviceGradingsView.as_view(), name="api-device-gradings"),
    path("devices/<str:code>/ready/", DeviceReadyView.as_view(), name="api-device-ready"),
    path("devices/<str:code>/media/", DeviceMediaView.as_view(), name="api-device-media"),
    path("media/<int:pk>/erasures/", MediumErasuresView.as_view(), name="api-medium-erasures"),
    path("erasures/nwipe/", NwipeImportView.as_view(), name="api-erasure-nwipe"),
    path(
        "erasure-certificates/",
        ErasureCertificateView.as_view(),
        name="api-erasure-certificate",
    ),
    *router.urls,
]

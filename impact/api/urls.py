from django.urls import path

from impact.api.views import IndicatorsView

urlpatterns = [
    path("indicators/", IndicatorsView.as_view(), name="api-indicators"),
]

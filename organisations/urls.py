from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisation/switch/", views.switch_organisation, name="organisation-switch"),
]

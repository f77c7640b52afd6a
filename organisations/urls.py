from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisation/switch/", views.switch_organisation, name="organisation-switch"),
    path("organisations/<slug:slug>/members/", views.members, name="organisation-members"),
    path(
        "organisations/<slug:slug>/members/<str:username>/unlock/",
        views.unlock_member,
        name="organisation-member-unlock",
    ),
]

from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisation/switch/", views.switch_organisation, name="organisation-switch"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<slug:slug>/sites/new/", views.site_new, name="organisation-site-new"),
    path(
        "organisations/<slug:slug>/sites/<int:pk>/edit/",
        views.site_edit,
        name="organisation-site-edit",
    ),
    path(
        "organisations/<slug:slug>/sites/<int:pk>/close/",
        views.site_close,
        name="organisation-site-close",
    ),
    path("organisations/<slug:slug>/members/", views.members, name="organisation-members"),
    path(
        "organisations/<slug:slug>/members/invite/",
        views.member_invite,
        name="organisation-member-invite",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/role/",
        views.member_role,
        name="organisation-member-role",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="organisation-member-remove",
    ),
    path(
        "organisations/<slug:slug>/members/<str:username>/unlock/",
        views.unlock_member,
        name="organisation-member-unlock",
    ),
]

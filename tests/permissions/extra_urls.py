"""The URL configuration with one page more, which the permission table does not know."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as configured


def new_page(request):
    return HttpResponse("Nouvelle page")


urlpatterns = [*configured, path("new-page/<int:pk>/", new_page, name="new-page")]

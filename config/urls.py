from django.urls import include, path

from dutyroom.api.v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("dutyroom.web.urls")),
]

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dutyroom.api"
    label = "api"

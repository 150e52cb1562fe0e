from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dutyroom.web"
    label = "web"

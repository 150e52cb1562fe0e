from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "dutyroom.common"
    label = "common"

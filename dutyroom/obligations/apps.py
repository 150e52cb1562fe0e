from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "dutyroom.obligations"
    label = "obligations"
    verbose_name = "时限"

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "dutyroom.alerts"
    label = "alerts"
    verbose_name = "提醒与送达"

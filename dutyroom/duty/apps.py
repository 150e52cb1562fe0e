from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "dutyroom.duty"
    label = "duty"
    verbose_name = "值班"

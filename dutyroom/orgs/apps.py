from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dutyroom.orgs"
    label = "orgs"
    verbose_name = "单位"

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "dutyroom.leads"
    label = "leads"
    verbose_name = "线索与舆情"

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dutyroom.reports"
    label = "reports"
    verbose_name = "报告与时限"

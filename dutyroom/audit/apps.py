from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dutyroom.audit"
    label = "audit"
    verbose_name = "审计"

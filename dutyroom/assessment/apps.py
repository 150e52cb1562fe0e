from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dutyroom.assessment"
    label = "assessment"
    verbose_name = "考评"

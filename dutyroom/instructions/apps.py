from django.apps import AppConfig


class InstructionsConfig(AppConfig):
    name = "dutyroom.instructions"
    label = "instructions"
    default_auto_field = "django.db.models.BigAutoField"

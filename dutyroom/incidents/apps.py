from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "dutyroom.incidents"
    label = "incidents"
    verbose_name = "突发事件"

    def ready(self) -> None:
        """Parse the configured rulebook now: a bad rulebook must stop start-up, naming the key and why."""
        from dutyroom.incidents.rulebooks import configured_rulebook

        configured_rulebook()

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dutyroom.assessment"
    label = "assessment"
    verbose_name = "考评"

    def ready(self) -> None:
        """Parse the assessment rulebook now: a bad scoring file must stop start-up, naming the key and why,
        not fail the first time someone opens the ranking."""
        from dutyroom.assessment.book import scoring_book

        scoring_book()

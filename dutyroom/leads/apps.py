from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class LeadsConfig(AppConfig):
    name = "dutyroom.leads"
    label = "leads"
    verbose_name = "线索与舆情"

    def ready(self) -> None:
        # Place names in leads are read against the installation's own unit tree (see ``leads.gazetteer``).
        from dutyroom.leads import dedup, gazetteer
        from dutyroom.orgs.models import Unit

        gazetteer.use(dedup.installation_gazetteer)
        post_save.connect(dedup.forget_gazetteer, sender=Unit, dispatch_uid="leads-gazetteer-save")
        post_delete.connect(dedup.forget_gazetteer, sender=Unit, dispatch_uid="leads-gazetteer-delete")

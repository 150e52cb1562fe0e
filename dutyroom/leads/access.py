"""Permission-checked reads of leads and watch terms (missing or forbidden → NotFound).

The duty room and city-wide readers see every lead; a verifier unit sees the leads it must verify; a
town sees leads about its territory; a sender sees what they sent.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dutyroom.accounts.models import User
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.leads.models import EarlyWarning, Lead, LeadDuplicate, WatchTerm
from dutyroom.orgs.selectors import unit_subtree_ids


def visible_leads(user: User) -> QuerySet[Lead]:
    qs = Lead.objects.select_related("area", "verifier_unit", "incident", "sender")
    if user.is_duty_room or user.sees_whole_city:
        return qs
    scope = Q(sender=user)
    if user.unit is not None:
        scope |= Q(verifiers__unit_id=user.unit_id) | Q(area_id__in=unit_subtree_ids(user.unit))
    return qs.filter(scope).distinct()


def access_lead(user: User, lead_id: int) -> Lead:
    lead = visible_leads(user).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("线索")
    return lead


def access_lead_duplicate(user: User, duplicate_id: int) -> LeadDuplicate:
    duplicate = LeadDuplicate.objects.select_related("lead").filter(pk=duplicate_id).first()
    if duplicate is None or not visible_leads(user).filter(pk=duplicate.lead_id).exists():
        raise NotFound("重复提示")
    return duplicate


def watch_terms_readable(user: User) -> QuerySet[WatchTerm]:
    """The watch list is the duty room's tool; city-wide readers may look, nobody else."""
    if not (user.is_duty_room or user.sees_whole_city):
        raise Forbidden("只有值班室可以查看舆情关注词", "only the duty room may see the watch list")
    return WatchTerm.objects.filter(deleted_at__isnull=True)


def access_watch_term(user: User, term_id: int) -> WatchTerm:
    term = watch_terms_readable(user).filter(pk=term_id).first()
    if term is None:
        raise NotFound("关注词")
    return term


def warnings_readable(user: User) -> QuerySet[EarlyWarning]:
    """Early warnings and the stage report go to the duty room (city-wide readers may look)."""
    if not (user.is_duty_room or user.sees_whole_city):
        raise Forbidden("只有值班室可以查看舆情预警", "only the duty room may see public-opinion warnings")
    return EarlyWarning.objects.all()


def access_warning(user: User, warning_id: int) -> EarlyWarning:
    if not (user.is_duty_room or user.sees_whole_city):
        raise NotFound("预警")
    warning = EarlyWarning.objects.filter(pk=warning_id).first()
    if warning is None:
        raise NotFound("预警")
    return warning

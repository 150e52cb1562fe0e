"""Permission-checked reads of the alerts package (missing or forbidden → NotFound)."""

from __future__ import annotations

from django.db.models import QuerySet

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.models import Chase, Delivery, Notification, Webhook
from dutyroom.common.errors import NotFound
from dutyroom.orgs.selectors import unit_subtree_ids
from dutyroom.reports.access import visible_obligations


def visible_notifications(user: User) -> QuerySet[Notification]:
    """A person sees only their own inbox."""
    return Notification.objects.select_related("event").filter(user=user)


def access_notification(user: User, notification_id: int) -> Notification:
    found = visible_notifications(user).filter(pk=notification_id).first()
    if found is None:
        raise NotFound("通知")
    return found


def visible_webhooks(user: User) -> QuerySet[Webhook]:
    if user.role != Role.ADMIN:
        return Webhook.objects.none()
    return Webhook.objects.filter(active=True)


def access_webhook(user: User, webhook_id: int) -> Webhook:
    found = visible_webhooks(user).filter(pk=webhook_id).first()
    if found is None:
        raise NotFound("Webhook")
    return found


def visible_deliveries(user: User) -> QuerySet[Delivery]:
    """The duty room and admins watch delivery (failed messages must be seen and retried)."""
    if not (user.is_duty_room or user.role == Role.ADMIN):
        return Delivery.objects.none()
    return Delivery.objects.select_related("event", "user", "webhook")


def access_delivery(user: User, delivery_id: int) -> Delivery:
    found = visible_deliveries(user).filter(pk=delivery_id).first()
    if found is None:
        raise NotFound("发送记录")
    return found


def visible_chases(user: User) -> QuerySet[Chase]:
    qs = Chase.objects.select_related("obligation", "unit", "by", "obligation__incident")
    if user.is_duty_room or user.sees_whole_city:
        return qs
    if user.unit is None:
        return qs.none()
    return qs.filter(unit_id__in=unit_subtree_ids(user.unit), obligation__in=visible_obligations(user))

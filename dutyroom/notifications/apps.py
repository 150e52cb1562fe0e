from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dutyroom.notifications"
    label = "notifications"
    verbose_name = "通知"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dutyroom.accounts"
    label = "accounts"
    verbose_name = "用户"

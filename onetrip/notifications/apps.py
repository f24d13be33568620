from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "onetrip.notifications"
    label = "notifications"
    verbose_name = "Notifications"

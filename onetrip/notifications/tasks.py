from django_tasks import task

from onetrip.notifications import services


@task()
def deliver_sms(message_id: int) -> None:
    services.deliver_sms(message_id)

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.pages import add_domain_errors, staff_page
from onetrip.notifications import services
from onetrip.notifications.forms import PreferenceForm
from onetrip.notifications.models import (
    Channel,
    Notification,
    NotificationStatus,
    SandboxMessage,
)
from onetrip.web.sessions import patient_page, signed_in_account


@staff_page("notifications.view_sandboxmessage")
def sandbox(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """What the sandbox adapters would have sent, one channel at a time (SMS first). It holds
    every sign-in code, so it needs a staff sign-in with the permission in every mode, the demo
    included (D57)."""
    channel = request.GET.get("channel", Channel.SMS)
    if channel not in Channel.values:
        channel = Channel.SMS
    context = {
        "channel": channel,
        "channels": Channel.choices,
        "sandbox_messages": SandboxMessage.objects.filter(channel=channel)[:100],
        "waiting": Notification.objects.filter(status=NotificationStatus.QUEUED).count(),
        "failed": Notification.objects.filter(status=NotificationStatus.FAILED).count(),
    }
    return render(request, "notifications/sandbox.html", context)


@patient_page
def patient_preferences(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """How and when my phone is told (phone page)."""
    account = signed_in_account(request)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.set_preferences(form.to_input(), phone=account.phone, actor=actor)
            except InvalidInput as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("patient-notification-preferences")
    else:
        form = PreferenceForm.initial_from(services.preferences_of(account.phone))
    return render(
        request, "notifications/patient_preferences.html", {"form": form, "account": account}
    )


@patient_page
def patient_messages(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """消息: every notice sent to this phone, newest first, in the words it was sent in."""
    account = signed_in_account(request)
    return render(
        request,
        "notifications/patient_messages.html",
        {"notices": services.sent_to(account.phone)},
    )

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.pages import add_domain_errors
from onetrip.notifications import services
from onetrip.notifications.forms import PreferenceForm
from onetrip.notifications.models import (
    Channel,
    Notification,
    NotificationStatus,
    SandboxMessage,
)
from onetrip.web.sessions import patient_page, signed_in_account


def sandbox(request: HttpRequest) -> HttpResponse:
    """What the sandbox adapters would have sent, one channel at a time (SMS first)."""
    # In the demo and in development anyone may read the sandbox phone (that is how a tester
    # gets a sign-in code); in production only staff holding the permission.
    if not settings.DEBUG and not request.user.has_perm("notifications.view_sandboxmessage"):
        return redirect_to_login(request.get_full_path())
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
                services.set_preferences(form.to_input(), actor=actor)
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

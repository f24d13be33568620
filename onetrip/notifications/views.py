from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.notifications.models import SmsMessage


def sms_sandbox(request: HttpRequest) -> HttpResponse:
    # In the demo and in development anyone may read the sandbox phone (that is how a tester
    # gets a sign-in code); in production only staff holding the permission.
    if not settings.DEBUG and not request.user.has_perm("notifications.view_smsmessage"):
        return redirect_to_login(request.get_full_path())
    messages = SmsMessage.objects.all()[:100]
    return render(request, "notifications/sms_sandbox.html", {"sms_messages": messages})

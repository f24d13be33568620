from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.notifications.models import SmsMessage


def _sms_sandbox(request: HttpRequest) -> HttpResponse:
    messages = SmsMessage.objects.all()[:100]
    return render(request, "notifications/sms_sandbox.html", {"sms_messages": messages})


# In the demo and in development anyone may read the sandbox phone (that is how a tester gets a
# sign-in code); in production only staff holding the permission.
sms_sandbox = (
    _sms_sandbox
    if settings.DEBUG
    else permission_required("notifications.view_smsmessage")(_sms_sandbox)
)

"""A hotline in Django, as the Django tutorials write it, in one file: the settings, the URLs
and the views. Callers wait in a conference; the app dials the on-call engineer with
``calls.create`` when the first caller joins. Every webhook's signature is checked.

conference-sim drives it in-process: ``conference-sim check hotline.yaml`` (its ``app:`` is
``hotline:application``, the WSGI handler below).
"""

from __future__ import annotations

import os

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="conference-sim-guide",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["app.example", "localhost", "127.0.0.1"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    USE_TZ=True,
)
django.setup()

from django.core.exceptions import PermissionDenied  # noqa: E402 - after settings, as Django wants
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
from twilio.rest import Client  # noqa: E402
from twilio.twiml.voice_response import Dial, VoiceResponse  # noqa: E402

ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef")
AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "django-guide-token")
ON_CALL = "client:oncall"
HOTLINE = "+15559990000"
dialled: set[str] = set()


def signed(view):  # type: ignore[no-untyped-def]
    @csrf_exempt
    def check(request: HttpRequest) -> HttpResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        url = request.build_absolute_uri()
        if not RequestValidator(AUTH_TOKEN).validate(url, request.POST.dict(), signature):
            raise PermissionDenied
        return view(request)

    return check


def twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


@signed
def voice(request: HttpRequest) -> HttpResponse:
    response = VoiceResponse()
    dial = Dial()
    dial.conference(
        "hotline",
        start_conference_on_enter=False,
        status_callback=request.build_absolute_uri("/events"),
        status_callback_event="join leave",
    )
    response.append(dial)
    return twiml(response)


@signed
def events(request: HttpRequest) -> HttpResponse:
    if request.POST.get("StatusCallbackEvent") == "participant-join" and not dialled:
        dialled.add(request.POST["ConferenceSid"])
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.calls.create(to=ON_CALL, from_=HOTLINE, url=request.build_absolute_uri("/oncall"))
    return HttpResponse(status=204)


@signed
def oncall(request: HttpRequest) -> HttpResponse:
    response = VoiceResponse()
    dial = Dial()
    dial.conference("hotline", start_conference_on_enter=True, end_conference_on_exit=True)
    response.append(dial)
    return twiml(response)


@signed
def broken(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(1 / 0))


urlpatterns = [
    path("voice", voice),
    path("events", events),
    path("oncall", oncall),
    path("broken", broken),
]
application = get_wsgi_application()

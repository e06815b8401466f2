"""Sessions on shared school computers: signed out after SESSION_IDLE_MINUTES without a request.

The browser-close and absolute limits are Django's (SESSION_EXPIRE_AT_BROWSER_CLOSE, SESSION_COOKIE_AGE).
The idle limit needs the time of the last request in the session; it is written at sign-in and then
at most once a minute, so an ordinary page view does not rewrite the session row.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

LAST_SEEN = "campus_last_seen"
REFRESH_SECONDS = 60


@receiver(user_logged_in)
def _mark_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


class IdleSessionMiddleware:
    """After AuthenticationMiddleware: ends an idle signed-in session before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)  # the page then asks for sign-in as for anyone signed out
            elif last_seen is None or now - last_seen >= REFRESH_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

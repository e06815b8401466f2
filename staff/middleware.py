from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's saved language applies when this browser has not chosen one itself.

    LocaleMiddleware decides from the language cookie or the browser's Accept-Language; a
    person who chose English on another device (User.language) gets English here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

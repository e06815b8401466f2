"""Request plumbing that belongs to no app."""

from django.conf import settings

from config.api import api_error_response, is_api_request


class ApiBodyLimitMiddleware:
    """An API request whose body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` gets a JSON 413 before anything
    reads it. Django's own check runs only where Django parses the body (forms); DRF's JSON and form
    parsers read the stream themselves. Multipart bodies are left to Django's limits, which count the
    fields and not the uploaded files (a leave's proof may be larger)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api_request(request) and not request.content_type.startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                from django.core.exceptions import RequestDataTooBig

                return api_error_response(413, RequestDataTooBig())
        return self.get_response(request)

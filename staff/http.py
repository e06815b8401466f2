"""The type of a request behind ``login_required``.

Django types ``request.user`` as ``User | AnonymousUser``; a view that only a signed-in account
reaches (``@login_required``, or a class view with ``LoginRequiredMixin``) annotates its request as
``SignedInRequest`` so its ``request.user`` is the account and can be handed to a service as the
actor. The decorator is what makes the annotation true: a view without it keeps ``HttpRequest``.
"""

from django.http import HttpRequest

from staff.models import User


class SignedInRequest(HttpRequest):
    user: User

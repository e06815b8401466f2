"""Pages of the sso app, mounted at /. The OpenID Connect flow itself keeps mozilla-django-oidc's
URLs (/oidc/authenticate/, /oidc/callback/) from config/urls.py, with this app's view classes
plugged in through OIDC_AUTHENTICATE_CLASS and OIDC_CALLBACK_CLASS.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from sso import views

app_name = "sso"
urlpatterns = [
    path("sso/bind/", views.bind, name="bind"),
    path("sso/profile/", views.profile, name="profile"),
    path("sso/bindings/", views.school_bindings, name="bindings"),
    path("sso/bindings/policy/", views.binding_policy, name="binding_policy"),
    path("sso/bindings/<id:identity_id>/unbind/", views.binding_unbind, name="binding_unbind"),
    path("sso/bindings/<id:identity_id>/bind/", views.binding_bind, name="binding_bind"),
    path("sso/bindings/staff/<id:staff_id>/preregister/", views.binding_preregister, name="binding_preregister"),
    path("sso/lockouts/", views.lockouts, name="lockouts"),
    path("sso/lockouts/address/", views.lockout_unlock_address, name="lockout_unlock_address"),
    path("sso/lockouts/<id:staff_id>/unlock/", views.lockout_unlock, name="lockout_unlock"),
    # Local accounts: password reset by email with Django's expiring one-time link.
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("sso:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

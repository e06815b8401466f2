"""Kaohsiung-shaped claims for django-oauth-toolkit's OIDC provider."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from sso.standin.models import PortalAccount
from sso.standin.subjects import pairwise_sub


class KaohsiungClaims(OAuth2Validator):
    # Which scope releases which claim (DOT filters the claims by the granted scopes).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "kh_profile": "kh_profile", "kh_titles": "kh_titles"}

    def get_additional_claims(self, request):
        account = PortalAccount.objects.get(user=request.user)
        return {
            # Pairwise: replaces DOT's default sub (the user's primary key).
            "sub": pairwise_sub(request.user.get_username(), request.client.client_id),
            "name": account.fullname,
            "email": account.email,
            "kh_profile": {
                "fullname": account.fullname,
                "email": account.email,
                "schoolid": account.school_code,
                "schools": account.schools,
            },
            "kh_titles": account.titles,
        }

"""Every way a bearer token can fail is a 401; a good one becomes the request principal."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from rest_framework_simplejwt import state
from rest_framework_simplejwt.backends import TokenBackend

pytestmark = [pytest.mark.urls("tests.tenants.urls"), pytest.mark.django_db]

WHOAMI = "/api/probe/whoami"


def _get(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.get(WHOAMI)


def _claims(application, **extra):
    claims = {
        "user_id": "agent-1",
        "roles": ["ROLE_AGENT"],
        "application_id": str(application.pk),
        "organization_id": application.organization_id,
        "token_type": "access",
        "jti": uuid.uuid4().hex,
        "exp": 4102444800,  # 2100-01-01
        "iat": 1700000000,
    }
    claims.update(extra)
    return {key: value for key, value in claims.items() if value is not None}


def _assert_401(response):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["status"] == 401 and body["error"] == "Unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_exposes_the_principal(api_client, application, make_token):
    token = make_token("ROLE_CUSTOMER", user_id="cust-9", conference_id="appt-1")
    response = _get(api_client, token)
    assert response.status_code == 200
    assert response.json() == {
        "userId": "cust-9",
        "roles": ["ROLE_CUSTOMER"],
        "applicationId": str(application.pk),
        "organizationId": "org-acme",
        "conferenceId": "appt-1",
    }


def test_missing_token_is_401(api_client):
    _assert_401(api_client.get(WHOAMI))


def test_non_bearer_scheme_is_401(api_client, make_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token('ROLE_AGENT')}")
    _assert_401(api_client.get(WHOAMI))


def test_expired_token_is_401(api_client, application):
    token = jwt.encode(_claims(application, exp=1700000001), settings.SECRET_KEY, algorithm="HS256")
    _assert_401(_get(api_client, token))


def test_wrongly_signed_token_is_401(api_client, application):
    token = jwt.encode(
        _claims(application), "not-the-signing-key-but-long-enough-for-hs256", algorithm="HS256"
    )
    _assert_401(_get(api_client, token))


def test_alg_none_token_is_401(api_client, application):
    token = jwt.encode(_claims(application), key=None, algorithm="none")
    _assert_401(_get(api_client, token))


def test_token_without_application_id_is_401(api_client, application):
    token = jwt.encode(_claims(application, application_id=None), settings.SECRET_KEY, algorithm="HS256")
    _assert_401(_get(api_client, token))


def test_token_for_unknown_application_is_401(api_client, application):
    claims = _claims(application, application_id=str(uuid.uuid4()), roles=["ROLE_SUPERVISOR"])
    _assert_401(_get(api_client, jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")))


def test_token_with_malformed_application_id_is_401(api_client, application):
    claims = _claims(application, application_id="not-a-uuid")
    _assert_401(_get(api_client, jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")))


def test_refresh_token_type_is_401(api_client, application):
    token = jwt.encode(_claims(application, token_type="refresh"), settings.SECRET_KEY, algorithm="HS256")
    _assert_401(_get(api_client, token))


def test_organization_defaults_to_the_applications(api_client, application):
    token = jwt.encode(_claims(application, organization_id=None), settings.SECRET_KEY, algorithm="HS256")
    assert _get(api_client, token).json()["organizationId"] == "org-acme"


@pytest.fixture
def rsa_keys():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@pytest.fixture
def use_backend(monkeypatch):
    """Swap simplejwt's token backend, as settings would at start-up."""

    def _use(**kwargs):
        monkeypatch.setattr(state, "token_backend", TokenBackend(**kwargs))

    return _use


def test_rs256_tokens_minted_elsewhere_verify_with_the_public_key(
    api_client, application, rsa_keys, use_backend
):
    private_pem, public_pem = rsa_keys
    use_backend(algorithm="RS256", verifying_key=public_pem)
    token = jwt.encode(_claims(application), private_pem, algorithm="RS256")
    assert _get(api_client, token).status_code == 200


def test_rs256_rejects_a_token_signed_by_another_key(api_client, application, rsa_keys, use_backend):
    _, public_pem = rsa_keys
    use_backend(algorithm="RS256", verifying_key=public_pem)
    other_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _assert_401(_get(api_client, jwt.encode(_claims(application), other_private, algorithm="RS256")))


def test_rs256_rejects_an_hs256_token_signed_with_the_public_key(
    api_client, application, rsa_keys, use_backend
):
    # The classic algorithm-confusion attack: the verifier must not accept HS256 at all.
    _, public_pem = rsa_keys
    use_backend(algorithm="RS256", verifying_key=public_pem)

    # PyJWT refuses to sign HS256 with a PEM key, so forge the token by hand.
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{b64(json.dumps(_claims(application)).encode())}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    _assert_401(_get(api_client, f"{signing_input}.{b64(signature)}"))


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [
        ({"aud": "appointments", "iss": "https://idp.example"}, True),
        ({"aud": "someone-else", "iss": "https://idp.example"}, False),
        ({"aud": "appointments", "iss": "https://evil.example"}, False),
        ({}, False),
    ],
)
def test_audience_and_issuer_are_enforced_when_set(api_client, application, use_backend, extra, accepted):
    use_backend(
        algorithm="HS256",
        signing_key=settings.SECRET_KEY,
        audience="appointments",
        issuer="https://idp.example",
    )
    token = jwt.encode(_claims(application, **extra), settings.SECRET_KEY, algorithm="HS256")
    response = _get(api_client, token)
    assert (response.status_code == 200) is accepted, response.content


def test_minted_token_carries_the_contract_claims(application, make_token):
    token = make_token("ROLE_AGENT", "ROLE_SUPERVISOR", user_id="a-7", ttl=120)
    claims = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    assert claims["user_id"] == "a-7"
    assert claims["roles"] == ["ROLE_AGENT", "ROLE_SUPERVISOR"]
    assert claims["application_id"] == str(application.pk)
    assert claims["organization_id"] == "org-acme"
    assert claims["token_type"] == "access"
    assert {"exp", "iat", "jti"} <= claims.keys()
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(seconds=120)

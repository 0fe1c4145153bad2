"""create_application and mint_token print their result alone on stdout (CONTRACT.md section 3)."""

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.management import CommandError, call_command

from tenants.models import Application

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    stdout = StringIO()
    call_command(*args, stdout=stdout)
    return stdout.getvalue()


@pytest.mark.django_db
def test_create_application_prints_only_the_new_id():
    out = _run("create_application", "--name", "Acme", "--organization", "org-1", "--auto-activate")
    application = Application.objects.get(pk=uuid.UUID(out.strip()))
    assert out.strip() == str(application.pk)
    assert (application.name, application.organization_id) == ("Acme", "org-1")
    assert application.auto_activate is True
    assert application.notifications_active is False


@pytest.mark.django_db
def test_create_application_flags_and_kind():
    out = _run(
        "create_application",
        "--name",
        "T",
        "--organization",
        "o",
        "--notifications-active",
        "--kind",
        "talkdesk",
        "--default-region",
        "gr",
    )
    application = Application.objects.get(pk=out.strip())
    assert application.notifications_active and not application.auto_activate
    assert application.default_routing_type == "TALKDESK_DIGITAL_CONNECT"
    assert application.default_region == "GR"


@pytest.mark.django_db
def test_create_application_refuses_an_unknown_region():
    with pytest.raises(CommandError, match="default_region|region"):
        _run("create_application", "--name", "T", "--organization", "o", "--default-region", "XX")


@pytest.mark.django_db
def test_create_application_refuses_blank_names():
    with pytest.raises(CommandError, match="must not be empty"):
        _run("create_application", "--name", "  ", "--organization", "org")
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_mint_token_prints_a_token_with_the_requested_claims(application):
    out = _run(
        "mint_token",
        "--user",
        "agent-7",
        "--application",
        str(application.pk),
        "--role",
        "ROLE_AGENT",
        "--role",
        "ROLE_SUPERVISOR",
        "--ttl",
        "600",
    )
    claims = jwt.decode(out.strip(), settings.SECRET_KEY, algorithms=["HS256"])
    assert claims["user_id"] == "agent-7"
    assert claims["roles"] == ["ROLE_AGENT", "ROLE_SUPERVISOR"]
    assert claims["application_id"] == str(application.pk)
    assert claims["organization_id"] == application.organization_id
    assert claims["exp"] - claims["iat"] == 600


@pytest.mark.django_db
def test_mint_token_customer_with_conference_and_organization(application):
    out = _run(
        "mint_token",
        "--user",
        "c-1",
        "--application",
        str(application.pk),
        "--role",
        "ROLE_CUSTOMER",
        "--conference",
        "appt-42",
        "--organization",
        "org-other",
    )
    claims = jwt.decode(out.strip(), settings.SECRET_KEY, algorithms=["HS256"])
    assert claims["conference_id"] == "appt-42"
    assert claims["organization_id"] == "org-other"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--application", "{missing}"], "not found"),
        (["--application", "not-a-uuid"], "not found"),
        (["--application", "{app}", "--ttl", "0"], "--ttl"),
    ],
)
def test_mint_token_refuses_bad_input(application, args, reason):
    args = [a.format(app=application.pk, missing=uuid.uuid4()) for a in args]
    with pytest.raises(CommandError, match=reason):
        _run("mint_token", "--user", "u", "--role", "ROLE_AGENT", *args)


def _manage(*args, env=None):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **(env or {})}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def sqlite_db(tmp_path):
    """A migrated database file for commands run as real processes."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cmd.sqlite3'}"}
    assert _manage("migrate", "--noinput", env=env).returncode == 0
    return env


def test_commands_as_processes_print_result_alone_and_fail_with_one_line(sqlite_db):
    created = _manage("create_application", "--name", "Acme", "--organization", "org-1", env=sqlite_db)
    assert created.returncode == 0, created.stderr
    app_id = created.stdout.strip()
    assert created.stdout == f"{app_id}\n" and uuid.UUID(app_id)

    minted = _manage(
        "mint_token", "--user", "a", "--application", app_id, "--role", "ROLE_AGENT", env=sqlite_db
    )
    assert minted.returncode == 0, minted.stderr
    assert len(minted.stdout.strip().split(".")) == 3 and minted.stdout.count("\n") == 1

    refused = _manage(
        "mint_token", "--user", "a", "--application", str(uuid.uuid4()), "--role", "ROLE_AGENT", env=sqlite_db
    )
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "not found" in refused.stderr


def test_mint_token_signs_rs256_when_configured(sqlite_db):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {**sqlite_db, "JWT_ALGORITHM": "RS256", "JWT_SIGNING_KEY": private_pem}
    app_id = _manage("create_application", "--name", "A", "--organization", "o", env=env).stdout.strip()
    minted = _manage("mint_token", "--user", "a", "--application", app_id, "--role", "ROLE_ADMIN", env=env)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, private.public_key(), algorithms=["RS256"])
    assert claims["roles"] == ["ROLE_ADMIN"]

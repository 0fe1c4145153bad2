"""No Docker engine runs here: check docker-compose.yml itself against the settings it feeds."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _settings_env_names() -> set[str]:
    source = (ROOT / "config" / "settings" / "base.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source))


def test_production_topology_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_long_running_services_have_healthchecks(compose):
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert compose["services"][name].get("healthcheck", {}).get("test"), name
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_commands_run_gunicorn_celery_worker_and_beat(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert (ROOT / "Dockerfile").is_file()


def test_app_services_wait_for_healthy_dependencies_and_migrations(compose):
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_app_environment_names_are_settings_the_code_reads(compose):
    known = _settings_env_names()
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        assert set(environment) <= known, set(environment) - known
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG"} <= set(
        compose["services"]["web"]["environment"]
    )


def test_no_secret_is_written_in_the_file(compose):
    secretish = re.compile(r"(SECRET|PASSWORD|TOKEN|SIGNING_KEY)")
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if secretish.search(key):
                assert str(value).startswith("${") or "${" in str(value), f"{key} is written in the file"
    web_env = compose["services"]["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert web_env["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_long_running_services_are_restarted_when_they_exit(compose):
    # A worker or beat that dies (a broker outage, an OOM kill, kill -9) comes back by itself:
    # the pipeline's leases then recover its rows (docs/fault-tolerance.md). migrate runs once.
    services = compose["services"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name].get("restart") in {"unless-stopped", "always"}, name
    assert services["migrate"].get("restart") == "no"
    assert "--appendonly" in services["redis"]["command"], "Redis keeps its queue across a restart"

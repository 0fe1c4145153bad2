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
    # PROMETHEUS_MULTIPROC_DIR is read by prometheus_client itself (docs/operations.md).
    names = set(re.findall(r'env_(?:str|bool|int|list|counts)\(\s*"([A-Z0-9_]+)"', source))
    return names | {"PROMETHEUS_MULTIPROC_DIR"}


def test_production_topology_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_long_running_services_have_healthchecks(compose):
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert compose["services"][name].get("healthcheck", {}).get("test"), name


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return int(match.group(1))


def test_web_is_healthy_when_ready(compose):
    check = compose["services"]["web"]["healthcheck"]
    command = " ".join(check["test"])
    assert "http://127.0.0.1:8000/readyz" in command and check["test"][0] == "CMD"
    # The probe's own timeout fits inside the healthcheck's, and beat gets time for its first tick.
    probe_timeout = float(re.search(r"timeout=(\d+)", command).group(1))
    assert probe_timeout < _seconds(check["timeout"])
    assert _seconds(check["start_period"]) >= 3 * 20


def test_worker_answers_a_ping_and_beat_is_judged_by_its_tick_age(compose):
    worker = " ".join(compose["services"]["worker"]["healthcheck"]["test"])
    assert "celery -A config inspect ping --destination celery@$$HOSTNAME" in worker
    beat = compose["services"]["beat"]["healthcheck"]["test"]
    assert beat[:4] == ["CMD", "python", "manage.py", "pipeline_status"]
    # The command accepts exactly these options: a typo would make the check fail for ever.
    from notifications.management.commands.pipeline_status import Command

    options = Command().create_parser("manage.py", "pipeline_status").parse_args(beat[4:])
    assert options.ping_timeout == 0 and options.max_backlog_age == 0  # only the tick's age counts
    for name in ("worker", "beat"):
        check = compose["services"][name]["healthcheck"]
        assert _seconds(check["timeout"]) < _seconds(check["interval"]) and check.get("start_period"), name


def test_commands_run_the_benchmarked_web_server_celery_worker_and_beat(compose):
    services = compose["services"]
    assert services["web"]["command"][0] in {"gunicorn", "granian"}
    assert "config.wsgi:application" in services["web"]["command"]
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


def test_web_runs_the_serving_stack_the_api_benchmark_chose(compose):
    """docker-compose.yml serves what bench/appointments_api.py measured and made its default."""
    from bench.api_stacks import DEFAULT, STACKS

    stack = STACKS[DEFAULT]
    assert compose["services"]["web"]["command"] == stack.command("0.0.0.0", 8000, 3)  # noqa: S104
    assert stack.keeps_alive  # a client's connection is reused, not opened anew per request
    assert compose["services"]["web"]["ports"] == ["8000:8000"]


def test_the_web_server_is_pinned_in_the_runtime_requirements(compose):
    program = compose["services"]["web"]["command"][0]
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert any(re.fullmatch(rf"{program}==[0-9.]+", line.strip()) for line in pins), program


def test_long_running_services_are_restarted_when_they_exit(compose):
    # A worker or beat that dies (a broker outage, an OOM kill, kill -9) comes back by itself:
    # the pipeline's leases then recover its rows (docs/fault-tolerance.md). migrate runs once.
    services = compose["services"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name].get("restart") in {"unless-stopped", "always"}, name
    assert services["migrate"].get("restart") == "no"
    assert "--appendonly" in services["redis"]["command"], "Redis keeps its queue across a restart"


def test_the_web_processes_sum_their_metrics_in_a_folder_fresh_at_each_start(compose):
    web = compose["services"]["web"]
    folder = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert folder in web["tmpfs"]  # emptied by every container start: no count of a previous run
    assert web["environment"]["DATABASE_URL"] == compose["x-app"]["environment"]["DATABASE_URL"]

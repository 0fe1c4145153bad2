"""The README's "Getting a token" works pasted as is; no command ends in a traceback (issue 15, item 3)."""

import os
import re
import signal
import subprocess
from pathlib import Path

import jwt
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADING = "### Getting a token"
# What a fresh shell would not have: our settings, and whatever points elsewhere.
_NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "CELERY_BROKER_URL", "DATABASE_URL"}


def readme_token_commands() -> str:
    """The ```sh block of the README's "Getting a token" section that mints the token.

    (The section's other block creates `.venv` with pip, which the tests' own .venv has done.)
    """
    readme = (ROOT / "README.md").read_text()
    assert HEADING in readme, f"README.md has no {HEADING!r} section"
    section = re.split(r"\n## ", readme.split(HEADING, 1)[1], maxsplit=1)[0]
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", section, re.DOTALL) if "mint_token" in b]
    assert len(blocks) == 1, f"expected one sh block with mint_token under {HEADING!r}"
    return blocks[0]


def fresh_shell(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    """Feed `script` line by line to bash in the project folder, as a new user's terminal would."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED and not k.startswith("JWT_")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VAR_DIR": str(tmp_path / "var")}
    with subprocess.Popen(
        ["bash", "-eu", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as shell:
        try:
            stdout, stderr = shell.communicate(script, timeout=180)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.communicate()
            raise
    return subprocess.CompletedProcess(shell.args, shell.returncode, stdout, stderr)


def test_the_readmes_token_commands_print_a_token(tmp_path):
    assert (ROOT / ".venv/bin/python").exists(), "the README uses .venv (bin/dev, bin/test make it)"

    result = fresh_shell(tmp_path, readme_token_commands())

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    token = result.stdout.strip().splitlines()[-1]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["ROLE_AGENT"] and claims["user_id"] and claims["application_id"]


@pytest.mark.parametrize(
    "command",
    [
        "mint_token --user agent-1 --application 00000000-0000-0000-0000-000000000000 --role ROLE_AGENT",
        "create_application --name Acme --organization org-acme",
        "migrate --noinput",
        "demo",
        "",
    ],
)
def test_without_debug_or_a_secret_key_a_command_says_what_to_set(tmp_path, command):
    result = fresh_shell(tmp_path, f".venv/bin/python manage.py {command}\n")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: SECRET_KEY is not set"), lines

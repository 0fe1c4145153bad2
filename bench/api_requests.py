"""The requests the API benchmark sends: one file per operation, which bench/requests.lua replays.

Each line is a request: method, path, bearer token and JSON body, tab-separated
("-" for no token or no body).
"""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.api_operations import OPERATIONS, OUT


def request_files(data, lines: int = 20_000, samples: int = 20) -> tuple[dict[str, Path], dict[str, list]]:
    """One file of requests per operation (bench/requests.lua replays them), and a few more of each.

    Which appointments, agents and ranges come from a fixed seed; the times that
    creates and reschedules move to differ from run to run, so that a reschedule
    replayed from an earlier run still changes something.
    """
    drawer = _Drawer(data)
    made: dict[str, list[str]] = {name: [] for name in ["bare", "mixed", *(op[0] for op in OPERATIONS)]}
    for _ in range(lines + samples):
        for name, line in drawer.draw().items():
            made[name].append(line)
    for n in range(lines + samples):
        name = OPERATIONS[n % len(OPERATIONS)][0]
        made["mixed"].append(made[name][n])
    files = {}
    for name, rows in made.items():
        files[name] = OUT / f"requests-{name}.tsv"
        files[name].write_text("\n".join(rows[:lines]) + "\n")
    return files, {name: rows[lines:] for name, rows in made.items() if name != "mixed"}


def parse(line: str):
    method, path, bearer, body = line.rstrip("\n").split("\t")
    headers = {} if bearer == "-" else {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    return method, path, headers, (None if body == "-" else body)


class _Drawer:
    """Draws one request of each operation at a time, from the seeded and the unseeded generator."""

    def __init__(self, data):
        from tenants.roles import Role
        from tenants.services import token_mint

        self.rng, self.moves = random.Random(7), random.Random()
        self.supervisors = {
            app.pk: token_mint(user_id=f"supervisor-{app.organization_id}", application=app,
                               roles=[Role.SUPERVISOR], ttl_seconds=86_400)
            for app in data.applications
        }  # fmt: skip
        self.tokens = {}
        self.readers, self.movers = data.agents[0::2], data.agents[1::2] or data.agents

    def draw(self) -> dict[str, str]:
        """A line of each operation, drawn in the order written here (the files follow the seed's order)."""
        agent = self.rng.choice(self.readers)
        key, start = self.rng.choice(agent.appointments)
        token = self.agent_token(agent)
        return {
            "get": f"GET\t/api/appointments/{key}\t{token}\t-",
            "bare": f"GET\t/bench/bare/{key}\t-\t-",
            **self._lists(agent, start, token),
            "create": self._create(agent, token),
            "reschedule": self._reschedule(),
            "overlap": f"GET\t/api/appointments/overlap/count?{_tenant(agent)}"
            f"&start={_iso(self.slot(agent))}&duration=PT1H\t-\t-",
            "count": f"GET\t/api/appointments/count?{_tenant(agent)}"
            f"&start={_iso(self.slot(agent))}&timeFrame=PT10H\t-\t-",
        }

    def agent_token(self, agent) -> str:
        from tenants.roles import Role
        from tenants.services import token_mint

        if agent.user_id not in self.tokens:
            self.tokens[agent.user_id] = token_mint(
                user_id=agent.user_id, application=agent.application, roles=[Role.AGENT], ttl_seconds=86_400
            )
        return self.tokens[agent.user_id]

    def slot(self, agent) -> datetime:
        _key, start = self.rng.choice(agent.appointments)
        return start + timedelta(minutes=15 * self.moves.randrange(-96, 96))

    def _lists(self, agent, start: datetime, token: str) -> dict[str, str]:
        day = timedelta(days=1)
        begin = start - timedelta(hours=self.rng.randrange(0, 7 * 24))
        supervisor = (
            f"GET\t/api/appointments/?range={_iso(begin)},{_iso(begin + 7 * day)}&pageSize=25"
            f"\t{self.supervisors[agent.application.pk]}\t-"
        )
        begin = start - timedelta(hours=self.rng.randrange(0, 30 * 24))
        own = f"GET\t/api/appointments/?range={_iso(begin)},{_iso(begin + 30 * day)}&pageSize=25\t{token}\t-"
        return {"list_supervisor": supervisor, "list_agent": own}

    def _create(self, agent, token: str) -> str:
        body = {
            "applicationId": str(agent.application.pk),
            "start": _iso(self.slot(agent)),
            "duration": "PT30M",
            "timezone": "Europe/Berlin",
            "title": "Benchmark call",
            "customer": {
                "name": {"firstName": "Pat", "lastName": "Doe"},
                "contact": {"email": f"pat.{self.rng.randrange(10**9)}@example.com"},
            },
            "interaction": {
                "routing": {"type": "GENESYS_CLOUD_FLOW", "properties": {"deploymentId": "bench"}}
            },
        }
        return f"POST\t/api/appointments/\t{token}\t{json.dumps(body)}"

    def _reschedule(self) -> str:
        # Reschedules move only the appointments of the other half of the agents, so that
        # the ranges the reads ask for keep what they were drawn around.
        mover = self.rng.choice(self.movers)
        moved, _start = self.rng.choice(mover.appointments)
        body = {
            "id": str(moved),
            "start": _iso(self.slot(mover)),
            "duration": "PT45M",
            "timezone": "Europe/Berlin",
        }
        return f"PUT\t/api/appointments/reschedule/\t{self.agent_token(mover)}\t{json.dumps(body)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tenant(agent) -> str:
    app = agent.application
    return f"applicationId={app.pk}&organizationId={app.organization_id}"

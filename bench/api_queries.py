"""The API benchmark's SQL: queries per request of each operation, and PostgreSQL's plans of them."""

import sys

from bench.api_operations import EXPLAINED
from bench.api_requests import parse


def queries_and_plans(samples: dict[str, list]) -> tuple[dict, dict]:
    """SQL queries per request of each operation (Django's test client, same database), and the plans.

    The sample requests are not among those wrk replays, so that the writes among
    them change what they name.

    The plans are PostgreSQL's EXPLAIN ANALYZE of the very statements the list,
    overlap and count requests ran.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Application
    from tenants.selectors import application_organization_id

    for application_id in Application.objects.values_list("pk", flat=True):
        application_organization_id(application_id=application_id)  # as a warm web process knows them
    client = Client()
    counts, plans = {}, {}
    variants = dict(samples)
    first_list = variants["list_supervisor"][0]
    for size in (1, 25, 100):
        variants[f"list_supervisor_page_{size}"] = [first_list.replace("pageSize=25", f"pageSize={size}")]
    for name, lines in variants.items():
        seen = []
        for line in lines:
            method, path, headers, body = parse(line)
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(
                    method, path, body or "", content_type="application/json", **headers
                )
            if response.status_code >= 300:
                sys.exit(
                    f"{name}: {method} {path} answered {response.status_code}: {response.content[:500]!r}"
                )
            seen.append(len(captured))
            if name in EXPLAINED and name not in plans:
                plans[name] = explain(connection, captured.captured_queries)
        counts[name] = (min(seen), max(seen))
    return counts, plans


def explain(connection, captured) -> str:
    out = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if "appointments_appointment" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
            out.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(out)

"""Change lists must cost the same number of queries whatever the number of rows."""

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def changelist_cost(client: Client, url: str) -> tuple[int, int, list[str]]:
    """Queries, shown rows and the SQL of one GET of a change list page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    sql = [query["sql"] for query in captured.captured_queries]
    return len(sql), len(response.context["cl"].result_list), sql


def assert_changelist_queries_constant(
    client: Client, url: str, add_rows: Callable[[int], None], *, few: int = 1, many: int = 50
) -> int:
    """Show `few` then `many` rows on the change list at `url`; both pages must cost the same.

    `add_rows(n)` adds n more rows that the client's user sees. Returns the
    number of queries, for tests that also hold it under a ceiling.
    """
    add_rows(few)
    client.get(url)  # Caches of the process (content types, ...) are not the page's cost.
    queries_few, rows, _ = changelist_cost(client, url)
    assert rows == few, f"expected {few} rows on {url}, the page showed {rows}"
    add_rows(many - few)
    queries_many, rows, sql = changelist_cost(client, url)
    assert rows == many, f"expected {many} rows on {url}, the page showed {rows}"
    assert queries_many == queries_few, (
        f"{url}: {queries_few} queries for {few} rows but {queries_many} for {many}:\n" + "\n".join(sql)
    )
    return queries_many

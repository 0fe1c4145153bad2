"""What the API benchmark (bench/appointments_api.py) measures, and where it keeps what it writes."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "var" / "bench"

OPERATIONS = [
    # (name, label in the table, reads only)
    ("get", "GET /api/appointments/{id} (agent)", True),
    ("list_supervisor", "GET /api/appointments/ page of 25, 7-day range (supervisor)", True),
    ("list_agent", "GET /api/appointments/ page of 25, 30-day range (agent)", True),
    ("create", "POST /api/appointments/ (agent, with a customer)", False),
    ("reschedule", "PUT /api/appointments/reschedule/ (agent)", False),
    ("overlap", "GET /api/appointments/overlap/count", True),
    ("count", "GET /api/appointments/count (10 h)", True),
]
EXPLAINED = ["list_supervisor", "list_agent", "overlap", "count"]
# What every serving stack is measured on (bench/api_stacks.py); --server runs them all.
COMPARED = ["bare", "get"]

"""Which subgraph (data owner) serves each type and field.

Types belong to the subgraph that owns their data; a field served by another subgraph says so
with `metadata=served_by(...)`. The whole-graph schema has every field; a subgraph schema keeps
its own fields plus the keys of the entities it extends.
"""

from typing import Any

ACCOUNTS, TELEMETRY, SUPPORT = "accounts", "telemetry", "support"
SUBGRAPHS = (ACCOUNTS, TELEMETRY, SUPPORT)

TYPE_OWNERS = {
    "User": ACCOUNTS,
    "Home": ACCOUNTS,
    "Membership": ACCOUNTS,
    "SalesCompany": ACCOUNTS,
    "AccessLogEntry": ACCOUNTS,
    "Room": TELEMETRY,
    "Device": TELEMETRY,
    "Reading": TELEMETRY,
    "ReadingBucket": TELEMETRY,
    "Movement": TELEMETRY,
    "AppEvent": TELEMETRY,
    "ServiceTicket": SUPPORT,
    "TicketContact": SUPPORT,
}


def served_by(subgraph: str) -> dict[str, Any]:
    return {"subgraph": subgraph}

"""Tells the client what masking did (`extensions.privacy`) and writes the access log.

The access log is written once per request, in one insert, whatever the number of rows.
"""

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from resolvers.access_log import append_entries


class PrivacyExtension(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if context is not None:
            await append_entries(context.store, context.guard.access_log_entries())

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        return {"privacy": context.guard.report()} if context is not None else {}

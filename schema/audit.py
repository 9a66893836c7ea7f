"""Who has looked at a person's data (§2, §10), and NETATMO's break-glass reveal (§3.2)."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from authz.subject import Subject
from authz.vocabulary import Condition, Role, Strategy
from resolvers import access_log, subjects
from resolvers.errors import ApiError, forbidden, invalid, not_found
from resolvers.store import Document
from schema.ownership import ACCOUNTS, served_by

if TYPE_CHECKING:
    from gateway.context import Context

Ctx = Info["Context", None]
MAX_REASON = 500


@strawberry.type(description="One time a member of staff was shown your direct personal data.")
class AccessLogEntry:
    at: datetime
    actor_id: str
    actor_role: str
    actor_organisation: str | None
    purpose: str
    fields: list[str]
    request_id: str
    reason: str | None


@strawberry.type(description="A user's email revealed in clear for a crashing app (§3.2).")
class RevealedContact:
    user_id: strawberry.ID
    email: str | None
    logged_at: datetime


def entry_node(doc: Document) -> AccessLogEntry:
    return AccessLogEntry(
        at=doc["at"], actor_id=doc["actor_sub"], actor_role=doc["actor_role"],
        actor_organisation=doc.get("actor_organisation"), purpose=doc["purpose"],
        fields=list(doc["fields"]), request_id=doc["request_id"], reason=doc.get("reason"),
    )


async def access_log_of(ctx: "Context", subject: Subject) -> list[AccessLogEntry] | None:
    if not ctx.guard.admits("AccessLogEntry", subject) or subject.user_id is None:
        return None
    return [entry_node(d) for d in await access_log.entries_for(ctx.store, subject.user_id)]


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise invalid("a reason is required to reveal contact data", "reason")
    if len(text) > MAX_REASON:
        raise invalid(f"reason may be at most {MAX_REASON} characters", "reason")
    return text


async def check_rate(ctx: "Context", now: datetime) -> None:
    limit = ctx.settings.reveal_limit_per_hour
    if not await access_log.claim_break_glass(ctx.store, ctx.principal.sub, limit, now):
        raise ApiError("break-glass limit reached; try again later", code="RATE_LIMITED")


async def reveal_contact(ctx: "Context", user_id: str, reason: str) -> RevealedContact:
    if ctx.principal.role is not Role.NETATMO_ENGINEER:
        raise forbidden("revealContact is for NETATMO engineers")
    text = check_reason(reason)
    user = await ctx.loaders.users.load(user_id)
    if user is None:
        raise not_found("user")
    subject = await subjects.of_user(ctx, user)
    if not ctx.guard.admits("User", subject):
        raise not_found("user")  # a closed account answers like an unknown id
    if Condition.RESTRICTED in subject.conditions:
        raise forbidden("this user has restricted processing (§6)")
    now = datetime.now(UTC).replace(tzinfo=None)
    await check_rate(ctx, now)
    email = user.get("email")
    ctx.guard.record("User.email", Strategy.CLEAR)
    await access_log.append_entries(ctx.store, [{
        **ctx.guard.entry_header(now), "subject_id": user_id, "purpose": access_log.BREAK_GLASS,
        "fields": ["User.email"], "reason": text,
    }])
    return RevealedContact(user_id=strawberry.ID(user_id), email=email, logged_at=now)


@strawberry.type
class AuditMutation:
    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="NETATMO break-glass: one email in clear, with a reason; logged, rate limited.",
    )
    async def reveal_contact(
        self, info: Ctx, user_id: strawberry.ID, reason: str
    ) -> RevealedContact:
        return await reveal_contact(info.context, user_id, reason)

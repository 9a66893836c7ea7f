"""Data-subject rights and the data lifecycle (§3.1, §4, §6, §7, §8, §13) in the accounts subgraph.

`RightsQuery` and `RightsMutation` are mixed into the root types in schema/build.py; the three
`User` fields `legalDisclosures`, `privacyRequests` and `consentHandovers` (schema/accounts.py)
delegate to the functions at the end of this module. The work itself is in resolvers/rights/.
Rows are shown only where the policy admits them (row.PrivacyRequest, row.LegalDisclosure,
row.ConsentHandover: the subject and velux-dpo; ConsentHandover also SAME_COUNTRY sales agents).
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from authz.subject import Subject
from authz.vocabulary import Role
from resolvers import subjects, visibility
from resolvers.errors import ApiError, forbidden, invalid
from resolvers.pagination import fetch_page, page_request
from resolvers.rights import consent, disclosures, erasure, export, guests, profile
from resolvers.rights import requests as privacy_requests
from resolvers.store import Document
from resolvers.visibility import BY_USER
from schema import accounts
from schema.connection import Connection, connection
from schema.location import LocationInput
from schema.ownership import ACCOUNTS, served_by
from schema.refs import HomeRef, MembershipRef, SalesCompanyRef, UserRef

if TYPE_CHECKING:
    from gateway.context import Context
    from schema.accounts import Membership, User

Ctx = Info["Context", None]

PrivacyRequestKind = strawberry.enum(privacy_requests.RequestKind, name="PrivacyRequestKind")
PrivacyRequestStatus = strawberry.enum(
    privacy_requests.RequestStatus, name="PrivacyRequestStatus"
)
ObjectionKind = strawberry.enum(consent.ObjectionKind, name="ObjectionKind")
CONFIRM_DELETE = "DELETE"


@strawberry.type(description="A right exercised by a data subject (§6), and its state.")
class PrivacyRequest:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    kind: PrivacyRequestKind  # type: ignore[valid-type]
    status: PrivacyRequestStatus  # type: ignore[valid-type]
    action: str
    created_at: datetime
    completed_at: datetime | None

    @strawberry.field(description="The data subject, as the policy lets you see them.")
    async def user(self, info: Ctx) -> UserRef | None:
        return await accounts.user_by_id(info.context, self.doc.get("user_id"))


@strawberry.type(description="Personal data shared with an authority under a legal duty (§13).")
class LegalDisclosure:
    id: strawberry.ID
    authority: str
    legal_basis: str
    court_reference: str
    data_categories: list[str]
    gag_order: bool
    recorded_at: datetime
    user_notified_at: datetime | None
    gag_lifted_at: datetime | None


@strawberry.type(
    description="Marketing consent and email forwarded to the sales company of the user's "
    "country (§3.1)."
)
class ConsentHandover:
    id: strawberry.ID
    doc: strawberry.Private[dict[str, Any]]
    subject: strawberry.Private[Subject]
    country: str
    consent_at: datetime
    handed_over_at: datetime

    @strawberry.field(
        description="Whose consent: their email and name are masked as User fields (a sales "
        "agent with purpose marketing sees them because the user consented)."
    )
    async def user(self, info: Ctx) -> UserRef | None:
        return await accounts.user_by_id(info.context, self.doc["user_id"])

    @strawberry.field
    async def sales_company(self, info: Ctx) -> SalesCompanyRef | None:
        doc = await info.context.loaders.sales_companies.load(self.doc["sales_company_id"])
        return accounts.sales_company_node(doc) if doc else None

    @strawberry.field(description="The tokenised link that stops marketing (no sign-in needed).")
    def unsubscribe_url(self, info: Ctx) -> str:
        return consent.unsubscribe_url(info.context, self.doc["user_id"])


@strawberry.type(description="What an erasure did: step names, counts and times; no personal data.")
class ErasureReceipt:
    id: strawberry.ID
    status: str = strawberry.field(description="RUNNING until every data owner's part is done, "
                                   "then COMPLETED.")
    steps_done: list[str]
    counts: JSON
    started_at: datetime
    finished_at: datetime | None
    pending_parts: list[str] = strawberry.field(
        description="The data owners (accounts, telemetry, support) whose part of the erasure "
        "is still to be done by their own service; empty once COMPLETED."
    )


@strawberry.type(
    description="An invitation to be a guest in someone's home (§8). Who invited you and to "
    "which home is in the invitation email; the host's data is yours to see once you accept."
)
class Invitation:
    id: strawberry.ID
    created_at: datetime


@strawberry.input
class LegalDisclosureInput:
    user_id: strawberry.ID
    authority: str
    legal_basis: str
    court_reference: str
    data_categories: list[str]
    gag_order: bool


# ---- nodes ----

def privacy_request_of(doc: Document) -> PrivacyRequest:
    return PrivacyRequest(
        id=doc["_id"], doc=doc,
        kind=privacy_requests.RequestKind(doc["kind"]),
        status=privacy_requests.RequestStatus(doc["status"]), action=doc.get("action", ""),
        created_at=doc["created_at"], completed_at=doc.get("completed_at"),
    )


async def privacy_request_node(ctx: "Context", doc: Document) -> PrivacyRequest | None:
    subject = await subjects.of_user_id(ctx, doc.get("user_id"))
    return privacy_request_of(doc) if ctx.guard.admits("PrivacyRequest", subject) else None


def legal_disclosure_of(doc: Document) -> LegalDisclosure:
    return LegalDisclosure(
        id=doc["_id"], authority=doc["authority"], legal_basis=doc["legal_basis"],
        court_reference=doc["court_reference"], data_categories=list(doc["data_categories"]),
        gag_order=bool(doc.get("gag_order")), recorded_at=doc["recorded_at"],
        user_notified_at=doc.get("user_notified_at"), gag_lifted_at=doc.get("gag_lifted_at"),
    )


def consent_handover_of(doc: Document, subject: Subject) -> ConsentHandover:
    return ConsentHandover(
        id=doc["_id"], doc=doc, subject=subject, country=doc["country"],
        consent_at=doc["consent_at"], handed_over_at=doc["handed_over_at"],
    )


async def consent_handover_node(ctx: "Context", doc: Document) -> ConsentHandover | None:
    subject = await subjects.of_user_id(ctx, doc["user_id"], doc.get("country"))
    if not ctx.guard.admits("ConsentHandover", subject):
        return None
    return consent_handover_of(doc, subject)


def receipt_of(doc: Document) -> ErasureReceipt:
    return ErasureReceipt(
        id=doc["_id"], status=doc["status"], steps_done=list(doc.get("steps_done", [])),
        counts=doc.get("counts", {}), started_at=doc["started_at"],
        finished_at=doc.get("finished_at"), pending_parts=list(doc.get("pending_parts", [])),
    )


# ---- helpers ----

def account_holder(ctx: "Context") -> str:
    if ctx.principal.role is not Role.USER:
        raise forbidden("only account holders can exercise their rights here")
    return ctx.principal.sub


def dpo_only(ctx: "Context", what: str) -> None:
    if ctx.principal.role is not Role.VELUX_DPO:
        raise forbidden(f"{what} is for the data protection officer (velux_dpo)")


async def fresh_me(ctx: "Context") -> "User":
    """The caller's account as it is now (the request primed the loader before the change)."""
    user_id = ctx.principal.sub
    doc = await ctx.store["users"].find_one({"_id": user_id})
    node = await accounts.user_node(ctx, doc) if doc else None
    if doc is not None:
        ctx.loaders.users.prime(user_id, doc, force=True)
    if node is None:
        raise ApiError("account not found", code="NOT_FOUND")
    return node


def request_or_error(doc: Document | None) -> PrivacyRequest:
    if doc is None:
        raise ApiError("nothing to do", code="NOT_FOUND")
    return privacy_request_of(doc)


async def membership_or_error(ctx: "Context", doc: Document) -> "Membership":
    node = await accounts.membership_node(ctx, doc)
    if node is None:
        raise ApiError("membership not found", code="NOT_FOUND")
    return node


# ---- fields of User (schema/accounts.py delegates here) ----

async def legal_disclosures_of(ctx: "Context", user: "User") -> list[LegalDisclosure]:
    if not ctx.guard.admits("LegalDisclosure", user.subject):
        return []
    dpo = ctx.principal.role is Role.VELUX_DPO
    docs = await disclosures.of_user(ctx, str(user.id), include_gagged=dpo)
    return [legal_disclosure_of(d) for d in docs]


async def privacy_requests_of(ctx: "Context", user: "User") -> list[PrivacyRequest]:
    if not ctx.guard.admits("PrivacyRequest", user.subject):
        return []
    return [privacy_request_of(d) for d in await privacy_requests.of_user(ctx, str(user.id))]


async def consent_handovers_of(ctx: "Context", user: "User") -> list[ConsentHandover]:
    if not ctx.guard.admits("ConsentHandover", user.subject):
        return []
    doc = await consent.handover_of(ctx, str(user.id))
    return [consent_handover_of(doc, user.subject)] if doc else []


# ---- root fields ----

@strawberry.type
class RightsQuery:
    @strawberry.field(
        metadata=served_by(ACCOUNTS),
        description="Everything held about you as one JSON document (§6, §7). For long "
        "histories, GET /privacy/export.json streams the same document.",
    )
    async def export_my_data(self, info: Ctx) -> JSON:
        ctx = info.context
        document = await export.export_document(
            ctx, account_holder(ctx), max_bytes=ctx.settings.export_max_bytes
        )
        return document  # type: ignore[return-value]  # JSON is any JSON value

    @strawberry.field(metadata=served_by(ACCOUNTS), description="Invitations to your email (§8).")
    async def my_invitations(self, info: Ctx) -> list[Invitation]:
        ctx = info.context
        docs = await guests.pending_invitations(ctx, account_holder(ctx))
        return [Invitation(id=d["_id"], created_at=d["created_at"]) for d in docs]

    @strawberry.field(
        metadata=served_by(ACCOUNTS),
        description="velux-dpo: the controller's work queue of privacy requests, oldest first.",
    )
    async def privacy_requests(
        self, info: Ctx, status: PrivacyRequestStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None, after: str | None = None,
    ) -> Connection[PrivacyRequest]:
        ctx = info.context
        dpo_only(ctx, "privacyRequests")
        request = page_request(ctx.cursors, "privacyRequests", first, after,
                               sort_field="created_at")
        visible = await visibility.rows_visible(ctx, "PrivacyRequest", BY_USER)
        page = await privacy_requests.queue(ctx, status, visible, request)
        return await connection(ctx.cursors, page, lambda d: privacy_request_node(ctx, d))

    @strawberry.field(
        metadata=served_by(ACCOUNTS),
        description="Marketing hand-overs: a sales agent sees their country's, velux-dpo all.",
    )
    async def consent_handovers(
        self, info: Ctx, first: int | None = None, after: str | None = None
    ) -> Connection[ConsentHandover]:
        ctx = info.context
        if ctx.principal.role not in (Role.SALES_AGENT, Role.VELUX_DPO):
            raise forbidden("consentHandovers is for sales agents and velux_dpo; use `me`")
        request = page_request(ctx.cursors, "consentHandovers", first, after)
        visible = await visibility.rows_visible(ctx, "ConsentHandover", BY_USER)
        page = await fetch_page(ctx.store[consent.HANDOVERS], visible, request)
        return await connection(ctx.cursors, page, lambda d: consent_handover_node(ctx, d))


@strawberry.type
class RightsMutation:
    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Rectification (§6, §7): correct your data. Name and location change at "
        "once; a new email is sent a confirmation code and changes once you confirm it "
        "(confirmEmailChange). The answer does not say whether the address has an account.",
    )
    async def update_my_profile(
        self, info: Ctx, display_name: str | None = None, email: str | None = None,
        location: LocationInput | None = None,
    ) -> UserRef:
        ctx = info.context
        change = profile.LocationChange(**vars(location)) if location is not None else None
        await profile.update_profile(ctx, account_holder(ctx), display_name, email, change)
        return await fresh_me(ctx)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Rectification (§6, §7): confirm a new email with the code sent to it.",
    )
    async def confirm_email_change(self, info: Ctx, token: str) -> UserRef:
        ctx = info.context
        await profile.confirm_email(ctx, account_holder(ctx), token)
        return await fresh_me(ctx)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description='Erasure (§6, §7): close your account and delete your direct personal data. '
        'Pass confirm: "DELETE". Your tokens stop working at once.',
    )
    async def delete_my_account(self, info: Ctx, confirm: str) -> ErasureReceipt:
        ctx = info.context
        user_id = account_holder(ctx)
        if confirm != CONFIRM_DELETE:
            raise invalid(f'type "{CONFIRM_DELETE}" to confirm the erasure', "confirm")
        return receipt_of(await erasure.erase_account(ctx, user_id))

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Restrict (or lift the restriction of) processing (§6).",
    )
    async def restrict_processing(self, info: Ctx, restricted: bool) -> UserRef:
        ctx = info.context
        await consent.restrict_processing(ctx, account_holder(ctx), restricted)
        return await fresh_me(ctx)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Object (§6). ANALYTICS: no app events are recorded from now on. MARKETING: "
        "consent is withdrawn and the hand-over removed.",
    )
    async def object_to_processing(
        self, info: Ctx, kind: ObjectionKind  # type: ignore[valid-type]
    ) -> UserRef:
        ctx = info.context
        await consent.object_to_processing(ctx, account_holder(ctx), consent.ObjectionKind(kind))
        return await fresh_me(ctx)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Marketing consent (§3.1). Granting forwards it and your email to the sales "
        "company of your country; withdrawing stops it and removes the hand-over.",
    )
    async def set_marketing_consent(self, info: Ctx, granted: bool) -> UserRef:
        ctx = info.context
        await consent.set_marketing_consent(ctx, account_holder(ctx), granted)
        return await fresh_me(ctx)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS), description="Invite a guest to your home (§8, at most 20)."
    )
    async def invite_guest(self, info: Ctx, home_id: strawberry.ID, email: str) -> MembershipRef:
        ctx = info.context
        doc = await guests.invite_guest(ctx, account_holder(ctx), str(home_id), email)
        return await membership_or_error(ctx, doc)

    @strawberry.mutation(metadata=served_by(ACCOUNTS), description="Accept an invitation (§8).")
    async def accept_invitation(self, info: Ctx, invitation_id: strawberry.ID) -> MembershipRef:
        ctx = info.context
        doc = await guests.accept_invitation(ctx, account_holder(ctx), str(invitation_id))
        return await membership_or_error(ctx, doc)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS), description="End a guest's access or withdraw an invitation."
    )
    async def revoke_guest(self, info: Ctx, membership_id: strawberry.ID) -> PrivacyRequest:
        ctx = info.context
        return request_or_error(
            await guests.revoke_guest(ctx, account_holder(ctx), str(membership_id))
        )

    @strawberry.mutation(metadata=served_by(ACCOUNTS), description="Stop being a guest in a home.")
    async def leave_home(self, info: Ctx, home_id: strawberry.ID) -> PrivacyRequest:
        ctx = info.context
        return request_or_error(await guests.leave_home(ctx, account_holder(ctx), str(home_id)))

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="Disconnect a home's products from the server; the data is deleted or "
        "anonymised one year later (§4).",
    )
    async def disconnect_home(self, info: Ctx, home_id: strawberry.ID) -> HomeRef:
        ctx = info.context
        doc = await guests.disconnect_home(ctx, account_holder(ctx), str(home_id))
        ctx.loaders.homes.prime(doc["_id"], doc, force=True)
        node = await accounts.home_node(ctx, doc)
        if node is None:
            raise guests.home_not_found()
        return node

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="velux-dpo: record a legal disclosure (§13). The user is notified in advance "
        "unless a gag order applies.",
    )
    async def record_legal_disclosure(
        self, info: Ctx, input: LegalDisclosureInput
    ) -> LegalDisclosure:
        ctx = info.context
        dpo_only(ctx, "recordLegalDisclosure")
        given = disclosures.DisclosureInput(**{**vars(input), "user_id": str(input.user_id)})
        doc = await disclosures.record_disclosure(ctx, ctx.principal.sub, given)
        return legal_disclosure_of(doc)

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="velux-dpo: the gag order no longer stands; the user is notified now.",
    )
    async def lift_gag_order(self, info: Ctx, id: strawberry.ID) -> LegalDisclosure:
        ctx = info.context
        dpo_only(ctx, "liftGagOrder")
        return legal_disclosure_of(await disclosures.lift_gag_order(ctx, str(id)))

    @strawberry.mutation(
        metadata=served_by(ACCOUNTS),
        description="velux-dpo: queue a breach notice (§10) to each affected account holder. "
        "Returns how many notices are queued; repeating a reference queues nothing new.",
    )
    async def notify_breach(
        self, info: Ctx, reference: str, summary: str, user_ids: list[strawberry.ID]
    ) -> int:
        ctx = info.context
        dpo_only(ctx, "notifyBreach")
        return await disclosures.notify_breach(ctx, reference, summary, [str(u) for u in user_ids])

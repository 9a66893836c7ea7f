"""No answer tells whether an email address belongs to an account (issue 8, item 6).

`updateMyProfile(email:)` and `inviteGuest` are called with addresses in every state (another
account's, an existing guest's of that home, a pending invitation's, nobody's). The answers must
be the same apart from ids, times and the address itself (and its masked form). The payload's
selection is generated from the schema. Changing the email is a pending change: the stored
email does not change before the new address confirms it, whether or not it is taken.
"""

import re
from typing import Any

from gateway.settings import Settings
from tests.adversarial.conftest import Built, clone
from tests.adversarial.oracle import CALLERS, partial_email
from tests.adversarial.paths import Walker
from tests.adversarial.scenario import NOBODY_EMAIL
from tests.adversarial.selection import Sel, render
from tests.adversarial.transports import InProcess, in_process

BY_LABEL = {c.label: c for c in CALLERS}
# Ids and times the call made, and sealed cursors (a fresh nonce each time).
FRESH = re.compile(r"[A-Za-z0-9_-]{60,}|[0-9a-f]{20,32}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?")


def mutation(app: InProcess, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    schema = app.schema
    assert schema is not None and schema.mutation_type is not None
    f = schema.mutation_type.fields[name]
    type_name = f.type.of_type.name if hasattr(f.type, "of_type") else f.type.name
    children = Walker(schema, hops=2).expand(type_name, (type_name,), 1)
    return render([Sel(name, args=args, children=children)], "mutation")


def neutral(text: str, email: str) -> str:
    """The answer without what differs by construction: the address asked about, its masked
    form, and ids and times the call made."""
    for form in (email, partial_email(email)):
        text = text.replace(form, "<email>")
    return FRESH.sub("<fresh>", text)


async def emails(built: Built) -> dict[str, str]:
    users = await built.store["users"].find({}, {"email": 1}).to_list(None)
    return {u["_id"]: u.get("email") for u in users}


async def test_changing_the_email_answers_the_same_whether_or_not_it_is_taken(
    fresh_built: Built, settings: Settings
) -> None:
    known = await emails(fresh_built)
    cases = {
        "another account's": known["usr_clara"],
        "the host's": known["usr_anna"],
        "a free one": "ben.new.address@example.org",
        "an address with a pending invitation": NOBODY_EMAIL,
    }
    answers, stored = {}, {}
    for label, address in cases.items():  # each from the same state, in a copy of the store
        copy = await clone(settings, fresh_built)
        async with in_process(settings, copy.store, None) as app:
            await app.load_schema(BY_LABEL["ben"])
            query, variables = mutation(app, "updateMyProfile", {"email": address})
            answer = await app.post(BY_LABEL["ben"], query, variables)
        answers[label] = (answer.status, neutral(answer.text, address))
        stored[label] = (await copy.store["users"].find_one({"_id": "usr_ben"}))["email"]
    distinct = {text for _, text in answers.values()}
    assert len(distinct) == 1, "the answers differ:\n" + "\n".join(
        f"{label}: {status} {text[:400]}" for label, (status, text) in answers.items())
    changed = {label: email for label, email in stored.items() if email != known["usr_ben"]}
    assert not changed, f"the email changed before the new address confirmed it: {changed}"


async def test_inviting_a_guest_answers_the_same_whatever_the_address(
    fresh_built: Built, settings: Settings
) -> None:
    known = await emails(fresh_built)
    cases = {
        "an active guest's of this home": known["usr_ben"],
        "another account's": known["usr_clara"],
        "a restricted account's": known["usr_david"],
        "nobody's": "never.registered@example.net",
    }
    answers = {}
    for label, address in cases.items():  # each from the same state, in a copy of the store
        copy = await clone(settings, fresh_built)
        async with in_process(settings, copy.store, None) as app:
            await app.load_schema(BY_LABEL["anna"])
            query, variables = mutation(app, "inviteGuest",
                                        {"homeId": "hom_anna_main", "email": address})
            answer = await app.post(BY_LABEL["anna"], query, variables)
        text = re.sub(r"mbr_[A-Za-z0-9_]+", "<membership>", answer.text)
        answers[label] = (answer.status, neutral(text, address))
    distinct = {text for _, text in answers.values()}
    assert len(distinct) == 1, "the answers differ:\n" + "\n".join(
        f"{label}: {status} {text[:400]}" for label, (status, text) in answers.items())

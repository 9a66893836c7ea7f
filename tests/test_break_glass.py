"""NETATMO's break-glass reveal (§3.2): a reason, a rate limit, and a line in the access log."""

from tests.conftest import Api

REVEAL = 'mutation($id: ID!, $reason: String!) { revealContact(userId: $id, reason: $reason) { userId email } }'


async def test_netatmo_reveals_an_email_with_a_reason_and_the_user_sees_it(fresh_api: Api) -> None:
    data = await fresh_api.data("netatmo-eng", REVEAL, {"id": "usr_anna", "reason": "app crash loop, ticket 42"})
    assert data["revealContact"] == {"userId": "usr_anna", "email": "anna.hansen@example.com"}
    log = await fresh_api.data("anna", "{ me { accessLog { actorRole purpose fields reason } } }")
    assert log["me"]["accessLog"] == [{"actorRole": "netatmo_engineer", "purpose": "break_glass",
                                       "fields": ["User.email"], "reason": "app crash loop, ticket 42"}]


async def test_an_empty_reason_is_refused_and_nothing_is_logged(fresh_api: Api) -> None:
    body = await fresh_api.gql("netatmo-eng", REVEAL, {"id": "usr_anna", "reason": "   "})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "reason"}
    assert await fresh_api.store["access_log"].count_documents({}) == 0


async def test_only_netatmo_engineers_may_break_glass(fresh_api: Api) -> None:
    for who in ("anna", "velux-support", "sales-dk"):
        body = await fresh_api.gql(who, REVEAL, {"id": "usr_anna", "reason": "curious"})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["data"] is None


async def test_break_glass_is_rate_limited(fresh_api: Api) -> None:
    limit = fresh_api.settings.reveal_limit_per_hour
    for _ in range(limit):
        await fresh_api.data("netatmo-eng", REVEAL, {"id": "usr_clara", "reason": "crash"})
    body = await fresh_api.gql("netatmo-eng", REVEAL, {"id": "usr_clara", "reason": "crash"})
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await fresh_api.store["access_log"].count_documents({}) == limit


async def test_restricted_users_and_unknown_ids_are_refused(fresh_api: Api) -> None:
    restricted = await fresh_api.gql("netatmo-eng", REVEAL, {"id": "usr_david", "reason": "crash"})
    unknown = await fresh_api.gql("netatmo-eng", REVEAL, {"id": "usr_nobody", "reason": "crash"})
    assert restricted["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"

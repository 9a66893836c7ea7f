"""Every time staff see clear or partial direct data, it lands in the subject's access log."""

from tests.conftest import Api


async def log_of(api: Api, subject: str) -> list[dict]:  # type: ignore[type-arg]
    return await api.store["access_log"].find({"subject_id": subject}).to_list(None)


async def test_staff_seeing_direct_data_is_logged_and_shown_to_the_user(fresh_api: Api) -> None:
    body = await fresh_api.gql("velux-support", '{ user(id: "usr_clara") { email displayName country } }')
    request_entries = await log_of(fresh_api, "usr_clara")
    assert len(request_entries) == 1
    entry = request_entries[0]
    assert entry["actor_role"] == "velux_support"
    assert entry["actor_organisation"] == "VELUX A/S"
    assert entry["purpose"] == "support"
    assert entry["fields"] == ["User.displayName", "User.email"]
    assert body["data"]["user"]["email"] == "clara.schmidt@example.com"
    mine = await fresh_api.data("clara", "{ me { accessLog { actorRole actorOrganisation purpose fields requestId } } }")
    assert mine["me"]["accessLog"] == [{
        "actorRole": "velux_support", "actorOrganisation": "VELUX A/S", "purpose": "support",
        "fields": ["User.displayName", "User.email"], "requestId": entry["request_id"],
    }]


async def test_partial_values_are_logged_but_pseudonyms_and_users_are_not(fresh_api: Api) -> None:
    await fresh_api.data("velux-support", '{ device(id: "dev_anna_main_01") { macAddress } }')
    await fresh_api.data("netatmo-eng", '{ user(id: "usr_anna") { email location { country } } }')
    await fresh_api.data("anna", "{ me { homes { members { user { email } } } } }")
    entries = await log_of(fresh_api, "usr_anna") + await log_of(fresh_api, "usr_ben")
    assert [(e["actor_role"], e["fields"]) for e in entries] == [
        ("velux_support", ["Device.macAddress"])
    ]


async def test_a_sales_agent_in_the_subjects_country_is_logged(fresh_api: Api) -> None:
    await fresh_api.data("sales-de", "{ serviceTickets(first: 10) { edges { node { contact { phone } } } } }")
    [entry] = await log_of(fresh_api, "usr_clara")
    assert entry["actor_organisation"] == "VELUX Deutschland GmbH"
    assert entry["fields"] == ["TicketContact.phone"]


async def test_logging_costs_one_insert_per_request_whatever_the_rows(fresh_api: Api) -> None:
    query = "{ users(first: 50) { edges { node { email displayName } } } }"
    fresh_api.store.counter.reset()
    body = await fresh_api.data("velux-dpo", query)
    assert len(body["users"]["edges"]) > 5
    assert fresh_api.store.counter.commands.count("insert") == 1


async def test_other_people_cannot_read_someones_access_log(fresh_api: Api) -> None:
    await fresh_api.data("velux-support", '{ user(id: "usr_anna") { email } }')
    support = await fresh_api.data("velux-support", '{ user(id: "usr_anna") { accessLog { at } } }')
    guest = await fresh_api.data("ben", "{ me { homes { owner { accessLog { at } } } } }")
    dpo = await fresh_api.data("velux-dpo", '{ user(id: "usr_anna") { accessLog { actorRole } } }')
    assert support["user"]["accessLog"] is None
    assert guest["me"]["homes"][0]["owner"]["accessLog"] is None
    assert {"actorRole": "velux_support"} in dpo["user"]["accessLog"]

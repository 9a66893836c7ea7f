"""Who can reach which homes and users: absent rows are null, never an error that leaks."""

import pytest

from tests.conftest import Api

MY_HOMES = "{ me { homes { id } } }"
HOME = "query($id: ID!) { home(id: $id) { id name } }"
USER = "query($id: ID!) { user(id: $id) { id } }"
USERS = """
query($country: String, $first: Int) {
  users(country: $country, first: $first) { edges { node { id } } pageInfo { hasNextPage } }
}
"""


async def home_ids(api: Api, who: str) -> set[str]:
    return {h["id"] for h in (await api.data(who, MY_HOMES))["me"]["homes"]}


async def test_anna_sees_her_two_homes(api: Api) -> None:
    assert await home_ids(api, "anna") == {"hom_anna_main", "hom_anna_summer"}
    for home in ("hom_anna_main", "hom_anna_summer"):
        assert (await api.data("anna", HOME, {"id": home}))["home"]["id"] == home


async def test_ben_sees_only_the_home_he_is_a_guest_in(api: Api) -> None:
    assert await home_ids(api, "ben") == {"hom_anna_main"}
    assert (await api.data("ben", HOME, {"id": "hom_anna_main"}))["home"]["id"] == "hom_anna_main"
    body = await api.gql("ben", HOME, {"id": "hom_anna_summer"})
    assert body["data"] == {"home": None} and "errors" not in body


async def test_ben_cannot_reach_the_summer_house_devices(api: Api) -> None:
    body = await api.gql("ben", "{ device(id: \"dev_anna_summer_03\") { id } }")
    assert body["data"] == {"device": None} and "errors" not in body
    data = await api.data("ben", '{ device(id: "dev_anna_main_04") { id } }')
    assert data["device"] == {"id": "dev_anna_main_04"}


@pytest.mark.parametrize("home", ["hom_anna_main", "hom_anna_summer", "hom_david", "hom_nope"])
async def test_clara_asking_for_a_foreign_home_gets_null(api: Api, home: str) -> None:
    body = await api.gql("clara", HOME, {"id": home})
    assert body["data"] == {"home": None}
    assert "errors" not in body


async def test_user_by_id_of_a_stranger_is_null_for_a_user(api: Api) -> None:
    for who, stranger in [("anna", "usr_clara"), ("clara", "usr_anna"), ("ben", "usr_david")]:
        body = await api.gql(who, USER, {"id": stranger})
        assert body["data"] == {"user": None} and "errors" not in body, (who, stranger)
    assert (await api.data("anna", USER, {"id": "usr_ben"}))["user"] == {"id": "usr_ben"}
    assert (await api.data("clara", USER, {"id": "usr_clara"}))["user"] == {"id": "usr_clara"}


@pytest.mark.parametrize("who", ["anna", "ben", "clara", "david"])
async def test_users_is_forbidden_for_account_holders(api: Api, who: str) -> None:
    body = await api.gql(who, USERS, {})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "staff" in error["message"]


async def dk_users(api: Api) -> set[str]:
    return {u["_id"] for u in await api.store["users"].find({"country": "DK"}).to_list(None)}


async def test_sales_dk_lists_exactly_the_danish_users(api: Api) -> None:
    data = await api.data("sales-dk", USERS, {"first": 100})
    listed = {e["node"]["id"] for e in data["users"]["edges"]}
    assert listed == await dk_users(api)
    assert "usr_clara" not in listed


@pytest.mark.parametrize("country", ["DE", "de", "FR"])
async def test_sales_dk_asking_for_another_country_still_gets_only_dk(
    api: Api, country: str
) -> None:
    data = await api.data("sales-dk", USERS, {"country": country, "first": 1})
    listed = {e["node"]["id"] for e in data["users"]["edges"]}
    assert listed <= await dk_users(api)
    assert not data["users"]["pageInfo"]["hasNextPage"], "foreign rows were fetched and hidden"


@pytest.mark.parametrize("country", ["DK", "dk"])
async def test_sales_dk_asking_for_dk_gets_dk(api: Api, country: str) -> None:
    data = await api.data("sales-dk", USERS, {"country": country, "first": 100})
    assert {e["node"]["id"] for e in data["users"]["edges"]} == await dk_users(api)


async def test_velux_support_can_filter_users_by_country(api: Api) -> None:
    data = await api.data("velux-support", USERS, {"country": "de", "first": 100})
    german = {u["_id"] for u in await api.store["users"].find({"country": "DE"}).to_list(None)}
    assert {e["node"]["id"] for e in data["users"]["edges"]} == german


async def test_search_never_finds_people_the_caller_may_not_identify(api: Api) -> None:
    query = '{ users(search: "NAME", first: 10) { edges { node { id } } } }'
    netatmo = await api.gql("netatmo-eng", query.replace("NAME", "anna"))
    assert netatmo["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    support = await api.data("velux-support", query.replace("NAME", "david"))
    assert support["users"]["edges"] == []
    dpo = await api.data("velux-dpo", query.replace("NAME", "david"))
    assert [e["node"]["id"] for e in dpo["users"]["edges"]] == ["usr_david"]
    marketing_ben = await api.data("sales-dk", query.replace("NAME", "ben"), purpose="marketing")
    marketing_anna = await api.data("sales-dk", query.replace("NAME", "anna"), purpose="marketing")
    assert marketing_ben["users"]["edges"] == []
    assert [e["node"]["id"] for e in marketing_anna["users"]["edges"]] == ["usr_anna"]


async def test_many_ticket_entities_cost_one_query(api: Api) -> None:
    ids = ["tkt_clara_01", "tkt_clara_02", "tkt_anna_01", "tkt_david_01"]
    reps = [{"__typename": "ServiceTicket", "id": i} for i in ids]
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on ServiceTicket { id } } }"
    api.store.counter.reset()
    data = await api.data("velux-dpo", query, {"r": reps})
    assert [t["id"] for t in data["_entities"]] == ids
    assert api.store.counter.commands.count("find") <= 2

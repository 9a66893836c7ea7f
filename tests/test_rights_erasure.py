"""Erasure (§6, §7): deleteMyAccount removes every direct datum, re-keys the rest, and survives
being killed between any two steps."""

import re

import pytest

from resolvers.rights import erasure, jobs
from resolvers.rights.common import strings_in
from tests.conftest import Api
from tests.rights_support import code_and_field, hits, person_values, requests_of

DELETE = 'mutation($c: String!) { deleteMyAccount(confirm: $c) { id status stepsDone pendingParts counts startedAt finishedAt } }'
STEPS = list(erasure.STEP_NAMES)
PSEUDONYM = re.compile(r"^erased_[0-9a-f]{16}$")


async def pseudonyms(api: Api) -> set[str]:
    found = set()
    for name in ("movements", "app_events", "service_tickets", "homes", "memberships",
                 "access_log", "legal_disclosures"):
        async for doc in api.store[name].find({}):
            found |= {s for s in strings_in(doc) if PSEUDONYM.match(s)}
    return found


async def test_wrong_confirm_string_changes_nothing(fresh_api: Api) -> None:
    for wrong in ("delete", "yes", "", "DELETE "):
        body = await fresh_api.gql("anna", DELETE, {"c": wrong})
        assert code_and_field(body) == ("BAD_USER_INPUT", "confirm")
    user = await fresh_api.store["users"].find_one({"_id": "usr_anna"})
    assert user["status"] == "ACTIVE" and user["email"] == "anna.hansen@example.com"
    assert await fresh_api.store["jobs"].count_documents({}) == 0
    assert await requests_of(fresh_api, "usr_anna", "ERASURE") == []


async def test_staff_have_no_account_to_delete(fresh_api: Api) -> None:
    body = await fresh_api.gql("velux-dpo", DELETE, {"c": "DELETE"})
    assert code_and_field(body)[0] == "FORBIDDEN"


async def test_erasure_removes_direct_data_everywhere_and_closes_the_account(
    fresh_api: Api,
) -> None:
    store = fresh_api.store
    values = await person_values(store, "usr_anna")
    assert {"anna.hansen@example.com", "Anna Hansen", "192.168.1.23"} <= set(values)
    assert await hits(store, values)
    events = await store["app_events"].count_documents({"user_id": "usr_anna"})
    moves = await store["movements"].count_documents({"actor_id": "usr_anna"})

    receipt = (await fresh_api.data("anna", DELETE, {"c": "DELETE"}))["deleteMyAccount"]

    assert receipt["status"] == "COMPLETED" and receipt["stepsDone"] == STEPS
    assert receipt["pendingParts"] == []  # one process runs every data owner's part
    assert receipt["finishedAt"] is not None
    assert await hits(store, values) == []
    # The old id is left only on the tombstone and the privacy requests (no personal data).
    assert {c for c, _, _ in await hits(store, ["usr_anna"])} == {"users", "privacy_requests"}
    # The tombstone keeps no personal data; the old token is refused at once.
    assert await store["users"].find_one({"_id": "usr_anna"}, {"_id": 0, "closed_at": 0}) == {
        "status": "CLOSED"
    }
    body = await fresh_api.client.post("/graphql", json={"query": "{ me { id } }"},
                                       headers=fresh_api.headers("anna"))
    assert body.status_code == 401
    # Indirect data is kept under one fresh pseudonym; the receipt does not hold it.
    (pseudonym,) = await pseudonyms(fresh_api)
    assert await store["app_events"].count_documents({"user_id": pseudonym}) == events
    assert await store["movements"].count_documents({"actor_id": pseudonym}) == moves
    job = await store["jobs"].find_one({"_id": receipt["id"]})
    assert pseudonym not in list(strings_in(job)) and "usr_anna" not in list(strings_in(job))
    assert "pseudonym" not in job and "user_id" not in job
    # Ben's guest place in anna's home is gone with the home; ben himself is untouched.
    assert await store["memberships"].count_documents({"user_id": "usr_ben"}) == 0
    assert (await fresh_api.data("ben", "{ me { email homes { id } } }"))["me"] == {
        "email": "ben.nielsen@example.com", "homes": []
    }
    # The request is recorded and the DPO sees it.
    (request,) = await requests_of(fresh_api, "usr_anna", "ERASURE")
    assert request["status"] == "COMPLETED" and request["completed_at"] is not None
    queue = await fresh_api.data(
        "velux-dpo", "{ privacyRequests(status: COMPLETED) { edges { node { kind action user { id } } } } }"
    )
    assert {"kind": "ERASURE", "action": "DELETE_ACCOUNT", "user": {"id": "usr_anna"}} in [
        e["node"] for e in queue["privacyRequests"]["edges"]
    ]


async def test_erasure_is_idempotent(fresh_api: Api) -> None:
    first = await erasure.erase_account(fresh_api.services, "usr_clara")
    again = await erasure.erase_account(fresh_api.services, "usr_clara")
    assert again["_id"] == first["_id"] and again["status"] == "COMPLETED"
    assert len(await requests_of(fresh_api, "usr_clara", "ERASURE")) == 1
    assert await fresh_api.store["jobs"].count_documents({}) == 1


async def test_a_guests_erasure_leaves_the_host_alone(fresh_api: Api) -> None:
    store = fresh_api.store
    values = await person_values(store, "usr_ben")
    anna_moves = await store["movements"].count_documents({"actor_id": "usr_anna"})
    await erasure.erase_account(fresh_api.services, "usr_ben")
    assert await hits(store, values) == []
    assert await store["movements"].count_documents({"actor_id": "usr_ben"}) == 0
    assert await store["movements"].count_documents({"actor_id": "usr_anna"}) == anna_moves
    me = await fresh_api.data("anna", "{ me { email homes { id address { street } } } }")
    assert me["me"]["email"] == "anna.hansen@example.com"
    assert {"id": "hom_anna_main", "address": {"street": "Strandvejen 112"}} in me["me"]["homes"]


KILL_POINTS = [(step, phase) for step in STEPS for phase in ("done", "saved")]


@pytest.mark.parametrize(("step", "phase"), KILL_POINTS, ids=[f"{s}-{p}" for s, p in KILL_POINTS])
async def test_killed_at_any_point_and_run_again_finishes_the_job(
    fresh_api: Api, step: str, phase: str
) -> None:
    """The crash test: kill the job after each step (before and after its progress is saved),
    run it again, then search every collection for the person's direct data."""
    store, env = fresh_api.store, fresh_api.services
    values = await person_values(store, "usr_anna")

    def die(name: str, at: str) -> None:
        if (name, at) == (step, phase):
            raise jobs.JobKilled(f"killed after {name} ({at})")

    with pytest.raises(jobs.JobKilled):
        await erasure.erase_account(env, "usr_anna", hook=die)
    job = await store["jobs"].find_one({"kind": "ERASURE"})
    assert job["status"] == "RUNNING"
    # The account is closing from the first step on: its tokens no longer work.
    response = await fresh_api.client.post("/graphql", json={"query": "{ me { id } }"},
                                           headers=fresh_api.headers("anna"))
    assert response.status_code == 401

    receipts = await erasure.resume_erasures(env)

    assert [r["status"] for r in receipts] == ["COMPLETED"]
    assert receipts[0]["steps_done"] == STEPS
    assert await hits(store, values) == []
    assert len(await pseudonyms(fresh_api)) == 1
    assert await store["app_events"].count_documents({"user_id": "usr_anna"}) == 0
    assert await store["users"].find_one({"_id": "usr_anna"}, {"_id": 0, "closed_at": 0}) == {
        "status": "CLOSED"
    }
    (request,) = await requests_of(fresh_api, "usr_anna", "ERASURE")
    assert request["status"] == "COMPLETED"
    assert await erasure.resume_erasures(env) == []


async def test_killed_before_the_first_step_is_finished_at_start_up(fresh_api: Api) -> None:
    """A job that died before closing the account is finished by the start-up resume."""
    from gateway.privacy_routes import resume_jobs

    env = fresh_api.services
    values = await person_values(fresh_api.store, "usr_clara")
    await jobs.start(env, erasure.job_id_for(env, "usr_clara"), erasure.KIND, {
        "subject_hash": "x", "user_id": "usr_clara", "pseudonym": "erased_0123456789abcdef",
    })
    assert await resume_jobs(env) == 1
    assert await hits(fresh_api.store, values) == []
    assert await resume_jobs(env) == 0

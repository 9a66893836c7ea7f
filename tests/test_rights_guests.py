"""Homes and guests (§8) and disconnection (§4)."""

from tests.conftest import Api
from tests.rights_support import code_and_field, requests_of

INVITE = """mutation($h: ID!, $e: String!) { inviteGuest(homeId: $h, email: $e) {
  id role status invitedEmail } }"""
ACCEPT = "mutation($i: ID!) { acceptInvitation(invitationId: $i) { id role status user { id } } }"
REVOKE = "mutation($m: ID!) { revokeGuest(membershipId: $m) { id kind action status } }"
LEAVE = "mutation($h: ID!) { leaveHome(homeId: $h) { id kind action status } }"
DISCONNECT = "mutation($h: ID!) { disconnectHome(homeId: $h) { id disconnectedAt } }"
INVITATIONS = "{ myInvitations { id createdAt } }"
HOME = '{ home(id: "hom_anna_main") { id devices { id ipAddress macAddress } } }'
CLARA = "clara.schmidt@example.com"


async def test_invite_accept_and_operate_as_a_guest(fresh_api: Api) -> None:
    invited = (await fresh_api.data("anna", INVITE, {"h": "hom_anna_main", "e": " Clara.Schmidt@Example.com "}))["inviteGuest"]
    assert invited["role"] == "GUEST" and invited["status"] == "PENDING"
    assert invited["invitedEmail"] == "c***@example.com"  # the matrix: a host sees guests' email PARTIAL
    notice = await fresh_api.store["notifications"].find_one({"to": CLARA})
    assert notice["kind"] == "INVITATION" and invited["id"] in notice["body"]
    assert (await fresh_api.data("clara", HOME))["home"] is None
    invitations = (await fresh_api.data("clara", INVITATIONS))["myInvitations"]
    assert [i["id"] for i in invitations] == [invited["id"]]

    accepted = (await fresh_api.data("clara", ACCEPT, {"i": invited["id"]}))["acceptInvitation"]
    assert accepted == {"id": invited["id"], "role": "GUEST", "status": "ACTIVE",
                        "user": {"id": "usr_clara"}}
    again = (await fresh_api.data("clara", ACCEPT, {"i": invited["id"]}))["acceptInvitation"]
    assert again == accepted
    assert (await fresh_api.data("clara", INVITATIONS))["myInvitations"] == []
    # A guest operates the products, but sees the home only as the matrix allows.
    home = (await fresh_api.data("clara", HOME))["home"]
    assert home["devices"] and all(d["ipAddress"] is None and d["macAddress"] is None
                                   for d in home["devices"])
    moved = await fresh_api.data(
        "clara", 'mutation { operateDevice(deviceId: "dev_anna_main_04", position: 70) { position } }'
    )
    assert moved == {"operateDevice": {"position": 70}}
    actions = [r["action"] for r in await requests_of(fresh_api, "usr_anna", "GUESTS")]
    assert actions == ["INVITE_GUEST"]
    actions = [r["action"] for r in await requests_of(fresh_api, "usr_clara", "GUESTS")]
    assert actions == ["ACCEPT_INVITATION"]


async def test_inviting_twice_gives_one_invitation(fresh_api: Api) -> None:
    ids = set()
    for email in ("new.guest@example.org", "NEW.GUEST@example.org"):
        ids.add((await fresh_api.data("anna", INVITE, {"h": "hom_anna_summer", "e": email}))["inviteGuest"]["id"])
    assert len(ids) == 1
    assert await fresh_api.store["memberships"].count_documents({"home_id": "hom_anna_summer", "role": "GUEST"}) == 1
    assert len(await requests_of(fresh_api, "usr_anna", "GUESTS")) == 1
    # Inviting someone who is already a guest gives an invitation like any other: the answer
    # must not confirm whose address it is (ben accepting it would change nothing).
    ben = (await fresh_api.data("anna", INVITE, {"h": "hom_anna_main", "e": "ben.nielsen@example.com"}))
    assert ben["inviteGuest"]["status"] == "PENDING"


async def test_the_21st_guest_is_refused(fresh_api: Api) -> None:
    # hom_anna_main already has ben: 19 more make 20.
    for n in range(19):
        await fresh_api.data("anna", INVITE, {"h": "hom_anna_main", "e": f"guest{n}@example.org"})
    body = await fresh_api.gql("anna", INVITE, {"h": "hom_anna_main", "e": "guest21@example.org"})
    assert code_and_field(body) == ("GUEST_LIMIT_REACHED", "homeId")
    assert "20" in body["errors"][0]["message"]
    assert await fresh_api.store["memberships"].count_documents({"home_id": "hom_anna_main", "role": "GUEST"}) == 20
    # Revoking one makes room again.
    invite = await fresh_api.store["memberships"].find_one({"invited_email": "guest0@example.org"})
    await fresh_api.data("anna", REVOKE, {"m": invite["_id"]})
    await fresh_api.data("anna", INVITE, {"h": "hom_anna_main", "e": "guest21@example.org"})


async def test_invitation_bad_input(fresh_api: Api) -> None:
    cases = [
        ({"h": "hom_anna_main", "e": "not an email"}, ("BAD_USER_INPUT", "email")),
        ({"h": "hom_anna_main", "e": ""}, ("BAD_USER_INPUT", "email")),
        ({"h": "hom_anna_main", "e": "anna.hansen@example.com"}, ("BAD_USER_INPUT", "email")),
        ({"h": "hom_clara", "e": "x@example.org"}, ("NOT_FOUND", "homeId")),  # a foreign home
        ({"h": "hom_nope", "e": "x@example.org"}, ("NOT_FOUND", "homeId")),
    ]
    for variables, expected in cases:
        assert code_and_field(await fresh_api.gql("anna", INVITE, variables)) == expected
    # A guest cannot invite to the host's home.
    body = await fresh_api.gql("ben", INVITE, {"h": "hom_anna_main", "e": "x@example.org"})
    assert code_and_field(body) == ("NOT_FOUND", "homeId")
    assert await fresh_api.store["memberships"].count_documents({"invited_email": "x@example.org"}) == 0


async def test_only_the_invited_person_can_accept(fresh_api: Api) -> None:
    invited = (await fresh_api.data("anna", INVITE, {"h": "hom_anna_main", "e": CLARA}))["inviteGuest"]
    for who, invitation in (("david", invited["id"]), ("clara", "mbr_nope"), ("clara", "mbr_anna_main_01")):
        body = await fresh_api.gql(who, ACCEPT, {"i": invitation})
        assert code_and_field(body) == ("NOT_FOUND", "invitationId")


async def test_revoke_a_guest(fresh_api: Api) -> None:
    assert (await fresh_api.data("ben", HOME))["home"] is not None
    first = (await fresh_api.data("anna", REVOKE, {"m": "mbr_anna_main_02"}))["revokeGuest"]
    assert first["action"] == "REVOKE_GUEST" and first["status"] == "COMPLETED"
    assert (await fresh_api.data("ben", HOME))["home"] is None
    again = (await fresh_api.data("anna", REVOKE, {"m": "mbr_anna_main_02"}))["revokeGuest"]
    assert again == first


async def test_revoke_bad_input(fresh_api: Api) -> None:
    assert code_and_field(await fresh_api.gql("anna", REVOKE, {"m": "mbr_anna_main_01"})) == (
        "BAD_USER_INPUT", "membershipId")  # the owner
    assert code_and_field(await fresh_api.gql("ben", REVOKE, {"m": "mbr_anna_main_02"})) == (
        "NOT_FOUND", "membershipId")  # not ben's home
    assert code_and_field(await fresh_api.gql("clara", REVOKE, {"m": "mbr_anna_main_02"})) == (
        "NOT_FOUND", "membershipId")
    assert code_and_field(await fresh_api.gql("anna", REVOKE, {"m": "mbr_nope"})) == (
        "NOT_FOUND", "membershipId")
    assert await fresh_api.store["memberships"].find_one({"_id": "mbr_anna_main_02"})


async def test_leave_a_home(fresh_api: Api) -> None:
    first = (await fresh_api.data("ben", LEAVE, {"h": "hom_anna_main"}))["leaveHome"]
    assert first["kind"] == "GUESTS" and first["action"] == "LEAVE_HOME"
    assert (await fresh_api.data("ben", "{ me { homes { id } } }"))["me"]["homes"] == []
    assert (await fresh_api.data("ben", LEAVE, {"h": "hom_anna_main"}))["leaveHome"] == first
    assert code_and_field(await fresh_api.gql("anna", LEAVE, {"h": "hom_anna_main"})) == (
        "BAD_USER_INPUT", "homeId")  # an owner cannot leave
    assert code_and_field(await fresh_api.gql("clara", LEAVE, {"h": "hom_anna_main"})) == (
        "NOT_FOUND", "homeId")


async def test_disconnect_a_home(fresh_api: Api) -> None:
    first = (await fresh_api.data("anna", DISCONNECT, {"h": "hom_anna_summer"}))["disconnectHome"]
    assert first["id"] == "hom_anna_summer" and first["disconnectedAt"]
    again = (await fresh_api.data("anna", DISCONNECT, {"h": "hom_anna_summer"}))["disconnectHome"]
    assert again == first
    (request,) = await requests_of(fresh_api, "usr_anna", "DISCONNECTION")
    assert request["status"] == "COMPLETED"
    body = await fresh_api.gql("anna", INVITE, {"h": "hom_anna_summer", "e": "x@example.org"})
    assert code_and_field(body) == ("BAD_USER_INPUT", "homeId")
    for who, home in (("anna", "hom_clara"), ("ben", "hom_anna_main"), ("anna", "hom_nope")):
        assert code_and_field(await fresh_api.gql(who, DISCONNECT, {"h": home})) == ("NOT_FOUND", "homeId")
    home = await fresh_api.store["homes"].find_one({"_id": "hom_anna_main"})
    assert home["disconnected_at"] is None

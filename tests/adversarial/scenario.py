"""A scenario richer than the seed, built through ordinary API calls with real tokens.

On top of the demo (three synthetic households):
- ben (guest of anna) opens a service ticket in anna's home, moves a window there, objects to
  analytics, and moves it again (no app event may be recorded after the objection);
- anna invites a second guest (usr_0003, FR) to her main home, who accepts: two guests of one
  home are OTHER to each other;
- anna invites clara's email (an account) and an email that belongs to nobody to her summer home;
  both invitations stay pending;
- clara invites david (restricted, FR) to her home; david accepts, moves a window there and opens
  a ticket there: a restricted user who is a guest in someone else's home;
- usr_0001 (DK, marketing consent) restricts processing: a restricted user in a sales agent's
  country;
- usr_0002 (DE) is an erased host: their guest usr_0002_g opens a ticket in their home and moves a
  window there, then usr_0002 deletes their account;
- velux-dpo records a legal disclosure about clara under a gag order (a row only the DPO sees);
- anna confirms her marketing consent, which hands it over to VELUX Danmark (a ConsentHandover).

Ids are read back through the API. The direct data of the erased host is captured before the
erasure (the store no longer has it afterwards) so that tests can search every answer for it.
"""

from dataclasses import dataclass, field
from typing import Any

from gateway.auth import issue_dev_token
from tests.conftest import Api

NOBODY_EMAIL = "no.account.probe@example.org"
ERASED_HOST = "usr_0002"
ERASED_GUEST = "usr_0002_g"
SECOND_GUEST = "usr_0003"
RESTRICTED_DK = "usr_0001"
MOVABLE = ("WINDOW_OPENER", "BLIND", "ROLLER_SHUTTER")


@dataclass
class Scenario:
    """What the scenario did, by id, for tests that need a particular row."""

    tickets: dict[str, str] = field(default_factory=dict)  # label -> ticket id
    movements: dict[str, str] = field(default_factory=dict)  # label -> movement id
    invitations: dict[str, str] = field(default_factory=dict)  # label -> membership id
    erased_secrets: set[str] = field(default_factory=set)  # the erased host's direct values
    erased_pseudonym_owner: str | None = None  # owner_id of the erased host's home afterwards


def user_token(api: Api, sub: str) -> str:
    return issue_dev_token(api.settings, {"sub": sub, "role": "user", "sales_company": None})


async def as_user(api: Api, sub: str, query: str, variables: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    response = await api.client.post(
        "/graphql", json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {user_token(api, sub)}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, (sub, body["errors"])
    return dict(body["data"])


async def movable_device(api: Api, sub: str, home_id: str) -> str:
    data = await as_user(api, sub, "query($h: ID!) { home(id: $h) { devices { id kind } } }",
                         {"h": home_id})
    return next(d["id"] for d in data["home"]["devices"] if d["kind"] in MOVABLE)


async def operate(api: Api, sub: str, device_id: str, position: int) -> str:
    data = await as_user(
        api, sub, "mutation($d: ID!, $p: Int!) { operateDevice(deviceId: $d, position: $p) { id } }",
        {"d": device_id, "p": position},
    )
    return str(data["operateDevice"]["id"])


async def open_ticket(api: Api, sub: str, home_id: str, subject: str, phone: str | None,
                      device_id: str | None = None) -> str:
    data = await as_user(
        api, sub,
        "mutation($i: OpenServiceTicketInput!) { openServiceTicket(input: $i) { id } }",
        {"i": {"homeId": home_id, "channel": "CALL", "subject": subject,
               "notes": "opened by a guest", "phone": phone, "deviceId": device_id}},
    )
    return str(data["openServiceTicket"]["id"])


async def invite(api: Api, host: str, home_id: str, email: str) -> str:
    data = await as_user(
        api, host, "mutation($h: ID!, $e: String!) { inviteGuest(homeId: $h, email: $e) { id } }",
        {"h": home_id, "e": email},
    )
    return str(data["inviteGuest"]["id"])


async def accept(api: Api, guest: str) -> None:
    pending = await as_user(api, guest, "{ myInvitations { id } }")
    for invitation in pending["myInvitations"]:
        await as_user(api, guest, "mutation($i: ID!) { acceptInvitation(invitationId: $i) { id } }",
                      {"i": invitation["id"]})


async def email_of(api: Api, sub: str) -> str:
    return str((await as_user(api, sub, "{ me { email } }"))["me"]["email"])


async def direct_values(api: Api, sub: str) -> set[str]:
    """Every direct value of one account holder, as they see it themselves (SELF is CLEAR)."""
    data = await as_user(api, sub, """{ me { displayName email location { street postalCode city }
        homes { id name address { street postalCode } owner { id }
                devices { ipAddress macAddress } } } }""")
    me = data["me"]
    values = {me["displayName"], me["email"], me["location"]["street"]}
    for home in me["homes"]:
        if home["owner"] and home["owner"]["id"] == sub:
            values |= {home["name"], home["address"]["street"]}
            values |= {d[k] for d in home["devices"] for k in ("ipAddress", "macAddress")}
    return {v for v in values if v}


async def build_scenario(api: Api) -> Scenario:
    scenario = Scenario()
    # Two guests of anna's main home; ben opens a ticket there and moves a window.
    await invite(api, "usr_anna", "hom_anna_main", await email_of(api, SECOND_GUEST))
    await accept(api, SECOND_GUEST)
    anna_window = await movable_device(api, "usr_ben", "hom_anna_main")
    scenario.tickets["ben_in_anna"] = await open_ticket(
        api, "usr_ben", "hom_anna_main", "Window in the guest room sticks", "+45 31 41 59 26",
        anna_window,
    )
    scenario.movements["ben_before_objection"] = await operate(api, "usr_ben", anna_window, 30)
    scenario.movements["second_guest"] = await operate(api, SECOND_GUEST, anna_window, 70)
    await as_user(api, "usr_ben", "mutation { objectToProcessing(kind: ANALYTICS) { id } }")
    scenario.movements["ben_after_objection"] = await operate(api, "usr_ben", anna_window, 60)
    # Pending invitations: one to an account's email, one to nobody.
    scenario.invitations["to_account"] = await invite(
        api, "usr_anna", "hom_anna_summer", await email_of(api, "usr_clara"))
    scenario.invitations["to_nobody"] = await invite(
        api, "usr_anna", "hom_anna_summer", NOBODY_EMAIL)
    # A restricted user (david) is a guest in clara's home, moves a window and opens a ticket.
    await invite(api, "usr_clara", "hom_clara", await email_of(api, "usr_david"))
    await accept(api, "usr_david")
    clara_window = await movable_device(api, "usr_david", "hom_clara")
    scenario.movements["restricted_guest"] = await operate(api, "usr_david", clara_window, 45)
    scenario.tickets["david_in_clara"] = await open_ticket(
        api, "usr_david", "hom_clara", "Blind in the guest room", "+33 6 12 34 56 78")
    # A restricted user in Denmark, who had given marketing consent.
    await as_user(api, RESTRICTED_DK,
                  "mutation { restrictProcessing(restricted: true) { processingRestricted } }")
    # An erased host: the guest acts in the home, then the host deletes their account.
    erased_home = "hom_0002"
    scenario.erased_secrets = await direct_values(api, ERASED_HOST)
    guest_window = await movable_device(api, ERASED_GUEST, erased_home)
    scenario.tickets["guest_of_erased"] = await open_ticket(
        api, ERASED_GUEST, erased_home, "Shutter noise", "+49 30 1234567")
    scenario.movements["guest_of_erased"] = await operate(api, ERASED_GUEST, guest_window, 10)
    receipt = await as_user(api, ERASED_HOST,
                            'mutation { deleteMyAccount(confirm: "DELETE") { status } }')
    assert receipt["deleteMyAccount"]["status"] == "COMPLETED", receipt
    home = await api.store["homes"].find_one({"_id": erased_home})
    scenario.erased_pseudonym_owner = home["owner_id"] if home else None
    await as_user(api, "usr_anna",
                  "mutation { setMarketingConsent(granted: true) { marketingConsent } }")
    await api.data("velux-dpo", """mutation { recordLegalDisclosure(input: {userId: "usr_clara",
        authority: "Staatsanwaltschaft Hamburg", legalBasis: "StPO § 100g",
        courtReference: "AG HH 1 Gs 1/26", dataCategories: ["user.contact.email"],
        gagOrder: true}) { id } }""")
    return scenario

"""Which root calls the generated suite makes, with which arguments.

Queries: every id the scenario has (and one that exists nowhere), every country filter, every
requester's ticket filter. Mutations: the way an account holder calls each one that returns a
personal type, without changing anything but adding a row.
"""

from typing import Any

from graphql import GraphQLField

from tests.adversarial.oracle import Caller
from tests.adversarial.scenario import MOVABLE
from tests.adversarial.selection import Enum
from tests.adversarial.world import World


def ids_of(world: World) -> dict[str, list[str]]:
    """The rows asked for by id: every user, home and ticket, one device per home (one the
    scenario moved, where there is one), and one id that exists nowhere (null for everyone)."""
    moved = {m["device_id"] for m in world.docs["movements"] if m.get("actor_id")
             and len(m["_id"]) > 20}  # movements the scenario made through the API
    devices: dict[str, str] = {}
    for d in sorted(world.docs["devices"], key=lambda d: (d["_id"] not in moved, d["_id"])):
        devices.setdefault(d["home_id"], d["_id"])
    return {
        "User": [*sorted(world.users), "usr_unknown"],
        "Home": [*sorted(world.homes), "hom_unknown"],
        "Device": [*sorted(devices.values()), "dev_unknown"],
        "ServiceTicket": [*sorted(world.tickets), "tkt_unknown"],
    }


def args_for(world: World) -> Any:
    ids = ids_of(world)
    countries = sorted({str(u["country"]) for u in world.docs["users"] if u.get("country")})
    users = sorted(u for u in world.users if world.users[u].get("status", "ACTIVE") == "ACTIVE")

    def choose(name: str, f: GraphQLField) -> list[tuple[str, dict[str, Any]]]:
        if name in ("user", "home", "device", "serviceTicket"):
            kind = {"user": "User", "home": "Home", "device": "Device",
                    "serviceTicket": "ServiceTicket"}[name]
            return [(f"{name}({i})", {"id": i}) for i in ids[kind]]
        if name == "users":
            calls: list[tuple[str, dict[str, Any]]] = [("users", {})]
            calls += [(f"users(country:{c})", {"country": c}) for c in countries]
            return calls
        if name == "serviceTickets":
            calls = [("serviceTickets", {})]
            calls += [(f"serviceTickets(userId:{u})", {"filter": {"userId": u}}) for u in users]
            return calls
        return [(name, {})]

    return choose


def mutation_args(world: World, caller: Caller) -> Any:
    """How an account holder calls each mutation that returns a personal type, without changing
    anything but adding a row (a movement, a ticket): the same values again, or an invitation
    or acceptance made before. A mutation the table does not know fails the suite, so a new one
    is probed as soon as it exists."""
    me = world.users.get(caller.sub) if caller.role == "user" else None
    homes = sorted(h for h, o in world.graph.owner_of.items() if o == caller.sub)
    homes += sorted(world.graph.guest_homes(caller.sub))
    movable = [d["_id"] for h in homes for d in sorted(world.docs["devices"],
               key=lambda d: d["_id"]) if d["home_id"] == h and d["kind"] in MOVABLE][:1]
    pending = [m for m in world.docs["memberships"] if m.get("status") == "PENDING"
               and world.graph.owner_of.get(m["home_id"]) == caller.sub]
    accepted = [m for m in world.docs["memberships"] if m.get("user_id") == caller.sub
                and m["_id"].startswith("mbr_inv_")]
    not_changing = {"revokeGuest", "leaveHome", "disconnectHome", "deleteMyAccount",
                    "recordLegalDisclosure", "liftGagOrder", "revealContact", "notifyBreach",
                    "confirmEmailChange"}

    def choose(name: str, f: Any) -> list[tuple[str, dict[str, Any]]]:
        if name in not_changing:
            return []  # they remove, close or confirm something, or are staff-only: test_parity.py
        if me is None:
            return []
        if name == "operateDevice":
            return [(f"operateDevice({d})", {"deviceId": d, "position": 50}) for d in movable]
        if name == "openServiceTicket":
            return [(f"openServiceTicket({h})", {"input": {
                "homeId": h, "channel": Enum("CALL"), "subject": "Probe: window stuck",
                "phone": f"+45 70 {len(caller.sub):02d} {sum(map(ord, caller.sub)) % 100:02d} 30",
            }}) for h in homes[-1:]]
        if name == "updateMyProfile":
            return [("updateMyProfile(same name)", {"displayName": me["display_name"]})]
        if name == "restrictProcessing":
            return [("restrictProcessing(same)", {"restricted": bool(me.get("restricted"))})]
        if name == "setMarketingConsent":
            return [("setMarketingConsent(same)",
                     {"granted": bool(me.get("marketing_consent"))})]
        if name == "objectToProcessing":
            done = me.get("objections") or []
            return [(f"objectToProcessing({k}) again", {"kind": Enum(k)}) for k in done]
        if name == "inviteGuest":
            return [(f"inviteGuest({m['_id']}) again",
                     {"homeId": m["home_id"], "email": m["invited_email"]}) for m in pending]
        if name == "acceptInvitation":
            return [(f"acceptInvitation({m['_id']}) again", {"invitationId": m["_id"]})
                    for m in accepted]
        raise NotImplementedError(f"teach mutation_args how an account holder calls {name}")

    return choose


def state_changing_args(world: World, caller: Caller, email_code: str | None) -> Any:
    """The mutations that remove, close or confirm something, each called once by the account
    holder it belongs to (test_state_changes.py, on a store of its own)."""
    me = caller.sub
    guests = sorted(m["_id"] for m in world.docs["memberships"] if m.get("role") == "GUEST"
                    and world.graph.owner_of.get(m["home_id"]) == me)
    guest_of = sorted(world.graph.guest_homes(me))
    owned = sorted(h for h, o in world.graph.owner_of.items() if o == me)

    def choose(name: str, f: Any) -> list[tuple[str, dict[str, Any]]]:
        if name == "revokeGuest":
            return [(f"revokeGuest({m})", {"membershipId": m}) for m in guests]
        if name == "leaveHome":
            return [(f"leaveHome({h})", {"homeId": h}) for h in guest_of]
        if name == "disconnectHome":
            return [(f"disconnectHome({h})", {"homeId": h}) for h in owned[-1:]]
        if name == "confirmEmailChange" and email_code:
            return [("confirmEmailChange(code)", {"token": email_code})]
        return []

    return choose

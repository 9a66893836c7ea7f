"""Lazy references between the schema modules, which refer to each other's types."""

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from schema.accounts import Home, Membership, SalesCompany, User
    from schema.rights import ConsentHandover, LegalDisclosure, PrivacyRequest
    from schema.support import ServiceTicket
    from schema.telemetry import AppEvent, Device, Room

UserRef = Annotated["User", strawberry.lazy("schema.accounts")]
HomeRef = Annotated["Home", strawberry.lazy("schema.accounts")]
MembershipRef = Annotated["Membership", strawberry.lazy("schema.accounts")]
SalesCompanyRef = Annotated["SalesCompany", strawberry.lazy("schema.accounts")]
DeviceRef = Annotated["Device", strawberry.lazy("schema.telemetry")]
RoomRef = Annotated["Room", strawberry.lazy("schema.telemetry")]
AppEventRef = Annotated["AppEvent", strawberry.lazy("schema.telemetry")]
TicketRef = Annotated["ServiceTicket", strawberry.lazy("schema.support")]
DisclosureRef = Annotated["LegalDisclosure", strawberry.lazy("schema.rights")]
PrivacyRequestRef = Annotated["PrivacyRequest", strawberry.lazy("schema.rights")]
HandoverRef = Annotated["ConsentHandover", strawberry.lazy("schema.rights")]

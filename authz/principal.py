"""Who is asking: the verified identity behind a request."""

from dataclasses import dataclass

from authz.vocabulary import STAFF_ROLES, Role

ORGANISATIONS = {
    Role.VELUX_SUPPORT: "VELUX A/S",
    Role.VELUX_DPO: "VELUX A/S",
    Role.NETATMO_ENGINEER: "NETATMO SAS",
}


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    purpose: str
    organisation: str | None = None
    sales_company: str | None = None
    country: str | None = None
    token_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

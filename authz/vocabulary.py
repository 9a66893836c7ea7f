"""The words the policy is written in: roles, relations, purposes, strategies, data classes."""

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    VELUX_SUPPORT = "velux_support"
    VELUX_DPO = "velux_dpo"
    NETATMO_ENGINEER = "netatmo_engineer"
    SALES_AGENT = "sales_agent"


STAFF_ROLES = frozenset(Role) - {Role.USER}


class Relation(StrEnum):
    SELF = "SELF"
    HOST = "HOST"
    MEMBER = "MEMBER"
    SAME_COUNTRY = "SAME_COUNTRY"
    OTHER = "OTHER"


class Strategy(StrEnum):
    CLEAR = "CLEAR"
    PARTIAL = "PARTIAL"
    PSEUDONYM = "PSEUDONYM"
    GENERALIZED = "GENERALIZED"
    HIDDEN = "HIDDEN"
    ABSENT = "ABSENT"

    @property
    def shows_value(self) -> bool:
        return self in (Strategy.CLEAR, Strategy.PARTIAL)


class DataClass(StrEnum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


class Condition(StrEnum):
    """Facts about the data subject that override the tables (matrix, 'Conditions')."""

    RESTRICTED = "restricted"
    CONSENT = "consent"
    OBJECTED_ANALYTICS = "objected_analytics"
    CLOSED = "closed"
    """The account was erased (§7): only its tombstone {_id, status, closed_at} is left."""

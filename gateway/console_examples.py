"""The development console's personas and example operations (served by gateway/console.py).

The first example is the README's first query and the console's default. Every example runs
without errors for its persona (tests/test_console.py), so the collection cannot rot.
"""

from dataclasses import dataclass, field
from typing import Any

from resolvers.seed.personas import Persona, persona


@dataclass(frozen=True)
class ConsolePersona:
    """One entry of the persona picker: a demo persona, possibly with a purpose."""

    id: str
    label: str
    persona: Persona
    purpose: str | None = None


@dataclass(frozen=True)
class Example:
    persona: str  # a ConsolePersona id
    title: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)


def _entry(id: str, label: str, name: str | None = None, purpose: str | None = None) -> Any:
    return ConsolePersona(id, label, persona(name or id), purpose)


CONSOLE_PERSONAS: tuple[ConsolePersona, ...] = (
    _entry("anna", "anna · owner (DK)"),
    _entry("ben", "ben · guest in anna's home"),
    _entry("clara", "clara · owner (DE), no marketing consent"),
    _entry("david", "david · owner (FR), processing restricted"),
    _entry("velux-support", "velux-support · VELUX support"),
    _entry("netatmo-eng", "netatmo-eng · NETATMO engineer"),
    _entry("sales-dk-marketing", "sales-dk · sales agent, purpose marketing", "sales-dk",
           "marketing"),
    _entry("sales-de", "sales-de · sales agent (DE), purpose support"),
    _entry("velux-dpo", "velux-dpo · data protection officer"),
)

# The README's "A first query", character for character (tests/test_console.py checks it).
DEFAULT_QUERY = """\
{
  me {
    displayName email
    homes {
      name address { city }
      members { role user { displayName email } }
      rooms { name devices { kind macAddress latestReadings { kind value at } } }
    }
  }
}
"""

EXAMPLES: tuple[Example, ...] = (
    Example("anna", "My homes, guests and devices (the README's query)", DEFAULT_QUERY),
    Example("anna", "Who saw my data: access log and privacy requests", """\
{
  me {
    accessLog { at actorRole actorOrganisation purpose fields }
    privacyRequests { kind action status createdAt completedAt }
    consentHandovers { salesCompany { name } handedOverAt }
  }
}
"""),
    Example("ben", "My host's home: name yes, email and MAC no", """\
{
  me {
    displayName
    homes {
      name address { city }
      owner { displayName email }
      devices { kind ipAddress macAddress }
    }
  }
}
"""),
    Example("velux-support", "Service tickets with the customer's contact", """\
{
  serviceTickets(first: 5) {
    edges {
      node {
        id channel status subject
        contact { name phone email address { city country } }
        user { displayName email country }
        device { kind serialNumber }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""),
    Example("velux-support", "A restricted user (david): direct data hidden", """\
query ($id: ID!) {
  user(id: $id) { id displayName email country processingRestricted }
}
""", {"id": "usr_david"}),
    Example("netatmo-eng", "A device and its owner, pseudonymous", """\
query ($id: ID!) {
  device(id: $id) {
    kind serialNumber softwareVersion ipAddress macAddress
    latestReadings { kind value at }
    home { owner { id displayName email } }
  }
}
""", {"id": "dev_anna_main_02"}),
    Example("sales-dk-marketing", "Danish customers who gave marketing consent", """\
{
  consentHandovers(first: 10) {
    edges { node { country handedOverAt user { displayName email marketingConsent } } }
  }
  users(country: "DK", first: 10) {
    edges { node { displayName email marketingConsent } }
  }
}
"""),
    Example("sales-de", "German service tickets (another country stays out)", """\
{
  serviceTickets(first: 5) {
    edges { node { id subject contact { name email } user { displayName country } } }
  }
}
"""),
    Example("velux-dpo", "The controller's queue of privacy requests", """\
{
  privacyRequests(first: 10) {
    edges { node { kind action status createdAt user { id displayName } } }
  }
}
"""),
    Example("velux-dpo", "Everything about one user, in clear", """\
query ($id: ID!) {
  user(id: $id) {
    displayName email location { street postalCode city country }
    processingRestricted marketingConsent
    homes { name address { street city } devices { kind ipAddress macAddress } }
    accessLog { at actorRole purpose fields }
  }
}
""", {"id": "usr_clara"}),
)


def console_persona(id: str) -> ConsolePersona:
    for entry in CONSOLE_PERSONAS:
        if entry.id == id:
            return entry
    raise KeyError(id)

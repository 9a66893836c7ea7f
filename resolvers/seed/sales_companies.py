"""VELUX sales companies, as printed in Appendix 1 (section 15) of the privacy policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SalesCompany:
    id: str
    name: str
    address: str
    registration: str
    country: str


def _company(country: str, name: str, address: str, registration: str) -> SalesCompany:
    return SalesCompany("sc_" + country.lower(), name, address, registration, country)


SALES_COMPANIES: tuple[SalesCompany, ...] = (
    _company("BY", "UE VELUX Roof Windows", "Str. L. Bedi 31 Minsk, Belarus", "800013811"),
    _company(
        "CN",
        "VELUX (CHINA) Co., Ltd.",
        "No. 21 Baihe Road Hebei Province, China",
        "Reg. no. 131000400004111",
    ),
    _company(
        "US",
        "VELUX America LLC",
        "104 Ben Casey Drive Fort Mill, United States of America",
        "Reg. no. 04-2559488",
    ),
    _company(
        "AR",
        "VELUX Argentina S.A.",
        "Colectora Panamericana Buenos Aires, Argentina",
        'Reg. no. 10.928, of Book 122, Volume "A"',
    ),
    _company(
        "AU",
        "VELUX Australia Pty. Ltd.",
        "78 Henderson Road New South Wales, Australia",
        "ACN 001 841 541",
    ),
    _company(
        "BE",
        "VELUX Belgium",
        "Boulevard de lEurope 121 Bierges, Belgium",
        "BE 0412.621.370 (VAT)",
    ),
    _company(
        "BA",
        "VELUX Bosna i Hercegovina d.o.o.",
        "Dzemala Bijedica 295 Ilidza, Bosnia and Herzegovina",
        "1-18783",
    ),
    _company(
        "BG",
        "VELUX Bulgaria EOOD",
        "Pelister 6 Sofia, Bulgaria",
        "121745393 (REG) /BG121745393 (VAT)",
    ),
    _company(
        "CA",
        "VELUX Canada Inc.",
        "2740 Sherwood Heights Dr. Oakville Ontario, Canada",
        "016617-1 (Co. No.)/10550434RC0001 (BN - Business No.)",
    ),
    _company(
        "TR",
        "VELUX Çati Pencereleri Ticaret Limited Sirketi",
        "Girne Mah. Girne Cad. Istanbul, Turkey",
        "9240119663 Erenkoy (REG)",
    ),
    # The policy prints the name with a stray comma and no comma before the street; kept as printed.
    _company(
        "CZ",
        "VELUX Ceská, republika, s.r.o.",
        "Sokolova 654/1d, Horní Heršpice, 619 00 Brno, Czech Republic",
        "00532592 (IC)/ CZ00532592 (VAT)",
    ),
    _company(
        "CL",
        "VELUX Chile Limitada",
        "San Patricio 4099 Santiago, Chile",
        "Reg. on page 6926 No. 3787, year 1983",
    ),
    _company("GB", "VELUX Company Ltd.", "Woodside Way Fife, United Kingdom", "SC070286 (REG)"),
    _company(
        "DK",
        "VELUX Danmark A/S",
        "Breeltevej 18 Hørsholm, Denmark",
        "DK 46911415 (VAT)/4911415 (CVR)",
    ),
    # The source prints an Estonian-looking VAT number (EE...) for Germany and a German-looking
    # one (DE...) for Estonia; they look swapped but are kept exactly as printed.
    _company(
        "DE",
        "VELUX Deutschland GmbH",
        "Gazellenkamp 168 Hamburg, Germany",
        "10042086 (REG)/EE100272657 (VAT)",
    ),
    _company("EE", "VELUX Eesti OÜ", "Peterburi tee 2 A Tallinn, Estonia", "DE118585357 (VAT)"),
    _company(
        "FR",
        "VELUX France",
        "1 rue Paul Cézanne Morangis, France",
        "970200044 0083 (SIREN/SIRET)/FR05 97020044 (VAT)",
    ),
    _company(
        "HR",
        "VELUX Hrvatska d.o.o.",
        "Avenija Veceslava Holjevca 40 Zagreb, Croatia",
        "17798323753 (OIB)",
    ),
    _company(
        "IT",
        "VELUX Italia s.p.a.",
        "Via Strà 152 Colognola ai Colli, Italy",
        "03726650157 (CF - Codice Fiscale)",
    ),
    _company("JP", "VELUX Japan Ltd.", "1-23-14 Sendagaya Tokyo, Japan", "018011"),
    _company(
        "LV",
        "VELUX Latvia SIA",
        "Liepajas iela 34 Riga, Latvia",
        "40003279195 (Co. REG)/40003279195 (VAT)",
    ),
    # Encoding fix: the policy prints "S.┼Żukausko" (UTF-8 "Ž" decoded as code page 852);
    # the street is "S. Žukausko".
    _company(
        "LT",
        "VELUX Lietuva, UAB",
        "S. Žukausko 49 - 8A Vilnius, Lithuania",
        "111543443 (Co. REG/Valst.reg.Nr.)",
    ),
    _company(
        "HU",
        "VELUX Magyarország Kft.",
        "Zsófia utca 1-3 Budapest, Hungary",
        "10192207208 (VAT)",
    ),
    _company(
        "NL",
        "VELUX Nederland B.V.",
        "Molensteijn 2 De Meern, Netherlands",
        "30090412 (KvK Nummer)/NL001763775B01 (VAT)",
    ),
    _company(
        "NZ",
        "VELUX New Zealand Ltd.",
        "62B Princes Street Auckland, New Zealand",
        "649329 (REG)/9429000070706 (NZBN -Business no.)",
    ),
    _company("NO", "VELUX Norge AS", "Gjerdrumsvei 10D Oslo, Norway", "NO917170967MVA (VAT)"),
    _company(
        "PL",
        "VELUX Polska Sp. z o.o.",
        "ul. Krakowiaków 34 Warszawa, Poland",
        "006228649 (REGON)/KRS 0000018788 /PL5210091891 (VAT)",
    ),
    _company(
        "PT",
        "VELUX Portugal, Lda.",
        "Travessa das Pedras Negras Lisboa, Portugal",
        "507564138 (Fiscal No.)/PT507564138 (VAT)",
    ),
    _company(
        "RO",
        "VELUX Romania S.R.L.",
        "Aurel Vlaicu 40 Brasov, Romania",
        "RO9434380 (Registry of commerce/VAT)",
    ),
    _company(
        "CH",
        "VELUX Schweiz AG",
        "Industriestrasse 7 Trimbach, Switzerland",
        "CHE-105.915.054 (Handelsregister-Nr.)/CHE-105.915.054 MwSt (VAT)",
    ),
    _company(
        "SI",
        "VELUX Slovenija d.o.o.",
        "Ljubljanska cesta 51A Trzin, Slovenia",
        "5933951 (Company ID)/SI88149161 (VAT)",
    ),
    _company(
        "SK",
        "VELUX Slovensko, s.r.o.",
        "Galvaniho 17/A Bratislava, Slovakia",
        "Sri 4901/B (Co. Reg. No.)/31348611 (ID No.)/SK1010191460 (VAT)",
    ),
    _company(
        "ES",
        "VELUX Spain, S.A.",
        "Calle Chile 8 Madrid, Spain",
        "A82477571 (CIF)/ESA82477571 (VAT)",
    ),
    _company(
        "RS",
        "VELUX Srbija d.o.o.",
        "dr Ive Popovica Ðanija 3 Beograd, Serbia",
        "Reg. no. BD 62807",
    ),
    # "Helsink" is the policy's spelling; kept as printed.
    _company("FI", "VELUX Suomi Oy", "Lämmittäjänkatu 6 Helsink, Finland", "FI 03983401 (VAT)"),
    _company(
        "SE",
        "VELUX Svenska AB",
        "Karbingatan 22 Helsingborg, Sweden",
        "SE556221330501 (VAT)",
    ),
    _company("UA", "VELUX Ukraina TOV", "Revutskoho 44 Kiev, Ukraine", "31662199 (REG)"),
    _company(
        "AT",
        "VELUX Österreich GmbH",
        "Veluxstrasse 1 Wolkersdorf, Austria",
        "ATU19046100 (VAT)",
    ),
    # Printed as "ZAO VELUX ul., Nizhnyaya ...": "ul." (ulitsa, street) belongs to the address.
    _company(
        "RU",
        "ZAO VELUX",
        "ul. Nizhnyaya Syromyatnicheskaya 10 Moscow, Russian Federation",
        "MPII 007.058",
    ),
)

_BY_COUNTRY: dict[str, SalesCompany] = {c.country: c for c in SALES_COMPANIES}
_BY_ID: dict[str, SalesCompany] = {c.id: c for c in SALES_COMPANIES}


def company_for_country(country: str) -> SalesCompany | None:
    return _BY_COUNTRY.get(country.upper())


def company_by_id(id: str) -> SalesCompany | None:
    return _BY_ID.get(id)


def as_document(c: SalesCompany) -> dict:
    return {
        "_id": c.id,
        "name": c.name,
        "address": c.address,
        "registration": c.registration,
        "country": c.country,
    }

"""The demo world's factsheets: each jurisdiction's system as its focal point (or, where a
jurisdiction has none in the demo, the Secretariat's draft) left it.

- New Zealand, the EU, Chile: approved by their focal points (nz@, eu@, chile@); the EU has a
  second approved version, so its history and diffs show something, and a submitted draft
  that awaits eu@'s approval (read by EU officials and the Secretariat only).
- The other jurisdictions have no focal point in the demo: their drafts stay drafts, written by
  the Secretariat or their own official.
- "Linking" is kept from observers and "Offset rules" is not published (field settings).
Figures are illustrative, not official.
"""

from __future__ import annotations

from accounts.models import Jurisdiction, User
from partnership.factsheets import schema, services
from partnership.models import FactsheetVersion

EU_STATES = (
    "at be bg hr cy cz dk ee fi fr de gr hu ie it lv lt lu mt nl pl pt ro sk si es se is li no"
)

COUNTRIES = {
    "eu": EU_STATES,
    "ca-cal": "us",
    "ca-qc": "ca",
    "nz": "nz",
    "kr": "kr",
    "ch": "ch",
    "uk": "gb",
    "us-wa": "us",
    "cl": "cl",
    "jp": "jp",
}

SOURCE = "Illustrative demo figures | https://example.org/ets-status-report"

VALUES = {
    "eu": {
        "status": "in_force",
        "start_year": 2005,
        "cap": "1,386 MtCO2e in 2024",
        "cap_trajectory": "Linear reduction factor of 4.3% a year from 2024, 4.4% from 2028.",
        "sectors": ["power", "industry", "domestic_aviation", "maritime"],
        "gases": ["CO2", "N2O", "PFCs"],
        "coverage_share": "38.0",
        "allocation": "Auctioning, with free allocation for industry at risk of leakage.",
        "price_mechanisms": "Market Stability Reserve.",
        "domestic_offsets": "no",
        "international_offsets": "no",
        "offset_rules": "No international credits since 2021.",
        "linking": "Linked with Switzerland since 2020.",
        "price": "65.20",
        "price_currency": "EUR",
        "price_date": "2026-10-30",
        "price_kind": "auction",
        "summary": "The **EU ETS** is the partnership's largest system by value.",
        "sources": SOURCE,
    },
    "nz": {
        "status": "in_force",
        "start_year": 2008,
        "cap": "Provisional emissions budget, 2022–2025",
        "sectors": ["power", "industry", "transport", "waste", "forestry"],
        "gases": ["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6"],
        "coverage_share": "49.0",
        "allocation": "Auctioning and industrial free allocation, phasing out.",
        "price_mechanisms": "Auction reserve price and cost containment reserve.",
        "domestic_offsets": "yes",
        "international_offsets": "no",
        "offset_rules": "Forestry removals earn units.",
        "linking": "No links at present.",
        "price": "58.00",
        "price_currency": "NZD",
        "price_date": "2026-09-15",
        "price_kind": "secondary",
        "summary": "Covers every sector of the economy, with forestry removals.",
        "sources": SOURCE,
    },
    "cl": {
        "status": "under_development",
        "summary": "A carbon tax applies; an emissions trading system is being designed.",
        "international_offsets": "yes",
        "linking": "Exploring Article 6 cooperation.",
        "sources": SOURCE,
    },
    "kr": {
        "status": "in_force",
        "start_year": 2015,
        "sectors": ["power", "industry", "buildings", "transport", "waste"],
        "gases": ["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6"],
        "coverage_share": "79.0",
        "international_offsets": "yes",
        "price_currency": "KRW",
    },
    "ca-cal": {"status": "in_force", "start_year": 2013, "international_offsets": "no"},
    "ca-qc": {"status": "in_force", "start_year": 2013, "international_offsets": "no"},
    "us-wa": {"status": "in_force", "start_year": 2023},
    "ch": {"status": "in_force", "start_year": 2008, "linking": "Linked with the EU since 2020."},
    "uk": {"status": "in_force", "start_year": 2021},
    "jp": {"status": "under_development", "start_year": 2026},
}


def _approve(jurisdiction, drafter, focal_point, values, note):
    services.draft_save(actor=drafter, jurisdiction=jurisdiction, values=values, note=note)
    services.draft_submit(actor=drafter, jurisdiction=jurisdiction)
    number = FactsheetVersion.objects.get(
        factsheet__jurisdiction=jurisdiction, state=FactsheetVersion.State.SUBMITTED
    ).number
    services.version_approve(actor=focal_point, jurisdiction=jurisdiction, number=number)


def seed_factsheets(officials: dict[str, User]) -> None:
    """Create what is missing: safe to rerun (a jurisdiction with any version is left alone)."""
    secretariat = officials["secretariat"]
    by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=list(VALUES))}
    for code, countries in COUNTRIES.items():
        factsheet = services.factsheet_of(by_code[code])
        if factsheet.countries != countries:
            factsheet.countries = countries
            factsheet.save(update_fields=["countries"])
    if FactsheetVersion.objects.exists():
        return
    everything = [spec.key for spec in schema.FIELDS]
    services.field_settings_save(
        actor=secretariat,
        observers_see=[key for key in everything if key != "linking"],
        published=[key for key in everything if key not in ("linking", "offset_rules")],
    )
    first_eu = {**VALUES["eu"], "price": "61.30", "price_date": "2025-10-30"}
    _approve(by_code["eu"], officials["brussels"], officials["eu"], first_eu, "2025 review")
    _approve(by_code["eu"], secretariat, officials["eu"], VALUES["eu"], "2026 prices")
    _approve(by_code["nz"], officials["nz"], officials["nz"], VALUES["nz"], "First version")
    _approve(by_code["cl"], officials["chile"], officials["chile"], VALUES["cl"], "First version")
    # Awaiting eu@'s approval: a new cap for 2027, drafted in Brussels.
    services.draft_save(
        actor=officials["brussels"],
        jurisdiction=by_code["eu"],
        values={**VALUES["eu"], "cap": "1,291 MtCO2e in 2027", "price": "71.10"},
        note="2027 cap",
    )
    services.draft_submit(actor=officials["brussels"], jurisdiction=by_code["eu"])
    # No focal point in the demo: drafts by their own officials or the Secretariat.
    for code, drafter in (("kr", "korea"), ("ca-cal", "california"), ("ca-qc", "quebec")):
        services.draft_save(
            actor=officials[drafter], jurisdiction=by_code[code], values=VALUES[code]
        )
    for code in ("us-wa", "ch", "uk", "jp"):
        services.draft_save(actor=secretariat, jurisdiction=by_code[code], values=VALUES[code])

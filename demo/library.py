"""The demo world's partnership library: a handful of reference documents with their details,
one of them for full members only (the leak crawl checks that no observer ever reads it)."""

from __future__ import annotations

from accounts.models import Jurisdiction, User
from partnership.library.metadata import Metadata
from partnership.library.services import library_share, library_workspace
from workspaces.models import Document

from .workspaces import demo_file

# (title, filename, audience, kind, topic, year, language, jurisdictions, tags, description,
#  the text of its pages)
LIBRARY = [
    (
        "Emissions Trading in Practice: a Handbook on Design and Implementation",
        "ets-handbook.pdf",
        "everyone",
        "handbook",
        "general",
        2021,
        "en",
        [],
        "design, handbook",
        "The partnership's handbook: ten steps from scope and cap to linking and review.",
        [
            "Step one: decide the scope. Step two: set the cap and its trajectory.",
            "Allocation by auctions and free allocation with benchmarks.",
            "Price stability: market stability reserves, price floors and ceilings.",
        ],
    ),
    (
        "Status report: emissions trading worldwide",
        "status-report.pdf",
        "everyone",
        "status_report",
        "coverage",
        2025,
        "en",
        ["eu", "nz", "kr", "ca-cal"],
        "status, coverage",
        "Systems in force, under development and under consideration, with their coverage.",
        [
            "Thirty-six systems are in force, covering about a fifth of global emissions.",
            "Prices rose in most systems; auction revenues reached new highs.",
        ],
    ),
    (
        "Guide to offsets in emissions trading systems",
        "offsets-guide.pdf",
        "everyone",
        "guide",
        "offsets",
        2023,
        "en",
        ["nz", "kr"],
        "offsets, quality",
        "Quality criteria, quantitative limits and the treatment of international credits.",
        [
            "Offsets widen the abatement options but need strict quality criteria.",
            "Permanence, additionality and leakage: what a system should require.",
        ],
    ),
    (
        "Réserve de stabilité du marché : bilan et perspectives",
        "reserve-stabilite.pdf",
        "everyone",
        "member_paper",
        "market_stability",
        2024,
        "fr",
        ["eu", "ca-qc"],
        "stabilité, réserve",
        "Document de travail sur la réserve de stabilité du marché et les prix plancher.",
        [
            "La réserve de stabilité du marché absorbe les quotas excédentaires.",
            "Prix plancher aux enchères : l'expérience du Québec et de la Californie.",
        ],
    ),
    (
        "Linking negotiations: options paper for full members",
        "linking-options.pdf",
        "full_members",
        "brief",
        "linking",
        2026,
        "en",
        ["ch", "uk", "eu"],
        "linking, negotiations",
        "Options for a linking agreement, for full members ahead of the plenary.",
        [
            "Option A: full linking with mutual recognition of allowances.",
            "Option B: a one-way link with a quantitative limit on imported units.",
        ],
    ),
]


def seed_library(officials: dict[str, User]) -> None:
    library = library_workspace()
    keeper = officials["secretariat"]
    for (title, filename, audience, kind, topic, year, language, codes, tags, description,
         pages) in LIBRARY:  # fmt: skip
        if library and Document.objects.filter(workspace=library, title=title).exists():
            continue
        library_share(
            actor=keeper,
            upload=demo_file(filename, title, pages),
            title=title,
            description=description,
            tags=tags,
            audience=audience,
            metadata=Metadata(
                kind, topic, year, language, tuple(Jurisdiction.objects.filter(code__in=codes))
            ),
        )
        library = library or library_workspace()

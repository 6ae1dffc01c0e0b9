"""The demo world's shared documents (loaded by `manage.py seed_demo`)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from workspaces.access import people_who_can_view
from workspaces.documents import document_add_version, document_upload
from workspaces.models import Document, Workspace
from workspaces.undertakings import undertaking_accept, undertaking_set


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page PDF with a title and a few lines of text."""

    def escape(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    rows = [f"BT /F1 16 Tf 72 740 Td ({escape(title)}) Tj ET"]
    rows += [
        f"BT /F1 11 Tf 72 {710 - 18 * i} Td ({escape(line)}) Tj ET" for i, line in enumerate(lines)
    ]
    stream = "\n".join(rows).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# (workspace, title, filename, audience, marking, tags, description, versions)
# Each version: (uploader, change note, lines of text).
DOCUMENTS = [
    (
        "offsets",
        "Permanence and liability for removals — Co-Chair draft",
        "permanence-draft.pdf",
        "full_members",
        "draft",
        "removals, permanence, liability",
        "Options for buffer pools, reversal liability and monitoring periods. For full members.",
        [
            (
                "cochair",
                "",
                [
                    "Options for discussion only.",
                    "1. Buffer pool contribution of 10-20%",
                    "2. Liability shifts after a 40-year monitoring period",
                ],
            ),
            (
                "secretariat",
                "Incorporates comments from the 12 November session",
                [
                    "Options for discussion only (revised).",
                    "1. Buffer pool contribution tiered by risk",
                    "2. Liability shifts after monitoring; insurance as an alternative",
                ],
            ),
        ],
    ),
    (
        "offsets",
        "Offset quality criteria — comparison table",
        "quality-criteria.pdf",
        "everyone",
        "do_not_cite",
        "offsets, quality, article 6",
        "Side-by-side comparison of quality criteria across member systems.",
        [
            ("eu", "", ["Additionality, permanence, MRV, double counting: current rules."]),
            (
                "california",
                "Adds California compliance offset protocols",
                [
                    "Additionality, permanence, MRV, double counting: current rules.",
                    "California: U.S. Forest, Livestock, Ozone Depleting Substances protocols.",
                ],
            ),
        ],
    ),
    (
        "offsets",
        "Removals MRV workshop notes",
        "mrv-notes.txt",
        "everyone",
        "none",
        "mrv, removals, workshop",
        "Notes from the workshop on DACCS and BECCS accounting.",
        [
            (
                "secretariat",
                "",
                [
                    "Measurement, reporting and verification of engineered removals.",
                    "Open questions: storage monitoring, leakage, crediting periods.",
                ],
            )
        ],
    ),
    (
        "market-stability",
        "MSR intake rates: scenarios 2026-2030",
        "msr-scenarios.csv",
        "everyone",
        "none",
        "msr, supply, scenarios",
        "Scenario inputs for the market stability reserve discussion.",
        [
            (
                "eu",
                "",
                ["year,tnac_mt,intake_rate", "2026,1100,0.24", "2027,1000,0.24", "2028,900,0.24"],
            )
        ],
    ),
    (
        "linking",
        "Registry interoperability — technical requirements",
        "registry.pdf",
        "everyone",
        "none",
        "registry, linking",
        "Requirements for transfers between linked registries.",
        [("nz", "", ["Transaction log reconciliation, unit identifiers, settlement windows."])],
    ),
]


def demo_file(filename: str, title: str, lines: list[str]) -> SimpleUploadedFile:
    if filename.endswith(".pdf"):
        content = simple_pdf(title, lines)
    else:
        content = ("\n".join(lines) + "\n").encode()
    return SimpleUploadedFile(filename, content)


def seed_documents(officials: dict[str, User]) -> None:
    for slug, title, filename, audience, marking, tags, description, versions in DOCUMENTS:
        workspace = Workspace.objects.get(slug=slug)
        if Document.objects.filter(workspace=workspace, title=title).exists():
            continue
        (first_by, _note, first_lines), *later = versions
        document = document_upload(
            actor=officials[first_by],
            workspace=workspace,
            upload=demo_file(filename, title, first_lines),
            title=title,
            description=description,
            tags=tags,
            audience=audience,
            marking=marking,
        )
        for by, note, lines in later:
            document_add_version(
                actor=officials[by],
                document=document,
                upload=demo_file(filename, title, lines),
                change_note=note,
            )


# `linking`'s confidentiality undertaking: every demo account on its roster has accepted it but
# James Whitaker (nz), who is asked to on his first visit, so the flow can be seen.
UNDERTAKING_NOT_ACCEPTED_BY = "nz"
LINKING_UNDERTAKING = """\
**This dialogue is held under the Chatham House Rule.**

You may use what you read and hear here, but you will not reveal the identity or the
affiliation of the person who said it, nor of any other participant.

- Do not copy, forward or quote documents, posts or chat messages outside Enclave.
- Exports are for your own use and carry this undertaking's version.
- If you are unsure whether something may be shared, ask the Secretariat first.
"""


def seed_undertakings(officials: dict[str, User]) -> None:
    linking = Workspace.objects.get(slug="linking")
    if linking.undertakings.exists():
        return
    undertaking = undertaking_set(
        actor=officials["secretariat"], workspace=linking, text=LINKING_UNDERTAKING
    )
    for person in people_who_can_view(linking).exclude(handle=UNDERTAKING_NOT_ACCEPTED_BY):
        undertaking_accept(actor=person, workspace=linking, version=undertaking.version)

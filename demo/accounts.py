"""The demo world's jurisdictions, officials and logins (loaded by `manage.py seed_demo`)."""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

# Internal on purpose (django-allauth 65.22.1): allauth has no public API that enrols a TOTP
# authenticator or recovery codes for a user outside its own enrolment pages (the forms need
# the secret from the browser's session and a code typed from it). Writing `Authenticator` rows
# by hand would copy allauth's private storage format (encrypted "secret", "seed", "used_mask")
# and break silently on an upgrade; these imports break loudly instead. Demo data only.
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Jurisdiction, User

DEMO_PASSWORD = "enclave-demo"
DEMO_DOMAIN = "demo.enclave.test"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

MEMBER, OBSERVER = Jurisdiction.Status.FULL_MEMBER, Jurisdiction.Status.OBSERVER
SUPRA, NAT, SUB = (
    Jurisdiction.Level.SUPRANATIONAL,
    Jurisdiction.Level.NATIONAL,
    Jurisdiction.Level.SUBNATIONAL,
)

# (code, name, level, status, since)
JURISDICTIONS = [
    ("eu", "European Union", SUPRA, MEMBER, datetime.date(2007, 10, 29)),
    ("ca-cal", "California", SUB, MEMBER, datetime.date(2007, 10, 29)),
    ("ca-qc", "Québec", SUB, MEMBER, datetime.date(2008, 10, 14)),
    ("nz", "New Zealand", NAT, MEMBER, datetime.date(2007, 10, 29)),
    ("kr", "Republic of Korea", NAT, MEMBER, datetime.date(2016, 3, 15)),
    ("ch", "Switzerland", NAT, MEMBER, datetime.date(2009, 6, 10)),
    ("uk", "United Kingdom", NAT, MEMBER, datetime.date(2007, 10, 29)),
    ("us-wa", "Washington", SUB, MEMBER, datetime.date(2023, 9, 18)),
    ("cl", "Chile", NAT, OBSERVER, datetime.date(2019, 4, 2)),
    ("jp", "Japan", NAT, OBSERVER, datetime.date(2010, 5, 20)),
]

# (local part, full name, jurisdiction code or None for the Secretariat, extra roles)
OFFICIALS = [
    # The two Co-Chairs, from two continents.
    ("cochair", "Aroha Ngata", "nz", {"is_co_chair": True}),
    ("cochair2", "Marisol Vega", "us-wa", {"is_co_chair": True}),
    ("secretariat", "Lena Hoffmann", None, {"is_secretariat": True}),
    ("eu", "Camille Laurent", "eu", {"is_focal_point": True}),
    ("brussels", "Pieter Janssens", "eu", {}),
    ("california", "Daniel Ortiz", "ca-cal", {}),
    ("quebec", "Sophie Tremblay", "ca-qc", {}),
    ("nz", "James Whitaker", "nz", {"is_focal_point": True}),
    ("korea", "Min-jun Park", "kr", {}),
    ("chile", "Valentina Rojas", "cl", {"is_focal_point": True}),
    ("japan", "Haruto Sato", "jp", {}),
]
MFA_ENROLLED = {"cochair", "cochair2", "secretariat"}
# So that the access review page shows something (accounts/reviews.py): Pieter Janssens's
# access is due for review in 12 days (his focal point, Camille Laurent, is asked), and Haruto
# Sato has not signed in for 120 days (dormant; the Secretariat sponsors Japan's officials).
# Everyone else keeps their access for a year.
REVIEW_DUE_IN_DAYS = {"brussels": 12}
LAST_SIGN_IN_DAYS_AGO = {"japan": 120}


def demo_logins() -> list[tuple[str, str]]:
    """(email, description) for the README and `make run`."""
    names = {code: name for code, name, *_ in JURISDICTIONS}
    rows = []
    for local, _name, code, roles in OFFICIALS:
        if roles.get("is_co_chair"):
            what = f"Co-Chair, official of {names[code]}"
        elif roles.get("is_secretariat"):
            what = "Secretariat staff"
        else:
            status = dict(Jurisdiction.Status.choices)[
                next(s for c, _, _, s, _ in JURISDICTIONS if c == code)
            ]
            what = f"{status} official of {names[code]}"
            if roles.get("is_focal_point"):
                what += " (focal point)"
        if local in MFA_ENROLLED:
            what += f"; TOTP secret {DEMO_TOTP_SECRET}"
        rows.append((f"{local}@{DEMO_DOMAIN}", what))
    return rows


def seed_accounts() -> dict[str, User]:
    """Create what is missing; return the demo officials by their local part."""
    jurisdictions = _jurisdictions()
    return _officials(jurisdictions)


def _jurisdictions() -> dict[str, Jurisdiction]:
    found = {}
    for code, name, level, status, since in JURISDICTIONS:
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            group, _ = Group.objects.get_or_create(name=f"jurisdiction:{code}")
            jurisdiction = Jurisdiction.objects.create(
                code=code, name=name, level=level, status=status, since=since, group=group
            )
        found[code] = jurisdiction
    return found


def _officials(jurisdictions: dict[str, Jurisdiction]) -> dict[str, User]:
    officials = {}
    for local, full_name, code, roles in OFFICIALS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, handle=local, full_name=full_name, **roles)
            user.jurisdiction = jurisdictions[code] if code else None
            if local in REVIEW_DUE_IN_DAYS:
                user.access_review_on = timezone.localdate() + datetime.timedelta(
                    days=REVIEW_DUE_IN_DAYS[local]
                )
            if local in LAST_SIGN_IN_DAYS_AGO:
                user.last_login = timezone.now() - datetime.timedelta(
                    days=LAST_SIGN_IN_DAYS_AGO[local]
                )
                user.date_joined = user.last_login - datetime.timedelta(days=200)
            user.set_password(DEMO_PASSWORD)
            user.save()
            if user.jurisdiction:
                user.groups.add(user.jurisdiction.group)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if (
            local in MFA_ENROLLED
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)
        officials[local] = user
    return officials

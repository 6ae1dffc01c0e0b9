"""Who is shown as the author of what: named, Chatham House or anonymous.

Every page, frame, export, email and notification that shows a person in a workspace's
content asks its `Bylines` for the label to show. The rules:
- Named: the person's name and affiliation, everywhere.
- Chatham House: inside the live view (threads, chat, session pages, the library) the roster
  sees who said what; everything that leaves it (minutes, exports, emails, digests,
  notifications, search results, the dashboard) shows no name and no jurisdiction.
- Anonymous: everywhere, a stable pseudonym ("Participant 4") within its context (a thread, a
  session, a room, a workspace's documents). Only the Secretariat can unmask, with a reason.

Mentions follow the same rule: an @mention reads exactly as the byline would show that person
in the same place (the handle where the byline names people, else "A participant" or the
person's pseudonym), in HTML, Markdown, snippets, frames and emails alike; the stored source
keeps the real handle.

The contexts of dialogue items (threads, sessions, rooms) are in dialogues/attribution/bylines.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import Jurisdiction, User
from core.markup import mentions_in, relabel_mentions, relabel_mentions_text

from .models import AttributionMode, Pseudonym, Workspace, strictest


@dataclass(frozen=True)
class Speaker:
    name: str
    affiliation: str = ""
    pseudonym_id: int | None = None  # set for a pseudonym (the Secretariat may unmask it)
    is_observer: bool = False

    def __str__(self) -> str:
        return f"{self.name}, {self.affiliation}" if self.affiliation else self.name


def names_on_lists(mode: str, capabilities: frozenset, *, unless_held) -> bool:
    """Whether a list of people (a roster, an attendance register) shows their names: always,
    except in an anonymous dialogue, where names would undo the pseudonyms; there only holders
    of `unless_held` (the roster's managers for a roster, those who may unmask for a register)
    see them. `capabilities`: the reader's on the dialogue or item."""
    return mode != AttributionMode.ANONYMOUS or unless_held in capabilities


def mentions_offered(mode: str) -> bool:
    """Whether people are suggested for @mentions: nobody is addressed by name where everyone
    is a pseudonym."""
    return mode != AttributionMode.ANONYMOUS


def stamp_names_reader(workspace: Workspace) -> bool:
    """Whether a watermarked copy names its reader. In an anonymous dialogue it carries the
    download id alone: only the Secretariat can turn it into a name, by an audited trace."""
    return workspace.attribution != AttributionMode.ANONYMOUS


def pseudonym_for(*, workspace: Workspace, context: str, user_id: int) -> Pseudonym:
    """The person's pseudonym in this context, numbered in order of first appearance."""
    existing = Pseudonym.objects.filter(context=context, user_id=user_id).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                top = Pseudonym.objects.filter(context=context).aggregate(n=Max("number"))["n"]
                return Pseudonym.objects.create(
                    workspace=workspace, context=context, user_id=user_id, number=(top or 0) + 1
                )
        except IntegrityError:  # another request numbered someone at the same moment
            existing = Pseudonym.objects.filter(context=context, user_id=user_id).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not assign a pseudonym")


class Bylines:
    """Labels for the people in one context, for one kind of output.

    `outside=True` is for what leaves the live view (minutes, exports, email, notifications,
    search results, the dashboard)."""

    def __init__(self, workspace: Workspace, context: str, mode: str, *, outside: bool = False):
        self.workspace, self.context, self.mode = workspace, context, mode
        self.outside = outside
        self._numbers: dict[int, Pseudonym] | None = None
        self._mentioned: dict[str, User | None] = {}

    @property
    def names_people(self) -> bool:
        """Whether real names are shown in this output."""
        return self.mode == AttributionMode.NAMED or (
            self.mode == AttributionMode.CHATHAM_HOUSE and not self.outside
        )

    @property
    def is_anonymous(self) -> bool:
        return self.mode == AttributionMode.ANONYMOUS

    def _known(self) -> dict[int, Pseudonym]:
        if self._numbers is None:
            self._numbers = {p.user_id: p for p in Pseudonym.objects.filter(context=self.context)}
        return self._numbers

    def _pseudonym(self, user_id: int) -> Pseudonym:
        known = self._known()
        if user_id not in known:
            known[user_id] = pseudonym_for(
                workspace=self.workspace, context=self.context, user_id=user_id
            )
        return known[user_id]

    def speaker(self, user: User | None) -> Speaker:
        if user is None:
            return Speaker(_("Unknown"))
        if self.names_people:
            observer = (
                bool(user.jurisdiction_id)
                and user.jurisdiction.status == Jurisdiction.Status.OBSERVER
            )
            return Speaker(user.full_name, user.affiliation, is_observer=observer)
        if self.mode == AttributionMode.ANONYMOUS:
            pseudonym = self._pseudonym(user.pk)
            return Speaker(
                _("Participant %(number)s") % {"number": pseudonym.number},
                pseudonym_id=pseudonym.pk,
            )
        return Speaker(_("A participant"))

    def mention_labels(self, handles: set[str]) -> dict[str, str] | None:
        """How each mentioned @handle reads here: None where the byline names people (mentions
        stay as written); otherwise the byline's label for that person, for every handle (one
        that names nobody any more reads as a participant too)."""
        if self.names_people:
            return None
        missing = {h.lower() for h in handles} - self._mentioned.keys()
        if missing:
            found = {u.handle.lower(): u for u in User.objects.filter(handle__in=missing)}
            self._mentioned.update({h: found.get(h) for h in missing})
        labels = {}
        for handle in handles:
            user = self._mentioned[handle.lower()]
            labels[handle.lower()] = self.speaker(user).name if user else _("A participant")
        return labels

    def mentions_html(self, html: str) -> str:
        """Stored HTML as this output shows it: each mention under the attribution rule."""
        if self.names_people or not html or 'class="mention"' not in html:
            return html
        return relabel_mentions(html, self.mention_labels(mentions_in(html)))

    def mentions_text(self, text: str, *, marked_in: str, fragment: bool = False) -> str:
        """A source as this output shows it; `marked_in` is its stored HTML, which says which
        @handles are mentions of people. A `fragment` (a search snippet) may cut code open, so
        there every such @handle is relabeled, code or not."""
        if self.names_people or not text:
            return text
        labels = self.mention_labels(mentions_in(marked_in))
        return relabel_mentions_text(text, labels, skip_code=not fragment)

    def has_pseudonym(self, user_id: int) -> bool:
        return user_id in self._known()

    def person(self, user: User) -> dict:
        """A person in live frames (chat messages, presence, typing). In an anonymous room the
        id is the pseudonym's number, so no frame carries anything that identifies the person."""
        if self.is_anonymous:
            pseudonym = self._pseudonym(user.pk)
            return {
                "id": pseudonym.number,
                "name": _("Participant %(number)s") % {"number": pseudonym.number},
                "handle": "",
                "affiliation": "",
            }
        return {
            "id": user.pk,
            "name": user.full_name,
            "handle": user.handle,
            "affiliation": user.affiliation,
        }


def for_contexts(
    workspace: Workspace, contexts: list[str], mode: str, *, outside: bool = False
) -> dict[str, Bylines]:
    """One `Bylines` per context of a workspace (a list of threads), with every pseudonym
    they need read in one query rather than one per context (none unless anonymous)."""
    places = [(workspace, context, mode) for context in contexts]
    return _bylines(places, outside=outside, read=mode == AttributionMode.ANONYMOUS)


def for_places(
    places: list[tuple[Workspace, str, str]], *, outside: bool = False
) -> dict[str, Bylines]:
    """One `Bylines` per (workspace, context, mode), across workspaces (a list of
    notifications), with every pseudonym they need read in one query (one query whatever the
    modes, so a list costs the same whichever dialogues it shows)."""
    return _bylines(places, outside=outside, read=bool(places))


def _bylines(
    places: list[tuple[Workspace, str, str]], *, outside: bool, read: bool
) -> dict[str, Bylines]:
    known: dict[str, dict[int, Pseudonym]] = {context: {} for _w, context, _m in places}
    if read:
        for pseudonym in Pseudonym.objects.filter(context__in=list(known)):
            known[pseudonym.context][pseudonym.user_id] = pseudonym
    attributions = {}
    for workspace, context, mode in places:
        attributions[context] = Bylines(workspace, context, mode, outside=outside)
        attributions[context]._numbers = known[context]
    return attributions


def for_workspace(workspace: Workspace, *, outside: bool = False) -> Bylines:
    """People in a workspace's library and anything not in a thread or session."""
    return Bylines(workspace, f"workspace:{workspace.pk}", workspace.attribution, outside=outside)


def stricter_than_workspace(workspace: Workspace, mode: str) -> bool:
    """A session may be as strict as its workspace or stricter, never looser."""
    return not mode or strictest(workspace.attribution, mode) == mode

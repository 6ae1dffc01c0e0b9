"""The demo world's dialogues: workspaces, rosters and threads from dialogue_content.py."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import Jurisdiction, User
from dialogues.chat.services import message_send, workspace_room
from dialogues.models import Notification, Post, Thread
from dialogues.threads import services as thread_services
from workspaces import services as workspace_services
from workspaces.access import WorkspaceRole
from workspaces.models import Workspace
from workspaces.services import roster_grant

from .dialogue_content import WORKSPACES


def seed_dialogues(officials: dict[str, User]) -> None:
    """Create each demo workspace once (an existing one is left as it is)."""
    secretariat = officials["secretariat"]
    for spec in WORKSPACES:
        if Workspace.objects.filter(slug=spec["slug"]).exists():
            continue
        workspace = workspace_services.workspace_create(
            actor=secretariat,
            title=spec["title"],
            slug=spec["slug"],
            purpose=spec["purpose"],
            observer_policy=spec["observer_policy"],
        )
        for code in spec["jurisdictions"]:
            jurisdiction = Jurisdiction.objects.get(code=code)
            roster_grant(
                workspace=workspace,
                role=WorkspaceRole.PARTICIPANT,
                added_by=secretariat,
                group=jurisdiction.group,
            )
        for local in spec["facilitators"]:
            roster_grant(
                workspace=workspace,
                role=WorkspaceRole.FACILITATOR,
                added_by=secretariat,
                user=officials[local],
            )
        _threads(workspace, spec["threads"], officials)
    # The demo starts with a clean bell: what is there is "old news".
    now = timezone.now()
    Notification.objects.filter(read_at__isnull=True).update(
        read_at=now, emailed_at=now, digested_at=now
    )


def _threads(workspace: Workspace, threads: list[dict], officials: dict[str, User]) -> None:
    # Spread the conversation over the last weeks so times and unread marks look real.
    start = timezone.now() - datetime.timedelta(days=24)
    step = datetime.timedelta(hours=7)
    for index, spec in enumerate(threads):
        thread = thread_services.thread_create(
            actor=officials[spec["author"]],
            workspace=workspace,
            title=spec["title"],
            body=spec["body"],
            audience=spec["audience"],
        )
        when = start + index * datetime.timedelta(days=4)
        _backdate(thread, thread.posts.get(depth=0), when)
        opening = thread.posts.get(depth=0)
        cursor = [when]
        _replies(thread, opening, spec.get("replies", []), officials, cursor, step)


def _replies(thread, parent, replies, officials, cursor, step) -> None:
    for spec in replies:
        post = thread_services.post_reply(
            actor=officials[spec["author"]], thread=thread, parent=parent, body=spec["body"]
        )
        cursor[0] += step
        _backdate(thread, post, cursor[0])
        _replies(thread, post, spec.get("replies", []), officials, cursor, step)


def _backdate(thread: Thread, post: Post, when) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=when)
    Thread.objects.filter(pk=thread.pk, created_at__gt=when).update(created_at=when)
    Thread.objects.filter(pk=thread.pk).update(last_post_at=when)
    Workspace.objects.filter(pk=thread.workspace_id).update(last_activity_at=when)
    Notification.objects.filter(post=post).update(created_at=when)


CHAT = {
    "offsets": [
        (
            "secretariat",
            "Welcome to the live room for the offsets dialogue. The next session "
            "is on the agenda; pre-reads are in Documents.",
        ),
        ("eu", "Thanks, Lena. We will circulate our note on buffer pools before Thursday."),
        ("chile", "Chile would welcome time for observers' questions on Article 6.4 alignment."),
    ],
    "linking": [
        ("nz", "Registry team is online if anyone wants to go through the requirements doc."),
    ],
}


def seed_chat(officials: dict[str, User]) -> None:
    for slug, lines in CHAT.items():
        room = workspace_room(Workspace.objects.get(slug=slug))
        if room.messages.exists():
            continue
        for index, (author, body) in enumerate(lines):
            message_send(
                actor=officials[author], room=room, body=body, client_id=f"demo-{slug}-{index}"
            )

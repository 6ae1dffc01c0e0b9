"""A "ten-year" world on PostgreSQL, for measuring pages at real size.

    .venv/bin/python bench/seed_large.py [--scale 1.0] [--db enclave_bench_large] [--force]

Creates the database if missing (postgres://postgres@127.0.0.1:5432/<db>), migrates it, loads
the demo world (`seed_demo`: the same officials, eu@ and secretariat@ with their second factor,
and the `offsets` dialogue), then bulk-inserts through the models, at SCALE 1.0:

  40 jurisdictions (observers, one former), ~600 officials, ~60 more dialogues (some archived,
  Chatham House or anonymous, some open to observers) with roster grants as workspaces/services.py
  stores them (guardian grants to jurisdiction groups, a facilitator grant to the Secretariat),
  ~100,000 posts (threads of 2,000+ posts, many short ones; tree paths as `_save_post` builds
  them), ~200,000 chat messages (per-room seq, ChatRoom.last_seq), ~5,000 documents (one version
  each, all pointing at one tiny placeholder file), ~200,000 notifications, ~500,000 audit
  events, a few dialogue sessions; ~15% of threads and documents for full members only.

The `offsets` dialogue gets a thread of 1,000 replies and 1,100 more chat messages (what
bench/scaling.py measures; it adds the same to the small demo world with `grow_offsets`).

A table `bench_world` keeps the scale, the seed version, the migrations it was last brought to and
the counts. When they match, nothing is seeded again; when only new migrations have been added
since (the recorded ones are all still in the graph), the world is migrated forward and analysed
(seconds, not minutes); otherwise the database is dropped and rebuilt. SCALE 0.1 is a smoke run.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DB = "enclave_bench_large"
# Bump a world's version when what is seeded in it changes: its marker then no longer matches.
SEED_VERSIONS = {"large": 1, "small": 2}
BATCH = 5000
LONG_REPLIES = 1000  # the offsets thread bench/scaling.py reads
CHAT_EXTRA = 1100  # chat messages added to the offsets room (catch-up of 1,000)
RARE_WORD = "zeolite"  # in exactly RARE_POSTS posts
RARE_POSTS = 3
COMMON_WORD = "emissions"

VOCABULARY = (  # noqa: SIM905
    "offsets removals accounting baseline allowance auction market linkage registry compliance "
    "verification permanence leakage additionality methodology sector cap trajectory price floor "
    "reserve banking borrowing credits forestry industrial benchmark carbon intensity review "
    "proposal draft amendment timeline partners jurisdiction secretariat consultation annex "
    "reporting monitoring inventory transparency integrity safeguards unit transfer ledger"
).split()


def documents_dir(db: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{db}-documents"


def configure(db: str) -> None:
    """The environment Django is set up with (before django.setup())."""
    for name in ("REDIS_URL", "ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ["DATABASE_POOL_MAX_SIZE"] = "0"  # one plain connection, switchable by NAME
    os.environ["ENCLAVE_DOCUMENTS_DIR"] = str(documents_dir(db))
    documents_dir(db).mkdir(parents=True, exist_ok=True)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _exists(db: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()


def use_database(db: str) -> None:
    """Point Django's default connection at `db` (created if missing)."""
    from django.db import connection

    if not _exists(db):
        _admin(f'CREATE DATABASE "{db}"')
    connection.close()
    connection.settings_dict["NAME"] = db


def _recreate(db: str) -> None:
    from django.db import connection

    connection.close()
    _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{db}"')


def _graph():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection, ignore_no_migrations=True).graph


def migration_leaves() -> list[list[str]]:
    return sorted([list(node) for node in _graph().leaf_nodes()])


def migration_digest(kind: str) -> str:
    leaves = migration_leaves()
    return hashlib.sha256(json.dumps([SEED_VERSIONS[kind], leaves]).encode()).hexdigest()[:16]


def migrates_forward(marker: dict) -> bool:
    """Whether the world in the marker only lacks migrations added since: its seed version is
    this one and every migration it was brought to is still in the graph."""
    recorded = marker.get("leaves")
    if marker.get("seed_version") != SEED_VERSIONS[marker["kind"]] or not recorded:
        return False
    nodes = set(_graph().nodes)
    return all(tuple(leaf) in nodes for leaf in recorded)


def read_marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_world') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            "SELECT kind, scale, migrations, counts, seconds, leaves, seed_version FROM bench_world"
        )
        row = cursor.fetchone()
    if row is None:
        return None

    def parsed(value):
        return value if not isinstance(value, str) else json.loads(value)

    return {
        "kind": row[0],
        "scale": row[1],
        "migrations": row[2],
        "counts": parsed(row[3]),
        "s": row[4],
        "leaves": parsed(row[5]),
        "seed_version": row[6],
    }


def write_marker(kind: str, scale: float, counts: dict, seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_world (kind text, scale double precision, "
            "migrations text, counts jsonb, seconds double precision, leaves jsonb, "
            "seed_version integer, created_at timestamptz DEFAULT now())"
        )
        cursor.execute("DELETE FROM bench_world")
        cursor.execute(
            "INSERT INTO bench_world (kind, scale, migrations, counts, seconds, leaves, "
            "seed_version) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                kind,
                scale,
                migration_digest(kind),
                json.dumps(counts),
                seconds,
                json.dumps(migration_leaves()),
                SEED_VERSIONS[kind],
            ],
        )


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def _seed_demo() -> None:
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())


def counts() -> dict[str, int]:
    from accounts.models import AuditEvent, Jurisdiction, User
    from dialogues.models import ChatMessage, DialogueSession, Notification, Post, Thread
    from workspaces.models import Document, Workspace

    models = {
        "jurisdictions": Jurisdiction,
        "officials": User,
        "workspaces": Workspace,
        "threads": Thread,
        "posts": Post,
        "chat messages": ChatMessage,
        "documents": Document,
        "notifications": Notification,
        "audit events": AuditEvent,
        "dialogue sessions": DialogueSession,
    }
    return {name: model.objects.count() for name, model in models.items()}


def ensure_world(db: str, kind: str, scale: float, force: bool = False) -> dict:
    """Make `db` hold the `kind` world ("small": the demo world grown by grow_offsets; "large":
    the ten-year world at `scale`), reusing it when its marker matches. Returns the marker."""
    use_database(db)
    digest = migration_digest(kind)
    marker = None
    try:
        marker = read_marker()
    except Exception:  # noqa: BLE001 - an unreadable database is rebuilt
        marker = None
    if (
        not force
        and marker
        and marker["kind"] == kind
        and marker["scale"] == scale
        and marker["migrations"] == digest
    ):
        marker["reused"] = True
        return marker
    same_world = marker and marker["kind"] == kind and marker["scale"] == scale
    if not force and same_world and migrates_forward(marker):
        started = time.perf_counter()
        _migrate()
        _analyze()
        write_marker(kind, scale, marker["counts"], marker["s"])
        marker["reused"] = True
        marker["migrated forward in s"] = round(time.perf_counter() - started, 1)
        return marker
    _recreate(db)
    use_database(db)
    started = time.perf_counter()
    _migrate()
    _seed_demo()
    if kind == "large":
        seed_large(scale)
    else:
        grow_offsets(random.Random(7))
        fill_pages(random.Random(8))
    _analyze()
    seconds = time.perf_counter() - started
    found = counts()
    write_marker(kind, scale, found, seconds)
    return {"kind": kind, "scale": scale, "counts": found, "s": seconds, "reused": False}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# ------------------------------------------------------------------------------
# Bulk building blocks
# ------------------------------------------------------------------------------


def _ids(model, n: int) -> list[int]:
    """`n` primary keys taken from the table's sequence (so paths can be built before insert)."""
    from django.db import connection

    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def _bulk(model, objects, batch: int = BATCH) -> int:
    """bulk_create an iterable in batches; returns how many."""
    done, chunk = 0, []
    for obj in objects:
        chunk.append(obj)
        if len(chunk) >= batch:
            model.objects.bulk_create(chunk, batch_size=batch)
            done += len(chunk)
            chunk = []
    if chunk:
        model.objects.bulk_create(chunk, batch_size=batch)
        done += len(chunk)
    return done


def _text(rng: random.Random, low: int, high: int, common: float = 0.4) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(low, high))
    if rng.random() < common:
        words.insert(rng.randrange(len(words) + 1), COMMON_WORD)
    return " ".join(words).capitalize() + "."


def _path_segment(pk: int) -> str:
    from dialogues.threads.services import PATH_WIDTH

    return str(pk).zfill(PATH_WIDTH)


def _thread_posts(rng, thread, authors, start, n_posts, span, long_flat=False):
    """Posts of one thread, opening first, dated from `start` over `span`, with paths and depths
    as `_save_post` gives them (ids taken from the sequence first). Returns (posts, last time)."""
    from dialogues.models import Post
    from dialogues.models.threads import MAX_DEPTH

    ids = _ids(Post, n_posts)
    posts: list = []
    by_pk: dict = {}
    step = span / max(n_posts, 1)
    when = start
    for number, pk in enumerate(ids):
        if number == 0:
            parent, path, depth = None, _path_segment(pk), 0
        else:
            parent = posts[0] if long_flat or rng.random() < 0.5 else rng.choice(posts)
            # Past the depth cap a reply joins its parent's level (as thread_reply does).
            if parent.depth >= MAX_DEPTH:
                parent = by_pk[parent.parent_id]
            path, depth = f"{parent.path}.{_path_segment(pk)}", parent.depth + 1
        body = _text(rng, 8, 40)
        post = Post(
            pk=pk,
            thread=thread,
            parent=parent,
            path=path,
            depth=depth,
            author=authors[rng.randrange(len(authors))] if number else thread.author,
            body_source=body,
            body_html=f"<p>{body}</p>",
            created_at=when,
        )
        posts.append(post)
        by_pk[pk] = post
        when += step * (0.5 + rng.random())
    return posts, posts[-1].created_at


def _long_thread(rng, workspace, title, authors, replies, start, span, audience="everyone"):
    from dialogues.models import Post, Thread

    thread = Thread.objects.create(
        workspace=workspace,
        title=title,
        audience=audience,
        author=authors[0],
        created_at=start,
        last_post_at=start,
        post_count=replies + 1,
    )
    posts, last = _thread_posts(rng, thread, authors, start, replies + 1, span, long_flat=True)
    _bulk(Post, posts)
    Thread.objects.filter(pk=thread.pk).update(last_post_at=last)
    return thread


def _chat(rng, room, authors, n: int, start, span) -> int:
    from dialogues.models import ChatMessage, ChatRoom

    if n <= 0:
        return 0
    first = room.last_seq + 1
    step = span / n

    def messages():
        for i in range(n):
            seq = first + i
            body = _text(rng, 3, 20, common=0.2)
            yield ChatMessage(
                room=room,
                seq=seq,
                author=authors[rng.randrange(len(authors))],
                client_id=f"bench-{room.pk}-{seq}",
                body_source=body,
                body_html=f"<p>{body}</p>",
                created_at=start + step * i,
            )

    done = _bulk(ChatMessage, messages())
    room.last_seq = first + n - 1
    ChatRoom.objects.filter(pk=room.pk).update(last_seq=room.last_seq)
    return done


def _documents(rng, count: int, workspace, officials, when) -> list:
    """`count` documents (in `workspace()`, by one of `officials`, dated `when()`), one version
    each, all on one placeholder file."""
    from workspaces.models import Document, DocumentVersion

    placeholder = b"Placeholder document for the large benchmark world.\n"
    storage_name = "bench/placeholder.txt"
    target = Path(os.environ["ENCLAVE_DOCUMENTS_DIR"]) / storage_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(placeholder)
    digest = hashlib.sha256(placeholder).hexdigest()
    documents = []
    for i in range(count):
        stamp = when()
        documents.append(
            Document(
                workspace=workspace(),
                title=f"{' '.join(rng.choices(VOCABULARY, k=4)).capitalize()} ({i})",
                description=_text(rng, 5, 25),
                tags=Document.stored_tags(sorted(set(rng.choices(VOCABULARY, k=2)))),
                marking="do_not_cite" if rng.random() < 0.1 else "none",
                audience="full_members" if rng.random() < 0.15 else "everyone",
                uploaded_by=officials[rng.randrange(len(officials))],
                created_at=stamp,
                updated_at=stamp,
            )
        )
    Document.objects.bulk_create(documents, batch_size=BATCH)
    _bulk(
        DocumentVersion,
        (
            DocumentVersion(
                document=d,
                number=1,
                file=storage_name,
                filename=f"document-{d.pk}.txt",
                content_type="text/plain",
                size=len(placeholder),
                sha256=digest,
                uploaded_by=d.uploaded_by,
                created_at=d.created_at,
            )
            for d in documents
        ),
    )
    return documents


def _library(rng, count: int, when) -> int:
    """`count` documents in the partnership library (the demo's workspace, by its keeper), with
    their details and up to three jurisdictions each."""
    from accounts.models import Jurisdiction, User
    from partnership.library.metadata import LANGUAGES
    from partnership.library.services import library_workspace
    from partnership.models import LibraryEntry

    library = library_workspace()
    keeper = User.objects.get(email__startswith="secretariat@")
    documents = _documents(rng, count, lambda: library, [keeper], when)
    entries = LibraryEntry.objects.bulk_create(
        (
            LibraryEntry(
                document=d,
                kind=rng.choice(LibraryEntry.Kind.values),
                topic=rng.choice(LibraryEntry.Topic.values),
                year=rng.randint(2005, 2026),
                language=rng.choice([code for code, _ in LANGUAGES]),
            )
            for d in documents
        ),
        batch_size=BATCH,
    )
    jurisdictions = list(Jurisdiction.objects.values_list("pk", flat=True))
    through = LibraryEntry.jurisdictions.through
    _bulk(
        through,
        (
            through(libraryentry_id=e.pk, jurisdiction_id=j)
            for e in entries
            for j in rng.sample(jurisdictions, rng.randint(0, 3))
        ),
    )
    return len(entries)


def fill_pages(rng: random.Random) -> None:
    """The small world's lists hold more than a page each, as the large world's do, so that the
    scaling bench compares a page with a page (not 5 rows with 25): in `offsets`, 30 more
    threads and 30 more documents; 30 more in the library; the rare word in one post, 60 audit
    events by eu@ and 60 notifications for eu@."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import AuditEvent, User
    from dialogues.models import Notification, Post
    from workspaces.models import Workspace

    offsets = Workspace.objects.get(slug="offsets")
    eu = User.objects.get(email="eu@demo.enclave.test")
    authors = list(User.objects.filter(jurisdiction__isnull=False).order_by("pk"))
    now = timezone.now()
    DAY = datetime.timedelta(days=1)  # noqa: N806

    def when() -> datetime.datetime:
        return now - datetime.timedelta(days=rng.uniform(1, 300))

    with transaction.atomic():
        threads = [
            _long_thread(rng, offsets, f"Short thread {i}", authors, 2, when(), DAY)
            for i in range(30)
        ]
        post = Post.objects.filter(thread=threads[0]).order_by("pk").last()
        Post.objects.filter(pk=post.pk).update(
            body_source=f"{post.body_source} {RARE_WORD.capitalize()} filters.",
            body_html=f"<p>{post.body_source} {RARE_WORD.capitalize()} filters.</p>",
        )
        _documents(rng, 30, lambda: offsets, authors, when)
        _library(rng, 30, when)
        _bulk(
            AuditEvent,
            (
                AuditEvent(
                    created_at=when(),
                    action=AuditEvent.Action.LOGIN,
                    actor=eu,
                    actor_label=f"{eu.full_name} <{eu.email}>",
                    jurisdiction_id=eu.jurisdiction_id,
                    summary=f"login by {eu.full_name}",
                    detail={},
                )
                for _ in range(60)
            ),
        )
        _bulk(
            Notification,
            (
                Notification(
                    recipient=eu,
                    actor=authors[rng.randrange(len(authors))],
                    kind="reply",
                    workspace=offsets,
                    thread=thread,
                    created_at=when(),
                )
                for thread in rng.choices(threads, k=60)
            ),
        )


def grow_offsets(rng: random.Random) -> dict:
    """What both worlds share for the scaling bench: in `offsets`, a thread of LONG_REPLIES
    replies (read up to its last post) and CHAT_EXTRA more chat messages in its room."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from dialogues.chat.services import workspace_room
    from workspaces.models import Workspace

    offsets = Workspace.objects.get(slug="offsets")
    authors = list(User.objects.filter(jurisdiction__isnull=False).order_by("pk")[:200])
    now = timezone.now()
    with transaction.atomic():
        thread = _long_thread(
            rng,
            offsets,
            "A thousand replies",
            authors,
            LONG_REPLIES,
            now - datetime.timedelta(days=30),
            datetime.timedelta(days=29),
        )
        room = workspace_room(offsets)
        _chat(
            rng,
            room,
            authors,
            CHAT_EXTRA,
            now - datetime.timedelta(days=3),
            datetime.timedelta(days=2),
        )
    return {"thread": thread.pk, "room": room.pk}


# ------------------------------------------------------------------------------
# The large world
# ------------------------------------------------------------------------------


def seed_large(scale: float) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import AuditEvent, Jurisdiction, User
    from dialogues.chat.services import workspace_room
    from dialogues.models import ChatRoom, DialogueSession, Notification, Post, Thread
    from workspaces.access import WorkspaceRole
    from workspaces.models import (
        AttributionMode,
        Workspace,
        WorkspaceGroupGrant,
        WorkspaceUserGrant,
    )
    from workspaces.services import _permission

    rng = random.Random(2025)
    now = timezone.now()
    ten_years = datetime.timedelta(days=3652)
    origin = now - ten_years

    def when() -> datetime.datetime:
        return origin + ten_years * rng.random()

    def n(full: int, low: int = 1) -> int:
        return max(low, round(full * scale))

    clock = [time.perf_counter()]

    def step(label: str) -> None:
        now_t = time.perf_counter()
        print(f"  {label:<44} {now_t - clock[0]:6.1f} s", flush=True)
        clock[0] = now_t

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    secretariat = User.objects.get(email__startswith="secretariat@")
    eu = User.objects.get(email__startswith="eu@")
    participate = _permission(WorkspaceRole.PARTICIPANT)
    facilitate = _permission(WorkspaceRole.FACILITATOR)

    with transaction.atomic():
        # Jurisdictions: up to 40 in all, three observers and one former among the new ones.
        extra = max(4, n(40) - Jurisdiction.objects.count())
        groups = Group.objects.bulk_create(
            [Group(name=f"jurisdiction:bench-{i:02d}") for i in range(extra)]
        )
        statuses = ["observer", "observer", "observer", "former"] + ["member"] * extra
        Jurisdiction.objects.bulk_create(
            Jurisdiction(
                name=f"Bench Jurisdiction {i:02d}",
                code=f"bench-{i:02d}",
                level=rng.choice(["national", "subnational"]),
                status=statuses[i],
                since=(origin + datetime.timedelta(days=90 * i)).date(),
                group=group,
            )
            for i, group in enumerate(groups)
        )
        jurisdictions = list(Jurisdiction.objects.order_by("pk"))
        former = [j for j in jurisdictions if j.status == "former"]
        observers = [j for j in jurisdictions if j.status == "observer"]
        members = [j for j in jurisdictions if j.status == "member"]
        eu_j = eu.jurisdiction

        # Officials: spread over the jurisdictions, a few more Secretariat staff.
        users = []
        for i in range(n(600)):
            if i % 60 == 59:
                users.append(
                    User(
                        email=f"sec{i}@bench.enclave.test",
                        handle=f"bench.sec{i}",
                        full_name=f"Secretariat Official {i}",
                        is_secretariat=True,
                        password="!",
                        date_joined=when(),
                    )
                )
                continue
            jurisdiction = jurisdictions[i % len(jurisdictions)]
            users.append(
                User(
                    email=f"official{i}@bench.enclave.test",
                    handle=f"bench.official{i}",
                    full_name=f"Official {i:04d} {rng.choice(VOCABULARY).title()}",
                    jurisdiction=jurisdiction,
                    is_focal_point=i < len(jurisdictions),
                    password="!",
                    date_joined=when(),
                )
            )
        User.objects.bulk_create(users, batch_size=BATCH)
        new_users = list(User.objects.filter(email__endswith="@bench.enclave.test"))
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=u.pk, group_id=u.jurisdiction.group_id)
            for u in new_users
            if u.jurisdiction_id
        )
        officials = list(
            User.objects.filter(jurisdiction__isnull=False)
            .exclude(jurisdiction__status="former")
            .select_related("jurisdiction")
        )
        everyone = list(User.objects.all().select_related("jurisdiction"))
        step(f"{len(jurisdictions)} jurisdictions, {len(everyone)} officials")

        # Workspaces, with roster grants and their chat room.
        attributions = [AttributionMode.NAMED] * 5 + [
            AttributionMode.CHATHAM_HOUSE,
            AttributionMode.ANONYMOUS,
        ]
        created = []
        for i in range(n(60, 6)):
            start = when()
            created.append(
                Workspace(
                    title=f"Bench dialogue {i:03d}: {' '.join(rng.choices(VOCABULARY, k=3))}",
                    slug=f"bench-{i:03d}",
                    purpose_source=_text(rng, 10, 30),
                    purpose_html="",
                    status="archived" if i % 12 == 11 else "active",
                    observer_policy=["none", "none", "read", "contribute"][i % 4],
                    attribution=attributions[i % len(attributions)],
                    created_by=secretariat,
                    created_at=start,
                    last_activity_at=start,
                )
            )
        Workspace.objects.bulk_create(created)
        bench_workspaces = list(Workspace.objects.filter(slug__startswith="bench-"))
        user_grants, group_grants = [], []
        for workspace in bench_workspaces:
            user_grants.append(
                WorkspaceUserGrant(
                    content_object=workspace,
                    user=secretariat,
                    permission=facilitate,
                    added_by=secretariat,
                )
            )
            roster = {eu_j, *rng.sample(members, min(len(members), rng.randint(8, 25)))}
            if workspace.observer_policy != "none":
                roster.update(observers)
            if rng.random() < 0.2:
                roster.update(former)
            group_grants.extend(
                WorkspaceGroupGrant(
                    content_object=workspace,
                    group_id=j.group_id,
                    permission=participate,
                    added_by=secretariat,
                )
                for j in roster
            )
        WorkspaceUserGrant.objects.bulk_create(user_grants)
        WorkspaceGroupGrant.objects.bulk_create(group_grants)
        ChatRoom.objects.bulk_create(
            ChatRoom(workspace=w, title=w.title, created_at=w.created_at) for w in bench_workspaces
        )
        offsets = Workspace.objects.get(slug="offsets")
        workspaces = [offsets, *bench_workspaces]
        # offsets holds a larger share, as the busiest dialogue would.
        weights = [8.0] + [1.0] * len(bench_workspaces)
        step(f"{len(workspaces)} workspaces, {len(group_grants)} group grants")

    # Threads and posts.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
        total = n(100_000, 2_000)
        long_sizes = [n(s, 50) for s in (2500, 2200, 2000)]
        for number, size in enumerate(long_sizes):
            start = now - datetime.timedelta(days=400 * (number + 1))
            _long_thread(
                rng,
                workspaces[number % len(workspaces)],
                f"Long-running thread {number}",
                officials,
                size - 1,
                start,
                datetime.timedelta(days=365),
            )
        left = total - sum(long_sizes)
        sizes = []
        while left > 0:
            size = rng.randint(1, 8) if rng.random() < 0.6 else rng.randint(9, 90)
            size = min(size, left)
            sizes.append(size)
            left -= size
        threads = []
        for size in sizes:
            workspace = rng.choices(workspaces, weights)[0]
            start = when()
            threads.append(
                Thread(
                    workspace=workspace,
                    title=" ".join(rng.choices(VOCABULARY, k=rng.randint(3, 8))).capitalize(),
                    audience="full_members" if rng.random() < 0.15 else "everyone",
                    author=officials[rng.randrange(len(officials))],
                    created_at=start,
                    last_post_at=start,
                    post_count=size,
                )
            )
        Thread.objects.bulk_create(threads, batch_size=BATCH)
        batch = []
        last_posted = {}
        for thread, size in zip(threads, sizes, strict=True):
            span = datetime.timedelta(days=rng.uniform(0.5, 60))
            posts, last = _thread_posts(rng, thread, officials, thread.created_at, size, span)
            last_posted[thread.pk] = last
            batch.extend(posts)
            if len(batch) >= BATCH:
                Post.objects.bulk_create(batch, batch_size=BATCH)
                batch = []
        if batch:
            Post.objects.bulk_create(batch, batch_size=BATCH)
        for thread in threads:
            thread.last_post_at = last_posted[thread.pk]
        Thread.objects.bulk_update(threads, ["last_post_at"], batch_size=BATCH)
        # The rare word, in exactly a few posts.
        for pk in rng.sample(list(Post.objects.values_list("pk", flat=True)[:50_000]), RARE_POSTS):
            post = Post.objects.get(pk=pk)
            Post.objects.filter(pk=pk).update(
                body_source=f"{post.body_source} {RARE_WORD.capitalize()} filters.",
                body_html=f"<p>{post.body_source} {RARE_WORD.capitalize()} filters.</p>",
            )
        step(f"{Thread.objects.count()} threads, {Post.objects.count()} posts")

    # Chat: every room, offsets' busiest.
    with transaction.atomic():
        rooms = {r.workspace_id: r for r in ChatRoom.objects.filter(is_workspace_room=True)}
        room_list = [rooms.get(w.pk) or workspace_room(w) for w in workspaces]
        total = n(200_000, 2_000)
        shares = [rng.random() * weight for weight in weights]
        whole = sum(shares)
        for room, share in zip(room_list, shares, strict=True):
            count = round(total * share / whole)
            # Dated before the newest messages grow_offsets adds next (seq follows time).
            _chat(rng, room, officials, count, origin, ten_years * 0.99)
        step("chat messages")
    grown = grow_offsets(rng)

    # Documents, one version each, all on one placeholder file.
    with transaction.atomic():
        documents = _documents(
            rng, n(5_000, 50), lambda: rng.choices(workspaces, weights)[0], officials, when
        )
        step(f"{len(documents)} documents")
        step(f"{_library(rng, n(3_000, 30), when)} library documents")

    # Notifications: about posts; eu@ gets 1% of them.
    sample = list(
        Post.objects.order_by("?").values_list("pk", "thread_id", "thread__workspace_id")[:20_000]
    )
    with transaction.atomic():
        kinds = ["reply", "reply", "mention", "new_thread"]

        def notifications():
            for _ in range(n(200_000, 2_000)):
                pk, thread_id, workspace_id = sample[rng.randrange(len(sample))]
                recipient = eu if rng.random() < 0.01 else officials[rng.randrange(len(officials))]
                stamp = when()
                yield Notification(
                    recipient=recipient,
                    kind=rng.choice(kinds),
                    actor=officials[rng.randrange(len(officials))],
                    workspace_id=workspace_id,
                    thread_id=thread_id,
                    post_id=pk,
                    created_at=stamp,
                    read_at=stamp if rng.random() < 0.9 else None,
                )

        made = _bulk(Notification, notifications())
        step(f"{made} notifications")

    # Audit events.
    with transaction.atomic():
        actions = (
            ["login"] * 12
            + ["logout"] * 4
            + ["login_failed", "document_downloaded", "document_downloaded", "document_uploaded"]
            + ["roster_added", "workspace_changed", "post_hidden", "exported", "role_changed"]
        )

        def events():
            for _ in range(n(500_000, 5_000)):
                roll = rng.random()
                actor = eu if roll < 0.005 else everyone[rng.randrange(len(everyone))]
                action = rng.choice(actions)
                workspace = workspaces[rng.randrange(len(workspaces))]
                yield AuditEvent(
                    created_at=when(),
                    action=action,
                    actor=actor,
                    actor_label=f"{actor.full_name} <{actor.email}>",
                    jurisdiction_id=actor.jurisdiction_id,
                    scope=f"workspace:{workspace.slug}" if not action.startswith("log") else "",
                    ip_address=f"192.0.2.{rng.randrange(1, 255)}",
                    summary=f"{action} by {actor.full_name}",
                    detail={},
                )

        made = _bulk(AuditEvent, events())
        step(f"{made} audit events")

    # A few dialogue sessions (named, Chatham House, anonymous).
    with transaction.atomic():
        sessions = []
        for i in range(n(12, 3)):
            start = now + datetime.timedelta(days=rng.randint(-900, 60))
            sessions.append(
                DialogueSession(
                    workspace=workspaces[1 + i % (len(workspaces) - 1)],
                    title=f"Bench session {i}",
                    description_source=_text(rng, 5, 15),
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=2),
                    attribution=["", "chatham_house", "anonymous"][i % 3],
                    status="closed" if start < now else "scheduled",
                    created_by=secretariat,
                )
            )
        DialogueSession.objects.bulk_create(sessions)
        # Workspaces' activity: their newest thread.
        for workspace in workspaces:
            newest = workspace.threads.order_by("-last_post_at").values_list(
                "last_post_at", flat=True
            )[:1]
            if newest:
                Workspace.objects.filter(pk=workspace.pk).update(last_activity_at=newest[0])
        step(f"{len(sessions)} sessions; thread {grown['thread']} is the long one")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1.0")))
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--force", action="store_true", help="rebuild even if the marker matches")
    args = parser.parse_args()
    configure(args.db)
    import django

    django.setup()
    import logging

    logging.getLogger("enclave.security").setLevel(logging.WARNING)
    started = time.perf_counter()
    print(f"large world, SCALE {args.scale}, database {args.db} …", flush=True)
    marker = ensure_world(args.db, "large", args.scale, force=args.force)
    took = time.perf_counter() - started
    if marker["reused"]:
        print(f"reused (seeded earlier in {marker['s']:.0f} s); checked in {took:.1f} s")
    else:
        print(f"seeded in {took:.1f} s")
    for name, value in marker["counts"].items():
        print(f"  {name:<20} {value:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

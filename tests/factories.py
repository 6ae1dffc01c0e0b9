"""factory-boy factories: the cast of users and jurisdictions, and the content they make.

The content factories (workspaces, threads, posts, documents, dialogue sessions) make their
objects through the services, as the pages do: each object is valid in every way the services
see to (rosters, opening posts, tree paths, stored files, rooms, audit records), and the policy
is asked as for any write. So that a test need not set up a roster first, whoever writes through
a factory is put on the workspace's roster when they are not on it at all: as a participant to
write threads, posts and documents, as a facilitator to create a session. Fields no service takes
(a workspace's attribution or status, a thread's pin...) are stored as given once it exists.
Only the create strategy is supported (`Factory()` / `Factory.create()`).
"""

import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Jurisdiction, User
from dialogues.models import DialogueSession, Post, Thread
from workspaces.models import Audience, Document, Marking, Workspace

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
PASSWORD = "correct horse battery staple"
# The smallest file the documents' sniffing takes for a PDF.
# A valid one-page PDF (blank): a watermarked download can stamp it.
PDF = (
    b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n"
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n3 0 obj\n"
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>\nendobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000054 00000 n \n0000000105 00000 n \n"
    b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction

    name = factory.Sequence(lambda n: f"Jurisdiction {n}")
    code = factory.Sequence(lambda n: f"j{n}")
    level = Jurisdiction.Level.NATIONAL
    status = Jurisdiction.Status.FULL_MEMBER
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"jurisdiction:{o.code}"))


class UserFactory(factory.django.DjangoModelFactory):
    """An official of a new jurisdiction; `secretariat=True` for Secretariat staff, `totp=True`
    to enrol a second factor (which Co-Chairs and the Secretariat need to act at all)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"official{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Official {n}")
    handle = factory.LazyAttribute(lambda o: o.email.split("@")[0])
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def finish(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        if self.jurisdiction_id:
            self.groups.add(self.jurisdiction.group)
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if create and extracted:
            enrol_totp(self)

    class Params:
        secretariat = factory.Trait(jurisdiction=None, is_secretariat=True)


def enrol_totp(user: User) -> None:
    TOTP.activate(user, TOTP_SECRET)


# ------------------------------------------------------------------------------
# Content, made through the services
# ------------------------------------------------------------------------------


def _store(obj, fields: dict):
    """Store the fields no service takes, as given."""
    if fields:
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(fields))
    return obj


def _on_roster(user: User, workspace: Workspace, role: str = "participant") -> None:
    """Put `user` on the roster (added by the workspace's creator, audited) unless on it already,
    directly or through their jurisdiction."""
    from workspaces.access import WorkspaceRole, workspace_role
    from workspaces.services import roster_add_user

    if workspace_role(user, workspace) is None:
        roster_add_user(
            actor=workspace.created_by,
            workspace=workspace,
            user=user,
            role=WorkspaceRole(role),
        )


class WorkspaceFactory(factory.django.DjangoModelFactory):
    """A workspace as `workspace_create` makes it: its creator (by default new Secretariat staff
    with a second factor) facilitates it, and it has its chat room. `jurisdictions` and
    `participants` (users) go on the roster as participants."""

    class Meta:
        model = Workspace

    title = factory.Sequence(lambda n: f"Dialogue {n}")
    slug = factory.Sequence(lambda n: f"dialogue-{n}")
    purpose_source = ""
    observer_policy = Workspace.ObserverPolicy.NONE
    created_by = factory.SubFactory(UserFactory, secretariat=True, totp=True)
    jurisdictions = ()
    participants = ()

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        created_by,
        title,
        slug,
        purpose_source,
        observer_policy,
        jurisdictions,
        participants,
        **fields,
    ):
        from workspaces.access import WorkspaceRole
        from workspaces.services import roster_add_jurisdiction, roster_add_user, workspace_create

        workspace = workspace_create(
            actor=created_by,
            title=title,
            slug=slug,
            purpose=purpose_source,
            observer_policy=observer_policy,
        )
        for jurisdiction in jurisdictions:
            roster_add_jurisdiction(
                actor=created_by,
                workspace=workspace,
                jurisdiction=jurisdiction,
                role=WorkspaceRole.PARTICIPANT,
            )
        for user in participants:
            roster_add_user(
                actor=created_by, workspace=workspace, user=user, role=WorkspaceRole.PARTICIPANT
            )
        return _store(workspace, fields)


class ThreadFactory(factory.django.DjangoModelFactory):
    """A thread and its opening post (`body`), made by `thread_create`; the author is by default
    the workspace's creator. The opening post: `thread.posts.get(depth=0)`."""

    class Meta:
        model = Thread

    workspace = factory.SubFactory(WorkspaceFactory)
    author = factory.LazyAttribute(lambda o: o.workspace.created_by)
    title = factory.Sequence(lambda n: f"Thread {n}")
    body = factory.Sequence(lambda n: f"Opening post {n}.")
    audience = Audience.EVERYONE

    @classmethod
    def _create(cls, model_class, *, workspace, author, title, body, audience, **fields):
        from dialogues.threads.services import thread_create

        _on_roster(author, workspace)
        thread = thread_create(
            actor=author, workspace=workspace, title=title, body=body, audience=audience
        )
        return _store(thread, fields)


class PostFactory(factory.django.DjangoModelFactory):
    """A reply made by `post_reply`: to `parent` if given (in its thread), else to the opening
    post of `thread` (by default a new thread). The author is by default a new official, who
    joins the roster."""

    class Meta:
        model = Post

    parent = None
    thread = factory.Maybe(
        "parent",
        yes_declaration=factory.LazyAttribute(lambda o: o.parent.thread),
        no_declaration=factory.SubFactory(ThreadFactory),
    )
    author = factory.SubFactory(UserFactory)
    body_source = factory.Sequence(lambda n: f"Reply {n}.")

    @classmethod
    def _create(cls, model_class, *, thread, parent, author, body_source, **fields):
        from dialogues.threads.services import post_reply

        _on_roster(author, thread.workspace)
        post = post_reply(actor=author, thread=thread, parent=parent, body=body_source)
        return _store(post, fields)


class DocumentFactory(factory.django.DjangoModelFactory):
    """A document with its first version, made by `document_upload`: the file (`upload`, by
    default a small PDF) is sniffed and stored in the documents storage. The uploader is by
    default the workspace's creator."""

    class Meta:
        model = Document

    workspace = factory.SubFactory(WorkspaceFactory)
    uploaded_by = factory.LazyAttribute(lambda o: o.workspace.created_by)
    title = factory.Sequence(lambda n: f"Document {n}")
    description = ""
    tags = ()
    audience = Audience.EVERYONE
    marking = Marking.NONE
    upload = factory.LazyAttribute(
        lambda o: SimpleUploadedFile(
            f"{slugify(o.title) or 'document'}.pdf", PDF, content_type="application/pdf"
        )
    )

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        workspace,
        uploaded_by,
        title,
        description,
        tags,
        audience,
        marking,
        upload,
        **fields,
    ):
        from workspaces.documents import document_upload

        _on_roster(uploaded_by, workspace)
        document = document_upload(
            actor=uploaded_by,
            workspace=workspace,
            upload=upload,
            title=title,
            description=description,
            tags=list(tags) if isinstance(tags, (list, tuple)) else tags,
            audience=audience,
            marking=marking,
        )
        return _store(document, fields)


# The steps that bring a new (draft) session to each state.
SESSION_STEPS = {
    DialogueSession.Status.DRAFT: [],
    DialogueSession.Status.SCHEDULED: ["schedule"],
    DialogueSession.Status.LIVE: ["schedule", "start"],
    DialogueSession.Status.MINUTES_IN_REVIEW: ["schedule", "start", "end"],
    DialogueSession.Status.CLOSED: ["schedule", "start", "end", "approve"],
}


class DialogueSessionFactory(factory.django.DjangoModelFactory):
    """A dialogue session made by `session_create` a week ahead, with one agenda item per title
    in `agenda`, then brought to `status` by the state machine's own steps. To close it, the
    minutes of the first item are written and shared by the creator and approved by
    `approved_by` (by default a new official who joins the roster as facilitator: the one who
    shares the minutes never approves them). The creator is by default the workspace's."""

    class Meta:
        model = DialogueSession

    workspace = factory.SubFactory(WorkspaceFactory)
    created_by = factory.LazyAttribute(lambda o: o.workspace.created_by)
    title = factory.Sequence(lambda n: f"Session {n}")
    description_source = ""
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    time_zone = "UTC"
    audience = Audience.EVERYONE
    attribution = ""
    agenda = ("Opening",)
    status = DialogueSession.Status.DRAFT
    approved_by = None

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        workspace,
        created_by,
        title,
        description_source,
        starts_at,
        ends_at,
        time_zone,
        audience,
        attribution,
        agenda,
        status,
        approved_by,
        **fields,
    ):
        from dialogues.meetings import minutes as meeting_minutes
        from dialogues.meetings import services as meetings

        _on_roster(created_by, workspace, "facilitator")
        session = meetings.session_create(
            actor=created_by,
            workspace=workspace,
            title=title,
            description=description_source,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=time_zone,
            audience=audience,
            attribution=attribution,
        )
        for item in agenda:
            meetings.agenda_item_save(
                actor=created_by, session=session, title=item, duration_minutes=30
            )
        for step in SESSION_STEPS[status]:
            actor = created_by
            if step == "approve":
                meeting_minutes.minutes_save(
                    actor=created_by,
                    session=session,
                    item=session.agenda.first(),
                    summary="Participants compared their approaches.",
                    decisions="",
                )
                meeting_minutes.minutes_share(actor=created_by, session=session)
                if approved_by is None:
                    approved_by = UserFactory()
                    _on_roster(approved_by, workspace, "facilitator")
                actor = approved_by
            session = meetings.session_transition(actor=actor, session=session, name=step)
        session = DialogueSession.objects.get(pk=session.pk)
        return _store(session, fields)

"""Uploads: the request size limit stops reading before the body is taken in, an oversize
upload gets the form with the size message alone (413 for the upload script), nothing stays on
disk, and sniffing an archive never inflates more than it needs."""

from __future__ import annotations

import asyncio
import io
import time
import tracemalloc
import zipfile

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.urls import reverse

from config.request_body_streaming import BODY_CHUNK, _Messages, _SpooledBody
from config.request_limits import PREFIX_BYTES, RequestBodyLimit
from workspaces import documents
from workspaces.file_types_and_names import MAX_ARCHIVE_ENTRIES, RejectedFile, sniff
from workspaces.models import Document
from workspaces.uploads import BODY_TOO_LARGE

MB = 1024 * 1024
SIZE_MESSAGE = "larger than the limit"
REQUIRED = "This field is required."
CSRF_SECRET = "a" * 32  # Django accepts the unmasked secret as the form token


def stored_files(documents_dir):
    return sorted(p.name for p in documents_dir.rglob("*") if p.is_file())


@pytest.fixture
def upload_tmp(settings, tmp_path):
    """Upload handlers' temporary files go here, so a test can see that none is left."""
    directory = tmp_path / "uploads"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    return directory


def post_document(client, size: int, **headers):
    return client.post(
        reverse("document_upload", kwargs={"slug": "offsets"}),
        {
            "file": SimpleUploadedFile("big.txt", b"x" * size),
            "title": "Big",
            "audience": "everyone",
            "marking": "none",
        },
        headers=headers,
    )


# ------------------------------------------------------------------------------
# Through Django (any server): the form, the script's 413, nothing left behind
# ------------------------------------------------------------------------------


def test_far_over_the_limit_answers_the_form_with_the_size_message_alone(
    world, dialogue, client_for, settings, documents_dir, upload_tmp
):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 2000
    response = post_document(client_for(world.member), 2000 + 2 * MB)
    html = response.content.decode()
    assert response.status_code == 400
    assert SIZE_MESSAGE in html and REQUIRED not in html
    assert not Document.objects.exists()
    assert stored_files(documents_dir) == [] and list(upload_tmp.iterdir()) == []


def test_a_little_over_the_limit_shows_the_size_message_alone(
    world, dialogue, client_for, settings, documents_dir, upload_tmp
):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 2000
    response = post_document(client_for(world.member), 5000)
    html = response.content.decode()
    assert response.status_code == 400
    assert SIZE_MESSAGE in html and REQUIRED not in html
    assert stored_files(documents_dir) == [] and list(upload_tmp.iterdir()) == []


def test_the_upload_script_gets_413_with_the_form(
    world, dialogue, client_for, settings, documents_dir, upload_tmp
):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 2000
    client = client_for(world.member)
    for size in (5000, 2000 + 2 * MB):
        response = post_document(client, size, x_requested_with="XMLHttpRequest")
        assert response.status_code == 413
        html = response.content.decode()
        assert SIZE_MESSAGE in html and REQUIRED not in html
    assert stored_files(documents_dir) == [] and list(upload_tmp.iterdir()) == []


def test_a_new_version_over_the_limit_is_refused_cleanly(
    world, dialogue, client_for, settings, documents_dir, upload_tmp
):
    document = documents.document_upload(
        actor=world.member,
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile("a.txt", b"first version\n"),
        title="A",
    )
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 2000
    url = reverse("document_add_version", kwargs={"slug": "offsets", "pk": document.pk})
    client = client_for(world.member)
    big = {"file": SimpleUploadedFile("b.txt", b"x" * (2000 + 2 * MB))}
    response = client.post(url, big)
    # The document page again, the size beside the file field.
    assert response.status_code == 400 and SIZE_MESSAGE in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    big = {"file": SimpleUploadedFile("b.txt", b"x" * (2000 + 2 * MB))}
    response = client.post(url, big, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 413
    assert document.versions.count() == 1
    assert len(stored_files(documents_dir)) == 1 and list(upload_tmp.iterdir()) == []


# ------------------------------------------------------------------------------
# Through the ASGI application as installed (the wrapper, then Django)
# ------------------------------------------------------------------------------

BOUNDARY = "----enclave-test-boundary"


def multipart(file_size: int, *, chunk: int = MB) -> tuple[int, callable]:
    """(length, chunks()): a form post like a browser's, CSRF token first, then the file
    (`file_size` bytes of text), then the other fields; chunks are made as they are read."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{CSRF_SECRET}\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = (
        "".join(
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'
            for name, value in (("title", "Big"), ("audience", "everyone"), ("marking", "none"))
        ).encode()
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    line = b"Offsets and removals, one line of plain text.\n"
    block = (line * (chunk // len(line) + 1))[:chunk]

    def chunks():
        yield head
        left = file_size
        while left:
            piece = block[: min(left, chunk)]
            left -= len(piece)
            yield piece
        yield tail

    return len(head) + file_size + len(tail), chunks


class Call:
    """One request to an ASGI app: the response, and how many times the app read the body."""

    def __init__(self, app, path, chunks, headers):
        self.app, self.path, self.chunks, self.headers = app, path, chunks, headers
        self.reads = 0
        self.done = False
        self.status = None
        self.body = b""
        self.scope = {}

    async def run(self):
        pieces = self.chunks()
        pending = next(pieces, None)

        async def receive():
            nonlocal pending
            if self.done:  # like a server: nothing until the client goes away
                await asyncio.Future()
            self.reads += 1
            piece, pending = pending, next(pieces, None)
            self.done = pending is None
            return {"type": "http.request", "body": piece or b"", "more_body": pending is not None}

        async def send(message):
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.response_headers = dict(message.get("headers", []))
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")

        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (k.encode(), v if isinstance(v, bytes) else v.encode())
                for k, v in self.headers.items()
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await self.app(self.scope, receive, send)
        return self


@pytest.fixture
def asgi_app():
    """config.asgi's HTTP application (importing config.asgi itself would tune this process's
    garbage collector); the test's database connection stays open across its requests."""
    from django.core.handlers.asgi import ASGIHandler

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield RequestBodyLimit(ASGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def post_through_asgi(app, client, file_size, **extra_headers):
    length, chunks = multipart(file_size)
    session = client.cookies["sessionid"].value
    headers = {
        "host": "testserver",
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
        "content-length": str(length),
        "cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}",
        **extra_headers,
    }
    path = reverse("document_upload", kwargs={"slug": "offsets"})
    return async_to_sync(Call(app, path, chunks, headers).run)()


def test_asgi_over_the_limit_reads_a_prefix_only_and_answers_the_form(
    world, dialogue, client_for, settings, documents_dir, upload_tmp, asgi_app
):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = MB
    client = client_for(world.member)
    call = post_through_asgi(asgi_app, client, 40 * MB)
    html = call.body.decode()
    assert call.status == 400, html[:500]
    assert SIZE_MESSAGE in html and REQUIRED not in html
    assert call.reads <= 2  # of 42 body messages
    assert stored_files(documents_dir) == [] and list(upload_tmp.iterdir()) == []

    script = {"x-requested-with": "XMLHttpRequest"}
    scripted = post_through_asgi(asgi_app, client, 40 * MB, **script)
    assert scripted.status == 413 and SIZE_MESSAGE in scripted.body.decode()

    within = post_through_asgi(asgi_app, client, MB - 4096)
    assert within.status == 302
    assert Document.objects.get().versions.get().size == MB - 4096
    assert list(upload_tmp.iterdir()) == []


# ------------------------------------------------------------------------------
# The wrapper alone: it stops reading at the limit
# ------------------------------------------------------------------------------


class BodyReadingApp:
    """Reads the body the way Django's ASGI handler does, then answers 200."""

    def __init__(self):
        self.body = b""
        self.scope = None
        self.called = False

    async def __call__(self, scope, receive, send):
        self.called, self.scope = True, scope
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def many_chunks(count=1000, size=MB):
    block = b"x" * size
    return lambda: (block for _ in range(count))


def wrapped(settings, content_type, *, declared=None, count=1000):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 4 * MB
    app = BodyReadingApp()
    headers = {"content-type": content_type}
    if declared is not None:
        headers["content-length"] = str(declared)
    call = async_to_sync(Call(RequestBodyLimit(app), "/x/", many_chunks(count), headers).run)()
    return app, call


def test_a_declared_oversize_multipart_body_is_cut_to_a_prefix(settings):
    app, call = wrapped(settings, "multipart/form-data; boundary=x", declared=1000 * MB)
    assert call.reads == 1
    assert len(app.body) == PREFIX_BYTES and app.scope[BODY_TOO_LARGE] is True
    assert BODY_TOO_LARGE not in call.scope  # the server's scope is left alone


def test_a_streamed_oversize_multipart_body_stops_at_the_limit(settings):
    app, call = wrapped(settings, "multipart/form-data; boundary=x")  # no Content-Length
    limit = 5 * MB  # 4 MiB of document and 1 MiB for the other fields
    assert call.reads == limit // MB + 1  # not the 1000 chunks on offer
    assert len(app.body) == limit and app.scope[BODY_TOO_LARGE] is True


def test_other_oversize_bodies_get_413_unread(settings):
    app, call = wrapped(settings, "application/json", declared=1000 * MB)
    assert call.status == 413 and call.reads == 0 and not app.called
    app, call = wrapped(settings, "application/x-www-form-urlencoded")
    assert call.status == 413 and call.reads == settings.DATA_UPLOAD_MAX_MEMORY_SIZE // MB + 1


def test_the_413_carries_the_strict_headers_and_is_logged(settings, caplog):
    with caplog.at_level("INFO", logger="enclave.request"):
        _app, call = wrapped(settings, "application/json", declared=1000 * MB)
    [line] = [r for r in caplog.records if r.name == "enclave.request"]
    assert line.fields["status"] == 413 and line.fields["path"] == "/x/"
    assert call.status == 413
    assert call.response_headers[b"content-security-policy"].startswith(b"default-src 'none'")
    assert call.response_headers[b"cache-control"] == b"private, no-store"
    assert call.response_headers[b"x-content-type-options"] == b"nosniff"


def test_a_malformed_content_length_counts_as_none(settings):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 4 * MB
    app = BodyReadingApp()
    # "²" as a server passes it on (latin-1): a digit to str.isdigit(), not to int().
    headers = {"content-type": "application/json", "content-length": b"\xb2"}
    call = async_to_sync(Call(RequestBodyLimit(app), "/x/", many_chunks(1), headers).run)()
    assert call.status == 200 and app.called


def test_bodies_within_the_limit_pass_unchanged(settings):
    app, call = wrapped(settings, "multipart/form-data; boundary=x", declared=3 * MB, count=3)
    assert call.status == 200 and len(app.body) == 3 * MB
    assert BODY_TOO_LARGE not in app.scope


# ------------------------------------------------------------------------------
# daphne: the body is read from its spool file as the application asks
# ------------------------------------------------------------------------------


class SpooledRequest:
    def __init__(self, size):
        import tempfile

        self.content = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the test
        self.content.write(b"y" * size)
        self.content.seek(0)


def test_daphne_bodies_are_read_one_chunk_per_receive():
    async def scenario():
        request = SpooledRequest(3 * BODY_CHUNK + 10)
        messages = _Messages(request)
        receive = _SpooledBody(request, messages)
        # What daphne's request does after creating the application: queue the whole file.
        buffer_size = 8192
        queued_reads = 0
        while True:
            chunk = request.content.read(buffer_size)
            queued_reads += 1
            messages.put_nowait({"type": "http.request", "body": chunk, "more_body": True})
            if len(chunk) < buffer_size:
                break
        assert queued_reads == 2 and messages.empty()  # it stopped after one read
        first = await receive()
        assert len(first["body"]) == BODY_CHUNK and first["more_body"]
        sizes = [len(first["body"])]
        while True:
            message = await receive()
            sizes.append(len(message["body"]))
            if not message["more_body"]:
                break
        assert sizes == [BODY_CHUNK] * 3 + [10]
        messages.put_nowait({"type": "http.disconnect"})
        assert (await receive())["type"] == "http.disconnect"
        request.content.close()

    async_to_sync(scenario)()


# ------------------------------------------------------------------------------
# Archives: sniffing reads only what it needs
# ------------------------------------------------------------------------------

ODT = "application/vnd.oasis.opendocument.text"


def inflating_odt(size: int = 256 * MB) -> bytes:
    """An OpenDocument-shaped zip whose `mimetype` member is the real type followed by `size`
    bytes of spaces: ~255 KiB on the wire."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w", force_zip64=False) as member:
            member.write(ODT.encode())
            block = b" " * MB
            for _ in range(size // MB):
                member.write(block)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return inflating_odt()


def refused_quickly(content: bytes) -> tuple[float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(RejectedFile):
            sniff(io.BytesIO(content))
        return time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_inflating_mimetype_member_is_refused_without_inflating(bomb):
    assert len(bomb) < MB
    seconds, peak = refused_quickly(bomb)
    assert peak < 2 * MB and seconds < 0.5


def test_a_mimetype_member_that_lies_about_its_size_is_refused(bomb):
    # Declare 40 bytes (central directory and local header) for what inflates to 256 MiB.
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("mimetype")
    data = bytearray(bomb)
    data[info.header_offset + 22 : info.header_offset + 26] = (40).to_bytes(4, "little")
    end = data.rfind(b"PK\x05\x06")
    directory = int.from_bytes(data[end + 16 : end + 20], "little")  # its first entry: mimetype
    data[directory + 24 : directory + 28] = (40).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("mimetype").file_size == 40
    seconds, peak = refused_quickly(bytes(data))
    assert peak < 2 * MB and seconds < 0.5


def test_the_bomb_is_refused_by_the_upload_service(world, dialogue, documents_dir, bomb):
    with pytest.raises(ValidationError):
        documents.document_upload(
            actor=world.member,
            workspace=dialogue.offsets,
            upload=SimpleUploadedFile("paper.odt", bomb),
            title="Paper",
        )
    assert not Document.objects.exists() and stored_files(documents_dir) == []


def test_an_archive_with_a_huge_directory_is_refused_before_it_is_parsed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for n in range(MAX_ARCHIVE_ENTRIES + 1):
            archive.writestr(f"word/{n}", "")
    with pytest.raises(RejectedFile):
        sniff(io.BytesIO(buffer.getvalue()))


def test_real_office_and_opendocument_files_still_pass():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT)
        archive.writestr("content.xml", "<office:document-content/>")
    assert sniff(io.BytesIO(buffer.getvalue())).content_type == ODT
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>" * 1000)
    assert sniff(io.BytesIO(buffer.getvalue())).extension == ".xlsx"

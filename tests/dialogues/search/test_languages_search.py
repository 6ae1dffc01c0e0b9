"""Search in English, French, Spanish and Japanese, on both databases: accents and case never
matter, inflected forms match (stemmed on PostgreSQL; on SQLite a word matches inside a longer
one), Japanese is found by any contiguous part and not by characters that are apart, and the
policy decides what is found in every language."""

import re

import pytest
from django.db import connection

from dialogues.search.services import search
from dialogues.threads import services as thread_services

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: stemming"
)

FRENCH = "Les marchés du carbone au Québec : évaluation des échanges de droits d'émission."
SPANISH = "Los mercados de emisiones en México requieren más transparencia."
JAPANESE = "排出量取引制度について、各国の意見を伺います。"
JAPANESE_APART = "排出の削減について。取引の話は別です。"
ENGLISH = "The emission allowance markets reopen."


def post_hits(user, query):
    return [h for h in search(user=user, query=query) if h.kind == "post"]


def bodies(user, query) -> set[str]:
    return {h.post.body_source for h in post_hits(user, query)}


@pytest.fixture
def posts(world, dialogue):
    for body in (FRENCH, SPANISH, JAPANESE, JAPANESE_APART, ENGLISH):
        thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body=body)


@pytest.mark.parametrize("query", ["Quebec", "QUÉBEC", "marche", "echange", "evaluation"])
def test_french_is_found_without_accents_and_in_other_forms(world, posts, query):
    assert bodies(world.member, query) == {FRENCH}


@pytest.mark.parametrize("query", ["Mexico", "mexico", "mercado", "emisión", "MAS transparencia"])
def test_spanish_is_found_without_accents_and_in_other_forms(world, posts, query):
    assert bodies(world.member, query) == {SPANISH}


@postgresql_only
@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("évaluations", FRENCH),  # plural of a singular in the text
        ("evaluations marches", FRENCH),  # unaccented and inflected at once
        ("transparencias", SPANISH),
        ("emissions", ENGLISH),  # English stemming, as before
        ("market", ENGLISH),
    ],
)
def test_stemming_finds_a_form_the_text_does_not_contain(world, posts, query, body):
    assert body in bodies(world.member, query)
    assert JAPANESE not in bodies(world.member, query)


def test_english_is_still_found(world, posts):
    assert bodies(world.member, "emission allowance") == {ENGLISH}
    assert bodies(world.member, "allowances") == (
        {ENGLISH} if connection.vendor == "postgresql" else set()
    )


@pytest.mark.parametrize("query", ["排出量", "取引制度", "排出量取引制度", "各国", "伺います"])
def test_japanese_is_found_by_any_contiguous_part(world, posts, query):
    assert bodies(world.member, query) == {JAPANESE}


@pytest.mark.parametrize("query", ["排出量取引", "排出取引", "制度取引", "炭素"])
def test_japanese_is_not_found_by_characters_apart_or_absent(world, posts, query):
    found = bodies(world.member, query)
    assert JAPANESE_APART not in found
    if query != "排出量取引":
        assert not found


def test_one_japanese_character_finds_every_run_that_holds_it(world, dialogue):
    for body in ("炭素税の導入", "炭素税。", "税率", "関税について"):
        thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body=body)
    thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body="所得")
    assert bodies(world.member, "税") == {"炭素税の導入", "炭素税。", "税率", "関税について"}


def test_japanese_and_other_words_must_all_match(world, dialogue):
    mixed = "Carbon pricing: 排出量取引の設計"
    for body in (mixed, "排出量の報告", "Carbon pricing only"):
        thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body=body)
    assert bodies(world.member, "carbon 排出量") == {mixed}
    if connection.vendor == "postgresql":  # SQLite reads words only, not websearch's operators
        assert bodies(world.member, "排出量 -carbon") == {"排出量の報告"}


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", str(snippet))


@pytest.mark.parametrize(
    ("query", "body", "mark"),
    [
        ("Quebec", FRENCH, "Québec"),
        ("marche", FRENCH, "marché"),
        ("mexico", SPANISH, "México"),
        ("排出量", JAPANESE, "排出量"),
        ("取引制度", JAPANESE, "取引制度"),
        ("emission", ENGLISH, "emission"),
    ],
)
def test_snippets_mark_the_hit(world, posts, query, body, mark):
    (hit,) = [h for h in post_hits(world.member, query) if h.post.body_source == body]
    assert any(mark in m for m in marked(hit.snippet)), hit.snippet
    # Japanese is marked where it matched, not as the whole run around it
    if mark == "排出量":
        assert "排出量" in marked(hit.snippet), hit.snippet


def test_a_japanese_hit_far_into_a_long_post_is_in_its_snippet(world, dialogue):
    body = "Background. " * 60 + "結論：排出量取引を導入します。"
    thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body=body)
    (hit,) = post_hits(world.member, "排出量")
    assert "排出量" in marked(hit.snippet), hit.snippet


def test_threads_documents_and_workspaces_in_other_languages(world, dialogue):
    from tests.factories import DocumentFactory, ThreadFactory, WorkspaceFactory

    ThreadFactory(workspace=dialogue.offsets, author=world.member, title="Réserve de stabilité")
    DocumentFactory(
        workspace=dialogue.offsets,
        uploaded_by=world.member,
        title="Informe anual",
        description="Análisis de la subasta",
        tags=["排出量取引"],
    )
    hits = search(user=world.member, query="reserve stabilite")
    assert [h.title for h in hits if h.kind == "thread"] == ["Réserve de stabilité"]
    for query in ("analisis subasta", "排出量"):
        hits = search(user=world.member, query=query)
        assert [h.title for h in hits if h.kind == "document"] == ["Informe anual"], query
    WorkspaceFactory(
        participants=[world.member],
        title="Coopération régionale",
        purpose_source="Les marchés liés du Japon : 制度の比較",
    )
    for query in ("cooperation", "japon", "制度"):
        hits = search(user=world.member, query=query)
        assert [h.title for h in hits if h.kind == "workspace"] == ["Coopération régionale"]
        assert not [h for h in search(user=world.member_nz, query=query) if h.kind == "workspace"]


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("Quebec", FRENCH),
        ("marche", FRENCH),
        ("mexico", SPANISH),
        ("排出量", JAPANESE),
        ("税", "炭素税"),
    ],
)
def test_the_policy_decides_in_every_language(world, dialogue, query, body):
    """A hidden post's text and an invisible dialogue's posts stay unfound, whatever the
    language: the same `visible` and readable-text filter as in English."""
    hidden = thread_services.post_reply(
        actor=world.observer, thread=dialogue.public_thread, body=body
    )
    thread_services.post_set_hidden(actor=world.secretariat, post=hidden, hidden=True, reason="x")
    closed = thread_services.post_reply(
        actor=world.member_nz, thread=dialogue.closed_thread, body=body
    )
    members_only = thread_services.post_reply(
        actor=world.member, thread=dialogue.members_thread, body=body
    )

    def found(user):
        return [h.post for h in post_hits(user, query)]

    assert found(world.member) == [members_only]  # not the hidden post, not the closed dialogue
    assert found(world.observer) == [hidden]  # its author; no full-members thread for observers
    assert found(world.member_nz) == [closed]
    assert closed not in found(world.secretariat)


@pytest.mark.parametrize(
    "query",
    [
        "'",
        "it's",
        "a\\b",
        "c:*",
        "!x & y | z <-> w",
        '"排出量 取引"',
        '"carbon 排出量',
        "-排出量",
        "税'",
        "(税)",
        "'税'",
        "x'税'y",
        "ÉÉ",
        "ｶﾞｽ",
        "or or",
        "--",
        '"" ""',
        "排 出",
    ],
)
def test_any_query_is_answered(world, posts, query):
    """Whatever the user types reaches the database as a parameter and is answered."""
    assert isinstance(search(user=world.member, query=query), list)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Québec", "quebec"),
        ("ÉMISSIONS", "emissions"),
        ("Straße", "strasse"),
        ("ＡＢＣ", "abc"),
        ("e\u0301change", "echange"),  # decomposed accents
        ("ガス", "ガス"),  # voiced kana stay voiced: not カス
        ("排出量", "排出量"),
    ],
)
def test_fold(text, folded):
    from dialogues.search.text import fold

    assert fold(text) == folded


def test_cjk_runs_of_a_query_become_bigram_phrases():
    from dialogues.search.text import cjk_query

    assert cjk_query("排出量").split() == ['"排出', '出量"']
    assert cjk_query("carbon -排出量 税").split() == ["carbon", '-"排出', '出量"', "税"]
    assert cjk_query("-排出量").split() == ['-"排出', '出量"']
    assert cjk_query("CO2-排出量").split() == ["CO2-", '"排出', '出量"']
    # inside the user's quotes the run is a phrase of its own
    assert cjk_query('"carbon 排出量 market"').split() == [
        '"carbon',
        '"',
        '"排出',
        '出量"',
        '"',
        'market"',
    ]


def _class_edges() -> str:
    """Each range of the CJK class: its first and last character and their neighbours."""
    from dialogues.search.text import CJK

    edges, at = [], 0
    while at < len(CJK):
        first = last = CJK[at]
        if at + 2 < len(CJK) and CJK[at + 1] == "-":
            last, at = CJK[at + 2], at + 3
        else:
            at += 1
        for code in (ord(first) - 1, ord(first), ord(last), ord(last) + 1):
            edges.append(chr(code))
    return "".join(edges) + " 漢字かな、カタカナ。한국어 x 一"


@postgresql_only
def test_the_database_cuts_cjk_runs_as_python_does(db):
    """`enclave_cjk_bigrams` (workspaces migration 0006) and text.py share the CJK class."""
    from dialogues.search.text import cjk_bigrams

    sample = _class_edges()
    with connection.cursor() as cursor:
        cursor.execute("SELECT enclave_cjk_bigrams(%s)", [sample])
        assert cursor.fetchone()[0] == cjk_bigrams(sample)
    assert cjk_bigrams("排出量、税。AB한국") == "排出 出量 量 税 한국 국"


def test_sqlite_connections_fold(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: the fallback's function")
    with connection.cursor() as cursor:
        cursor.execute("SELECT enclave_fold(%s)", ["Les MARCHÉS du Québec"])
        assert cursor.fetchone()[0] == "les marches du quebec"

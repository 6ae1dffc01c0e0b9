"""Malformed input never becomes a server error.

Every route of the route guard's list is walked as a signed-in holder with malformed values in
each path, query and form parameter: text where a number belongs, numbers too large for any
database integer, NUL bytes (PostgreSQL refuses them in text), unknown choices. Parameter names
come from the forms and links on the pages the holder sees, and from what each view reads.
Each request runs in a savepoint that is rolled back, so no request changes what the next sees.
"""

import copy
import inspect
import re
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from config.route_rules import iter_routes, rule_for
from tests.every_door.test_route_guard import (  # noqa: F401  (objects is a fixture)
    api_url_for,
    objects,
    url_for,
)
from workspaces.access import can

MALFORMED = {
    "text": "abc",  # text for a number, and an unknown choice
    "digits": "9" * 30,  # past every database integer
    "nul": "a\x00b",
    "negative": "-1",
    "infinite": "1e999",
    "superscript": "\u00b2",  # str.isdigit() says yes, int() says no
}
# Path arguments: what each converter lets through to the view.
MALFORMED_PATH = {"int": ["9" * 30], "str": ["a\x00b", "abc"], "slug": ["no-such-slug"]}
# Names a view reads from request.GET / request.POST.
READS = re.compile(r"request\.(?:GET|POST)(?:\.get\(|\[)\s*[\"'](\w+)[\"']")


class Forms(HTMLParser):
    """The forms (action, method, fields with their shown values) and links of one page."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict]] = []
        self.links: list[str] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = (a.get("action") or "", (a.get("method") or "get").upper(), {})
            self.forms.append(self._form)
        elif tag == "option" and self._form and self._select:
            fields = self._form[2]
            if "selected" in a or fields.get(self._select) is None:
                fields[self._select] = a.get("value", "")
        elif self._form is None or not a.get("name"):
            return
        elif tag in ("input", "button"):
            kind = a.get("type", "text")
            if kind in ("file",) or (kind in ("checkbox", "radio") and "checked" not in a):
                self._form[2].setdefault(a["name"], None)
            else:
                self._form[2].setdefault(a["name"], a.get("value") or "1")
        elif tag == "textarea":
            self._form[2].setdefault(a["name"], "Some text")
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _route_of(url: str, page: str):
    parts = urlsplit(url or page)
    if parts.netloc or not (parts.path or page).startswith("/"):
        return None, {}
    try:
        return resolve(parts.path or urlsplit(page).path).url_name, dict(parse_qsl(parts.query))
    except Resolver404:
        return None, {}


def holder_for(world, rule, found):
    if rule.access == "capability":
        holders = (world.cochair, world.secretariat, found["nz_focal_point"])
        return next(u for u in holders if can(u, rule.capability))
    return world.secretariat


def _view_reads(callback) -> set[str]:
    view = inspect.unwrap(callback)
    try:
        return set(READS.findall(inspect.getsource(view)))
    except (OSError, TypeError):
        return set()


def test_malformed_parameters_never_cause_a_server_error(world, objects):  # noqa: F811
    errors: dict[str, str] = {}

    def remember(sender, request=None, **kwargs):
        import sys

        errors[request.get_full_path()] = repr(sys.exc_info()[1])[:200]

    client = Client(raise_request_exception=False)
    routes = [
        (name, pattern)
        for name, _, pattern in iter_routes()
        if not name.startswith("admin:") and rule_for(name) is not None
    ]
    urls = {
        name: (api_url_for if name.startswith("api:") else url_for)(name, pattern, objects)
        for name, pattern in routes
    }

    signed_in = {}

    def send(method, url, data, who):
        # One sign-in per holder; its cookies are put back before each request (a request may
        # sign out or rotate the session; the rollback restores the session row).
        if who.pk not in signed_in:
            client.cookies = SimpleCookie()
            client.force_login(who, backend="accounts.backends.OfficialBackend")
            signed_in[who.pk] = copy.deepcopy(client.cookies)
        client.cookies = copy.deepcopy(signed_in[who.pk])
        with transaction.atomic():
            response = client.post(url, data) if method == "POST" else client.get(url, data)
            transaction.set_rollback(True)
        return response

    # What the holders see: the forms and links that lead to each route, with shown values.
    baselines: dict[str, set] = {name: set() for name, _ in routes}
    for name, _ in routes:
        rule = rule_for(name)
        if "GET" not in rule.methods:
            continue
        response = send("GET", urls[name], {}, holder_for(world, rule, objects))
        if "html" not in response.get("Content-Type", ""):
            continue
        page = Forms()
        page.feed(response.content.decode())
        for action, method, fields in page.forms:
            target, query = _route_of(action, urls[name])
            if target in baselines:
                shown = {
                    k: v
                    for k, v in {**query, **fields}.items()
                    if v is not None and k != "csrfmiddlewaretoken"
                }
                baselines[target].add((method, tuple(sorted(shown.items()))))
        for link in page.links:
            target, query = _route_of(link, urls[name])
            if target in baselines and query:
                baselines[target].add(("GET", tuple(sorted(query.items()))))

    failures = []

    def check(method, url, data, who):
        response = send(method, url, data, who)
        if response.status_code >= 500:
            failures.append(
                f"{method} {url} {data!r}: {response.status_code} "
                f"{errors.get(response.wsgi_request.get_full_path(), '')}"
            )

    got_request_exception.connect(remember)
    try:
        for name, pattern in routes:
            rule = rule_for(name)
            who = holder_for(world, rule, objects)
            url = urls[name]
            names = _view_reads(pattern.callback)
            for _, shown in baselines[name]:
                names |= {key for key, _ in shown}
            # One baseline per method and set of names (pages repeat the same form per item).
            distinct = {
                (method, tuple(k for k, _ in shown)): shown for method, shown in baselines[name]
            }
            # Every parameter at once, for each method and each kind of malformed value.
            for method in ("GET", "POST"):
                for value in MALFORMED.values():
                    check(method, url, dict.fromkeys(names, value), who)
            # One parameter at a time, the others as the page shows them.
            for (method, _), shown in (distinct or {(rule.methods[0], ()): ()}).items():
                shown = dict(shown)
                for key in names:
                    for value in MALFORMED.values():
                        check(method, url, {**shown, key: value}, who)
            # Each path argument in turn.
            kwargs = resolve(urlsplit(url).path).kwargs
            for argument, converter in pattern.pattern.converters.items():
                kind = type(converter).__name__.replace("Converter", "").lower()
                for value in MALFORMED_PATH.get(kind, []):
                    try:
                        bad = reverse(name, kwargs={**kwargs, argument: value})
                    except NoReverseMatch:
                        continue
                    for method in rule.methods:
                        check(method, bad, {}, who)
    finally:
        got_request_exception.disconnect(remember)

    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:60])

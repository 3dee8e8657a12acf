"""Bad input everywhere (issue 9): Hypothesis posts arbitrary text, numbers, dates, Unicode and
bytes to every form, and arbitrary query parameters to every page. Never a 500, and a refused
input leaves the database as it was.

Routes come from app.url_map, so a new page or form is fuzzed without being listed here:
- the ids in a route's address are drawn from the demo data (unknown ones get 1), plus an
  archived action, finding and inspection, a draft inspection and a deactivated user, so that
  every state's forms (restore, publish, reactivate) show somewhere;
- a form's field names are read from the pages that show it: every page is read first as the
  quality team, an administrator and someone signed out, and the pages their links with a
  query lead to (Raise an action from a finding);
- each route is requested as a role that may use it (the quality team when it may, else an
  administrator; public routes signed out), with a valid CSRF token, so the input reaches
  validation: a post the CSRF check refused fails the test.

"Refused" is any answer but a redirect: a 4xx, or a 200 that shows the form again. The database
fingerprint is each table's row count and a hash of its rows, leaving out what changes by design:
- `login_attempts`: a refused sign-in is counted there on purpose (at most 10 failures per
  address in 5 minutes), so fuzzing the sign-in form changes it;
- audit events of kind `data_exports`: downloading an export records who took a copy of the
  data (app/exports/services.py), even from a GET.

Each route gets EXAMPLES examples (SLOW_EXAMPLES for a page slower than SLOW_SECONDS), chosen
deterministically (derandomize) and not shrunk, so CI time is bounded and repeatable.
"""
from __future__ import annotations

import hashlib
import re
import time
import traceback
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.auth.access import PUBLIC, access_rule
from app.domain.access import PERMISSIONS
from app.extensions import db
from tests.fuzz.pages import page_forms, page_links

EXAMPLES = 10  # per route and method
CHANGES_BY_DESIGN = {"login_attempts"}  # see the module's docstring
LOGGED_BY_DESIGN = ("data_exports",)  # audit events of who downloaded a copy of the data (ditto)
SLOW_SECONDS = 0.5  # a page slower than this (a PDF, a zip export) gets SLOW_EXAMPLES
SLOW_EXAMPLES = 3
CRAWL_EACH = 6  # records of each kind whose pages are read for their forms, from each end
SKIP_CRAWL = (".pdf", ".csv", ".json")  # downloads carry no forms (and PDFs are slow to make)

# -- Values ---------------------------------------------------------------------------------------

NASTY = [
    "", " ", "\x00", "a\x00b", "0", "-1", "1.5", "1e309", "NaN", "-0", "99999999999999999999999",
    "2026-02-30", "0000-00-00", "9999-12-31", "0001-01-01", "31/12/2026", "2026-13-01", "today",
    "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\u202eevil", "\ufeff", "🙂🏥",
    "Ω≈ç√", "null", "true", "[]", "{}", "%00", "\r\n", "\t", "R1HKH", "trust:R1H", "official",
    "x" * 201, "é" * 5001, "y" * 100_001,
]

UNICODE = st.characters(blacklist_categories=("Cs",))  # the test client sends UTF-8: no lone surrogates
VALUE = st.one_of(
    st.sampled_from(NASTY),
    st.text(UNICODE, max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(repr),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.text(UNICODE, min_size=1, max_size=3).map(lambda s: s * 3000),
    st.binary(max_size=24),  # raw bytes, percent-encoded as they are: invalid UTF-8 too
)
FILE = st.tuples(
    st.one_of(st.binary(max_size=300), st.sampled_from([b"%PDF-1.4\n%%EOF", b"\x89PNG\r\n\x1a\n", b"a,b\n1,2\n"])),
    st.one_of(st.text(UNICODE, max_size=40), st.sampled_from(["report.pdf", "x.csv", "../../x.pdf", "a.exe", ""])),
)


# -- The app's routes, its demo ids and its forms ----------------------------------------------------


def role_for(app: Flask, endpoint: str) -> str | None:
    """None for a public route, else a role that holds the route's permission."""
    rule = access_rule(app, endpoint)
    if rule == PUBLIC:
        return None
    roles = PERMISSIONS[rule]
    return "quality" if "quality" in roles else sorted(roles)[0]


def demo_ids(own_users: set[int]) -> dict[str, list[Any]]:
    from app.actions.models import Action, Evidence
    from app.auth.models import User
    from app.files.models import StoredFile
    from app.inspections.models import Finding, Inspection
    from app.organisations.models import Department, Hospital, Trust

    def ids(column: Any) -> list[Any]:
        return list(db.session.scalars(select(column).order_by(column)))

    found = {
        "action_id": ids(Action.id),
        "inspection_id": ids(Inspection.id),
        "finding_id": ids(Finding.id),
        "file_id": ids(StoredFile.id),
        "department_id": ids(Department.id),
        "code": ids(Hospital.ods_code),
        "trust_code": ids(Trust.ods_code),
        "user_id": [i for i in ids(User.id) if i not in own_users],
        "evidence": list(db.session.execute(select(Evidence.action_id, Evidence.id).order_by(Evidence.id))),
    }
    try:
        from app.boardpacks.models import IssuedPack

        found["pack_id"] = ids(IssuedPack.id)
    except ImportError:  # pragma: no cover
        pass
    db.session.rollback()
    return {k: v for k, v in found.items() if v}


def address_values(rule: Any, ids: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Values for the route's address: demo ids (an action's own evidence), 1 when unknown."""
    names = sorted(rule.arguments)
    if {"action_id", "evidence_id"} <= set(names) and "evidence" in ids:
        return st.sampled_from(ids["evidence"]).map(lambda pair: {"action_id": pair[0], "evidence_id": pair[1]})
    parts = {}
    for name in names:
        converter = type(rule._converters[name]).__name__
        default = [1] if converter in ("IntegerConverter",) else ["R1H", "1"]
        parts[name] = st.sampled_from(ids.get(name) or default)
    return st.fixed_dictionaries(parts)


def first_address(rule: Any, ids: dict[str, list[Any]]) -> dict[str, Any]:
    """The route's address with the first demo id of each part."""
    values = {}
    for name in rule.arguments:
        integer = type(rule._converters[name]).__name__ == "IntegerConverter"
        values[name] = (ids.get(name) or [1 if integer else "R1H"])[0]
    if {"action_id", "evidence_id"} <= set(rule.arguments) and "evidence" in ids:
        values["action_id"], values["evidence_id"] = ids["evidence"][0]
    return values


def fuzzable_rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


class Fingerprints:
    """The database's fingerprint before and after each request; the one after a request is the
    one before the next (nothing else writes), so each request costs one fingerprint."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, str]] | None = None

    def before(self) -> dict[str, tuple[int, str]]:
        if self.last is None:
            self.last = fingerprint()
        return self.last

    def after(self) -> dict[str, tuple[int, str]]:
        self.last = fingerprint()
        return self.last


def fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its rows in key order (a separate connection, so it
    sees only what was committed)."""
    result = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in CHANGES_BY_DESIGN:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.blake2b(digest_size=16)
            count = 0
            query = select(table).order_by(*order)
            if table.name == "audit_events":
                query = query.where(table.c.record_kind.not_in(LOGGED_BY_DESIGN))
            for row in connection.execute(query):
                digest.update(repr(tuple(row)).encode())
                count += 1
            result[table.name] = (count, digest.hexdigest())
    return result


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
CSRF_REFUSED = "could not be accepted because its security token"  # app/errors.py's CSRF page


def forget_request_state() -> None:
    """The tests' app context outlives each request, and with it `g`, where Flask-WTF caches
    the CSRF token it made for the first session it saw; in production every request has its
    own. Forget it, so each session gets (and stores) its own token."""
    g.pop("csrf_token", None)


class Visitor:
    """A signed-in test client of one role that stays signed in whatever a fuzzed post does
    (sign out, change its own session), with the CSRF token of its session."""

    def __init__(self, app: Flask, user: Any):
        self.app, self.user_id = app, (user.id if user is not None else None)
        self.client: FlaskClient = app.test_client()
        self.token = ""
        self.refresh()

    def refresh(self) -> None:
        from app.auth.models import User

        self.client = self.app.test_client()
        if self.user_id is not None:
            # Read afresh: a fuzzed sign-out or password change ends the user's sessions.
            user_id = db.session.get(User, self.user_id).get_id()
            with self.client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
                session["started"] = session["seen"] = time.time()
        forget_request_state()
        page = self.client.get("/sign-in" if self.user_id is None else "/account").get_data(as_text=True)
        found = CSRF.search(page)
        assert found, "no CSRF token on the page: the fuzz could not reach validation"
        self.token = found.group(1)
        db.session.remove()


def crawl(app: Flask, visitors: dict[str | None, Visitor], ids: dict[str, list[Any]], errors: list[str],
          extra: list[str]) -> tuple[
    dict[str, tuple[set[str], set[str]]], dict[str, set[str]]
]:
    """Every page in the demo's states, as each role: the fields each POST endpoint's forms
    send, and the query parameters each GET endpoint's own forms send (filters). A page that
    fails is added to `errors`."""
    adapter = app.url_map.bind("localhost")
    posts: dict[str, tuple[set[str], set[str]]] = {}
    queries: dict[str, set[str]] = {}
    linked: dict[str, set[str]] = {}  # pages reached by links with a query (Raise an action ?finding=...)

    def visit(paths: list[str]) -> None:
        _crawl_pages(app, visitors, errors, posts, queries, linked, paths)

    for rule in fuzzable_rules(app):
        if "GET" not in rule.methods or rule.rule.endswith(SKIP_CRAWL) or "evidence_id" in rule.arguments \
                or rule.endpoint in ("files.download", "boardpacks.issued_pack"):
            continue
        names = sorted(rule.arguments)
        # The first and last few of each kind of record: the demo's oldest, and the archived
        # and draft records add_missing_states made last.
        count = max((len(ids.get(n, [1])) for n in names), default=1)
        picks = sorted(set(range(min(count, CRAWL_EACH))) | set(range(max(0, count - CRAWL_EACH), count)))
        addresses = [
            {name: ids.get(name, [1])[i % len(ids.get(name, [1]))] for name in names} for i in picks
        ]
        visit([adapter.build(rule.endpoint, values) for values in addresses])
    # One level further: the pages that links with a query lead to (a form for a chosen hospital).
    visit(sorted(f"{path}?{query}" for path, found in linked.items() for query in found) + extra)
    db.session.remove()
    return posts, queries


def _crawl_pages(app: Flask, visitors: dict[str | None, Visitor], errors: list[str], posts: dict[str, Any],
                 queries: dict[str, set[str]], linked: dict[str, set[str]], paths: list[str]) -> None:
    adapter = app.url_map.bind("localhost")
    # Forms show to the roles that may post them: the quality team and administrators (a
    # lead's forms are the quality team's); the sign-in form to someone signed out.
    readers = [visitors["quality"], visitors["admin"], visitors[None]]
    for path, visitor in ((p, v) for p in paths for v in readers):
        try:
            response = visitor.client.get(path)
        except Exception:  # noqa: BLE001 - the test client re-raises a 500's error
            errors.append(f"GET {path} (crawling):\n{traceback.format_exc(limit=-3)}")
            db.session.rollback()
            continue
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        for link in page_links(html):
            parts = urlsplit(link)
            if parts.query and not parts.netloc and not parts.path.endswith(SKIP_CRAWL):
                seen = linked.setdefault(parts.path, set())
                if len(seen) < 2:  # a couple of examples of each: ?finding=..., ?hospital=...
                    seen.add(parts.query)
        for form in page_forms(html):
            target = urlsplit(form.action).path or urlsplit(path).path
            method = "POST" if form.method == "post" else "GET"
            try:
                endpoint, _ = adapter.match(target, method=method)
            except (NotFound, MethodNotAllowed, RequestRedirect):
                continue
            if method == "POST":
                fields, files = posts.setdefault(endpoint, (set(), set()))
                fields |= form.fields - {"csrf_token"}
                files |= form.files
            else:
                queries.setdefault(endpoint, set()).update(form.fields)


def encode(fields: list[tuple[str, Any]]) -> bytes:
    return urlencode([(k, v if isinstance(v, bytes) else str(v).encode("utf-8")) for k, v in fields]).encode("ascii")


# -- The tests -------------------------------------------------------------------------------------


@pytest.fixture
def fuzz_setup(app: Flask, demo, make_user):  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True  # the real check: every post carries its token
    from app.organisations.models import Department

    extra_pages = add_missing_states()  # before the test's own users, which stay active
    department = db.session.scalar(select(Department).order_by(Department.id))
    users = {
        "quality": make_user("quality"),
        "admin": make_user("admin"),
        "lead": make_user("lead", departments=[department]),
        "viewer": make_user("viewer"),
    }
    own = {u.id for u in users.values()}
    visitors: dict[str | None, Visitor] = {role: Visitor(app, user) for role, user in users.items()}
    visitors[None] = Visitor(app, None)
    ids = demo_ids(own)
    if not CRAWLED:  # the forms are the same for both tests: read the pages once
        crawl_errors: list[str] = []
        started = time.monotonic()
        posts, queries = crawl(app, visitors, ids, crawl_errors, extra_pages)
        print(f"\ncrawled the pages for their forms in {time.monotonic() - started:.0f} s")
        CRAWLED.append((posts, queries, crawl_errors))
    for visitor in visitors.values():
        visitor.refresh()  # crawling read /signed-out, which ends the session
    posts, queries, crawl_errors = CRAWLED[0]
    return visitors, ids, posts, queries, crawl_errors


CRAWLED: list[Any] = []


def add_missing_states() -> list[str]:
    """Records in the states the demo lacks, so their forms show on some page: an archived
    action, finding and inspection (restore), a draft inspection (publish), a deactivated user
    (reactivate)."""
    from app.actions.models import Action
    from app.audit import services as audit
    from app.auth.models import User
    from app.auth.services import set_active
    from app.inspections import services as inspections
    from app.inspections.models import Finding, Inspection
    from app.organisations.models import Hospital

    # The first inspection, the last finding and action: none hides another (an archived
    # inspection's findings are not listed), and each is among the pages crawl() reads.
    for model, order in ((Inspection, Inspection.id), (Finding, Finding.id.desc()), (Action, Action.id.desc())):
        record = db.session.scalar(select(model).order_by(order))
        if record is not None and not record.is_archived:
            audit.archive(record, "Archived for the fuzz test's restore form.")
    hospital = db.session.scalar(select(Hospital).order_by(Hospital.id))
    inspections.create_inspection(hospital.trust, hospital=hospital, inspection_type="focused", source="mock",
                                  notice="announced", summary="A draft for the fuzz test")
    user = db.session.scalar(select(User).where(User.active.is_(True)).order_by(User.id.desc()))
    set_active(user, False)
    archived = db.session.scalar(select(Finding).where(Finding.archived_at.is_not(None)))
    db.session.commit()
    return [f"/inspections/{archived.inspection_id}?archived=1"]  # where its restore button is


def run_examples(name: str, example: Callable[[Any], None], failures: list[str], counts: dict[str, int],
                 times: dict[str, float], examples: int = EXAMPLES) -> None:
    """Run one route's examples; a falsifying example is recorded (with its traceback) and the
    other routes still run."""

    # No shrinking: a failing example is reported as found, so a failure costs no more time
    # than a pass (shrinking 100,000-character inputs takes minutes).
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.reuse, Phase.generate), suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: Any) -> None:
        counts[name] = counts.get(name, 0) + 1
        example(data)

    started = time.monotonic()
    try:
        check()
    except Exception:  # noqa: BLE001 - reported all together below
        failures.append(f"{name}:\n{traceback.format_exc(limit=-3)}")
    times[name] = time.monotonic() - started


def report(kind: str, counts: dict[str, int], times: dict[str, float], started: float) -> None:
    slowest = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(times.items(), key=lambda i: -i[1])[:5])
    print(f"\nfuzzed {len(counts)} {kind} routes, {sum(counts.values())} examples in "
          f"{time.monotonic() - started:.0f} s; slowest: {slowest}")


def examples_for(visitor: Visitor, path: str) -> int:
    """Fewer examples for a slow page (a PDF, a zip export): the same checks, a bounded time."""
    started = time.monotonic()
    visitor.client.get(path)
    db.session.remove()
    return SLOW_EXAMPLES if time.monotonic() - started > SLOW_SECONDS else EXAMPLES


def _answer(response: Any) -> str:
    body = response.get_data(as_text=True)
    found = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    return f"{response.status_code} {found.group(1).strip() if found else body[:300]!r}"


@pytest.mark.long
def test_every_form_refuses_bad_input_without_a_500_or_a_change(app: Flask, fuzz_setup) -> None:  # type: ignore[no-untyped-def]
    visitors, ids, posts, _, crawl_errors = fuzz_setup
    every_field = set().union(*(fields for fields, _ in posts.values())) if posts else set()
    failures: list[str] = list(crawl_errors)
    counts: dict[str, int] = {}
    times: dict[str, float] = {}
    statuses: dict[int, int] = {}
    prints = Fingerprints()
    adapter = app.url_map.bind("localhost")
    unfound = []
    started = time.monotonic()
    for rule in fuzzable_rules(app):
        if "POST" not in rule.methods:
            continue
        if rule.endpoint not in posts:
            unfound.append(rule.endpoint)
        # A form no page showed in the demo's states (a restore needs an archived record): every
        # field name any form has, so its own fields are among them.
        fields, files = posts.get(rule.endpoint, (every_field, {"file"}))
        visitor = visitors[role_for(app, rule.endpoint)]
        where = address_values(rule, ids)

        def example(data: Any, rule: Any = rule, fields: set[str] = fields, files: set[str] = files,
                    visitor: Visitor = visitor, where: Any = where) -> None:
            path = adapter.build(rule.endpoint, data.draw(where, label="address"))
            sent: list[tuple[str, Any]] = [("csrf_token", visitor.token)]
            for name in sorted(fields):
                values = data.draw(st.lists(VALUE, max_size=2), label=name)  # absent, once or repeated
                sent += [(name, v) for v in values]
            uploads = {name: data.draw(st.none() | FILE, label=name) for name in sorted(files)}
            uploads = {k: v for k, v in uploads.items() if v is not None}
            before = prints.before()
            forget_request_state()
            if uploads:
                import io

                body: dict[str, Any] = {}
                for k, v in sent:
                    body.setdefault(k, []).append(v.decode("latin-1") if isinstance(v, bytes) else v)
                for k, (content, filename) in uploads.items():
                    body[k] = (io.BytesIO(content), filename)
                response = visitor.client.post(path, data=body, content_type="multipart/form-data")
            else:
                response = visitor.client.post(path, data=encode(sent), content_type="application/x-www-form-urlencoded")
            db.session.remove()
            after = prints.after()
            if 300 <= response.status_code < 400:
                visitor.refresh()  # whatever the change did to the session (a sign-out), start signed in
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, f"POST {path} -> {_answer(response)}"
            # The token is valid, so the input reached the form's own validation.
            assert CSRF_REFUSED not in response.get_data(as_text=True), f"POST {path}: CSRF token refused"
            if not 300 <= response.status_code < 400:
                assert not changed(before, after), (
                    f"POST {path} was refused ({_answer(response)}) but changed {changed(before, after)}")

        run_examples(f"POST {rule.rule}", example, failures, counts, times)
    report("POST", counts, times, started)
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"routes whose form no page showed (fuzzed with every known field name): {unfound}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.long
def test_every_page_takes_any_query_without_a_500_or_a_change(app: Flask, fuzz_setup) -> None:  # type: ignore[no-untyped-def]
    visitors, ids, _, queries, crawl_errors = fuzz_setup
    known = set().union(*queries.values()) if queries else set()
    # ...and the names links carry (Raise an action from a finding or an incident, a pack's subject).
    known |= {"as_of", "page", "sort", "order", "status", "q", "next", "hospital", "department", "format",
              "finding", "incident", "trust", "owner", "subject"}
    failures: list[str] = list(crawl_errors)
    counts: dict[str, int] = {}
    times: dict[str, float] = {}
    statuses: dict[int, int] = {}
    prints = Fingerprints()
    adapter = app.url_map.bind("localhost")
    started = time.monotonic()
    for rule in fuzzable_rules(app):
        if "GET" not in rule.methods:
            continue
        names = sorted(queries.get(rule.endpoint, set()) | known)
        visitor = visitors[role_for(app, rule.endpoint)]
        where = address_values(rule, ids)
        few = examples_for(visitor, adapter.build(rule.endpoint, first_address(rule, ids)))

        def example(data: Any, rule: Any = rule, names: list[str] = names, visitor: Visitor = visitor,
                    where: Any = where) -> None:
            path = adapter.build(rule.endpoint, data.draw(where, label="address"))
            chosen = data.draw(st.lists(st.sampled_from(names), max_size=4), label="names")
            query = [(name, data.draw(VALUE, label=name)) for name in chosen]
            before = prints.before()
            forget_request_state()
            response = visitor.client.get(f"{path}?{encode(query).decode()}")
            db.session.remove()
            after = prints.after()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if 300 <= response.status_code < 400:
                visitor.refresh()  # /signed-out ends the session; start the next one signed in
            assert response.status_code < 500, f"GET {path}?{encode(query).decode()[:300]} -> {_answer(response)}"
            assert not changed(before, after), f"GET {path} changed {changed(before, after)}"

        run_examples(f"GET {rule.rule}", example, failures, counts, times, few)
    report("GET", counts, times, started)
    print(f"statuses: {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)

"""A team on one PostgreSQL database behind two app servers, in real browsers.

Two ``streamlit run app.py`` processes (two ports) share one PostgreSQL
database, as behind a load balancer (README: "Team set-up on PostgreSQL").
alice codes on the first server and bob on the second, turn about, with the
keyboard: each sees their own progress at once, the adjudicator (signed in on
the first server) sees the disagreements between the two, and the database
holds every save exactly once.  After the first turn every connection of both
servers is ended from outside (``pg_terminate_backend``): the next saves
reconnect and land.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dazi.db import connect

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

#: bob's keys code the same as alice's except the first variable (companion_type: activity_based)
BOB_KEYS = ["1", "1", "2", "Enter", "1", "1", "9", "Enter", "8", "Enter", "3"]


def build_pg_study(url: str, posts: int = 12) -> list[int]:
    """The cloud-companion study on an empty database at ``url`` (any backend); returns the post keys.

    Coders as in ``tests/app_helpers.py`` (alice and bob code, carol
    adjudicates, admin); every post is assigned to alice and bob; nothing coded.
    """
    from codebooks import shipped_path
    from coding.assignments import assign
    from coding.codebook import load_codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder
    from corpus.sampling import draw_sample
    from dazi.projects import create_project
    from tests.app_helpers import PASSCODES, ROLES
    from tests.conftest import make_posts

    db = connect(url)
    try:
        project = create_project(db, "default")
        pks = make_posts(db, project, posts, platform="weibo")
        save_codebook(db, project, load_codebook(shipped_path("cloud_companion")))
        for name, role in ROLES.items():
            add_coder(db, project, name, role=role, passcode=PASSCODES[name])
        draw_sample(db, project, "main", size=posts, seed=1)
        assign(db, project, "main", ["alice", "bob"], overlap=posts, seed=1)
        return pks
    finally:
        db.close()


@pytest.fixture
def pg_url(_pg_database) -> str:
    from tests.conftest import _truncate_pg

    _truncate_pg(_pg_database)
    return _pg_database


def test_two_servers_one_database(pg_url, tmp_path):
    import sqlalchemy as sa
    from playwright.sync_api import sync_playwright

    from coding.coders import get_coder
    from coding.codings import get_unit
    from dazi.projects import get_project
    from dazi.schema import coding_events, coding_units, codings
    from tests.app_browser import (
        POST_KEYS,
        StreamlitServer,
        code_post,
        launch,
        open_page,
        ready_to_code,
        save_and_next,
        screenshot,
        sign_in,
    )
    from tests.app_helpers import PASSCODES
    from tests.conftest import PG_ADMIN_URL
    from tests.test_pg_reconnect import terminate

    pks = build_pg_study(pg_url, posts=4)  # three posts each out of four: at least two coded by both
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    servers = [StreamlitServer(pg_url, tmp_path / f"server{i}.log") for i in (1, 2)]
    for server in servers:
        server.start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            pages = {}
            for name, server in (("alice", servers[0]), ("bob", servers[1])):
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                sign_in(page, server.url, name, PASSCODES[name])
                pages[name] = page
            shown = {name: ready_to_code(page) for name, page in pages.items()}
            coded: dict[str, list[int]] = {"alice": [], "bob": []}
            for turn in range(3):
                if turn == 1:
                    assert terminate(admin, pg_url) >= 2  # both servers' pooled connections
                for name, keys in (("alice", POST_KEYS), ("bob", BOB_KEYS)):
                    page = pages[name]
                    code_post(page, keys)
                    coded[name].append(shown[name])
                    shown[name], _ = save_and_next(page)
                    # their own work shows at once on their own server
                    progress = page.get_by_test_id("stProgress").inner_text()
                    assert f"{turn + 1} of {len(pks)} coded" in progress, (name, progress)
            screenshot(pages["bob"], "two_servers_bob")

            # the adjudicator on the first server sees both coders' work: one disagreement per post
            carol = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            sign_in(carol, servers[0].url, "carol", PASSCODES["carol"])
            open_page(carol, "Adjudicate")
            both = sorted(set(coded["alice"]) & set(coded["bob"]))
            assert len(both) >= 2, coded
            carol.get_by_text(f"{len(both)} open disagreement(s) on {len(both)} post(s)").wait_for(timeout=60_000)
            screenshot(carol, "two_servers_adjudicate")
            browser.close()
    finally:
        for server in servers:
            server.stop()
        admin.dispose()

    db = connect(pg_url, migrate=False)
    try:
        project = get_project(db)
        for name in ("alice", "bob"):
            coder = get_coder(db, project, name)
            assert all(get_unit(db, project, coder, pk).done for pk in coded[name])
            assert get_unit(db, project, coder, coded[name][0]).values["companion_type"] == (
                "study_work" if name == "alice" else "activity_based")
        with db.read() as conn:
            units = conn.execute(select(func.count()).select_from(coding_units)).scalar()
            events = conn.execute(select(func.count()).select_from(coding_events)
                                  .where(coding_events.c.field == "value")).scalar()
            rows = conn.execute(select(func.count()).select_from(codings)).scalar()
            distinct = conn.execute(select(func.count()).select_from(
                select(codings.c.coder_id, codings.c.post_pk, codings.c.variable).distinct().subquery())).scalar()
        assert units == 6 and events == 6 * 8 and rows == distinct == 6 * 8  # nothing twice
    finally:
        db.close()

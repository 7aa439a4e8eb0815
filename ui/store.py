"""Where the app's data is: the database URL and project it was started with, the database
opened once per process, and the read-only things cached per project (codebook, corpus overview).

Nothing here decides anything about the data; the core (:mod:`coding`, :mod:`corpus`) does.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from coding.codebook import Codebook
from dazi.db import ENV_VAR, Database, connect, resolve_url
from dazi.projects import Project, list_projects

__all__ = ["DEMO_DB", "AppConfig", "codebook", "config", "corpus_overview", "database", "refresh_statistics",
           "settle"]

ROOT = Path(__file__).resolve().parent.parent
#: Where the app builds the demo project when no database is configured (as ``make app`` does).
DEMO_DB = ROOT / "dazi-demo" / "demo.db"
PROJECT_ENV = "DAZI_PROJECT"


@dataclass(frozen=True)
class AppConfig:
    """The database URL and the project name the app was started with."""

    url: str
    project: str | None
    demo: bool


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="streamlit run app.py --", add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--project")
    args, _ = parser.parse_known_args(argv)
    return args


def config() -> AppConfig:
    """``streamlit run app.py -- --db PATH --project NAME``, else the environment.

    The database is ``--db``, else ``$DAZI_DATABASE_URL``, else ``./dazi.db``
    when it exists (the CLI's default), else the demo project in
    ``dazi-demo/demo.db`` (built on first use).  The project is ``--project``,
    else ``$DAZI_PROJECT``, else chosen at sign-in.
    """
    args = _parse_args(sys.argv[1:])
    project = args.project or os.environ.get(PROJECT_ENV) or None
    if args.db or os.environ.get(ENV_VAR):
        return AppConfig(_resolved(args.db or os.environ[ENV_VAR], os.getcwd()), project, demo=False)
    if Path("dazi.db").exists():
        return AppConfig(_resolved("dazi.db", os.getcwd()), project, demo=False)
    return AppConfig(_resolved(str(DEMO_DB), os.getcwd()), project, demo=True)


@functools.lru_cache(maxsize=64)
def _resolved(url: str, cwd: str) -> str:
    """:func:`resolve_url` once per value and working folder: every run asks (``database()``), and
    resolving a path walks the file system (about 3 ms of each run on the loaded 2-core machine)."""
    return resolve_url(url)


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    db = connect(url)  # (a SQLite Database keeps one idle connection, so closes do not checkpoint the log)
    refresh_statistics(db)
    return db


def refresh_statistics(db: Database) -> None:
    """Let SQLite's query planner know how a coder's rows are spread (``ANALYZE`` of the per-coder tables).

    Without statistics SQLite guesses that ``project_id = ?`` is as selective
    as ``coder_id = ?`` and reads a coder's assignment through all the
    project's rows: with 10 coders the workspace's reads (progress, position,
    the next post of a filter) took 4-7 times longer than through the
    coder's index.  Run when the app opens the database and after an
    assignment; it reads the two tables' indexes once (about 40 ms for
    120,000 assignments).  PostgreSQL keeps its own statistics.  A database
    that cannot be written (read-only, full) is left as it is: statistics only
    make reads faster, and the next save says what is wrong.
    """
    db.analyze(["assignments", "coding_units"])  # (skipped on a database that cannot be written now)


@st.cache_resource(show_spinner="Building the demo project (once, about half a minute)…")
def _demo_ready(url: str) -> bool:
    from dazi.demo import build_demo

    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    build_demo(_database(url), if_missing=True)
    return True


def database() -> Database:
    """The app's database, opened once per process and URL."""
    cfg = config()
    if cfg.demo:
        _demo_ready(cfg.url)
    return _database(cfg.url)


@st.cache_resource(show_spinner=False, max_entries=16)
def _codebook(url: str, project_id: int, version: int) -> Codebook:
    from coding.codebook_store import codebook_version

    project = next(p for p in list_projects(_database(url)) if p.id == project_id)
    return codebook_version(_database(url), project, version).codebook


@st.cache_data(show_spinner=False, max_entries=16)
def _overview(url: str, project_id: int, stamp: tuple, top: int):
    from corpus.overview import overview

    project = next(p for p in list_projects(_database(url)) if p.id == project_id)
    return overview(_database(url), project, top=top)


def corpus_overview(db: Database, project: Project, *, top: int = 20):
    """:func:`corpus.overview.overview`, computed once per import (keyed on
    :func:`corpus.store.corpus_stamp`): it reads every post, seconds at a million."""
    from corpus.store import corpus_stamp

    with db.read() as conn:
        stamp = corpus_stamp(conn, project)
    with st.spinner("Summarising the corpus (once after each import) 正在统计…"):
        return _overview(db.url, project.id, stamp, top)


def codebook(db: Database, project: Project) -> Codebook | None:
    """The project's current codebook (parsed once per version), or None if none is loaded."""
    from coding.codings import current_codebook_version

    version = current_codebook_version(db, project)
    return None if version is None else _codebook(db.url, project.id, version)



_SETTLED: set[str] = set()


def settle(stage: str) -> None:
    """Once per process and ``stage``: collect garbage, then freeze what is left (:func:`gc.freeze`).

    Streamlit runs a full garbage collection after every script run
    (``runner.postScriptGC``).  A full collection walks every object the
    process holds, and the app holds many that never go away: the imported
    libraries and the Chinese segmenter's dictionary (about 170,000
    objects).  Walking them cost 80-200 ms after *every* click, more than
    everything else a Save & next does.  Frozen objects are never walked
    again, so the collection after a run looks only at what the runs made.
    Call it when a long-lived thing has been loaded (the app's first run,
    the segmenter).
    """
    if stage not in _SETTLED:
        _SETTLED.add(stage)
        gc.collect()
        gc.freeze()



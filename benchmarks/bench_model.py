"""Machine coder: dazi's training and coding against the plain pipeline a researcher would write.

Goals (issue 17):
- train on 5,000 coded posts x 10 variables in <= 60 s on 2 cores, with
  macro-F1 at least the plain pipeline's;
- code 1,000,000 posts in <= 10 minutes with the token cache, peak memory < 2 GB.

The corpus is synthetic (:mod:`dazi.demo.synthetic`), each note written to
express known codes of the cloud-companion codebook, coded here by one coder
(the truth itself, so final values are the known codes).  The plain pipeline,
timed in the same run, is ``TfidfVectorizer(tokenizer=jieba.lcut)`` +
``LogisticRegression`` per variable (one-vs-rest for multi-select), its
macro-F1 from ``cross_val_predict`` with as many folds as dazi's own
cross-validation (10 by default) (``dazi model train`` also computes the learning curve,
the bootstrap intervals and the one-more-coder test in that time).

Coding: ``--code-posts`` uncoded posts are imported, their tokens cached
(as ``dazi index`` or a first search would), and ``code_posts`` timed in a
child process (``--jobs`` worker processes) whose peak resident memory, and
its workers', is read from the kernel; the 1,000,000-post time is
extrapolated linearly from that size when it is smaller (say so when
reporting).  The plain pipeline's coding speed (jieba, its TF-IDF, its
models' predictions, no database) is timed on up to 20,000 of the same
posts.  Every figure comes with the CPU seconds (this process and its
children) and the load average, since the machine is shared.

    python benchmarks/bench_model.py --train-posts 5000 --code-posts 50000
    python benchmarks/bench_model.py --code-posts 1000000 --db /tmp/bench1m.db   # kept, reused by a rerun
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _project(db_path: Path, n_train: int, n_code: int, seed: int):
    from sqlalchemy import select

    from codebooks import shipped_path
    from coding.codebook import load_codebook
    from coding.codebook_store import current_codebook, save_codebook
    from coding.coders import add_coder
    from coding.codings import PlannedSave, save_codings
    from corpus.importer import import_files
    from dazi.db import connect
    from dazi.demo.builder import _intended
    from dazi.demo.synthetic import generate_notes_with_truth, write_jsonl
    from dazi.projects import create_project
    from dazi.schema import posts

    db = connect(db_path)
    project = create_project(db, "bench")
    truths = {}
    notes = []
    for note, truth in generate_notes_with_truth(n_train + n_code, seed, duplicates=False):
        notes.append(note)
        truths[note["note_id"]] = truth.as_dict()
    path = db_path.parent / "notes.jsonl"
    write_jsonl(notes, path)
    import_files(db, project, [path])
    save_codebook(db, project, load_codebook(shipped_path("cloud_companion")))
    codebook = current_codebook(db, project).codebook
    coder, _ = add_coder(db, project, "truth", role="admin", passcode="0000")
    with db.read() as conn:
        rows = conn.execute(select(posts.c.id, posts.c.post_id, posts.c.status)
                            .where(posts.c.project_id == project.id).order_by(posts.c.id)).all()
    ok = [(pk, pid) for pk, pid, status in rows if status == "ok"]
    saves = []
    for pk, pid in ok[:n_train]:
        truth = truths[pid]
        values = {v.id: _intended(v, truth.get(v.id)) for v in codebook.variables}
        saves.append(PlannedSave(pk, values))
    for start in range(0, len(saves), 1000):
        save_codings(db, project, coder, saves[start:start + 1000])
    return db, project, codebook


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _plain(db, project, model, sample_docs: list[str]) -> dict:
    """The plain pipeline: fit time (every variable, all posts), fit + cross-validation time and CPU, the
    cross-validated macro-F1 per variable, and the seconds per post to code ``sample_docs``."""
    import jieba
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer
    from sqlalchemy import select

    from corpus.store import get_posts_by_pk
    from dazi.schema import posts

    jieba.initialize()
    with db.read() as conn:
        pk_of = dict(conn.execute(select(posts.c.post_id, posts.c.id).where(posts.c.project_id == project.id)).all())
    fit_seconds, scores, fitted = 0.0, {}, []
    start, cpu = time.perf_counter(), _cpu()
    for vid, report in model.metrics["variables"].items():
        ids, truth = report["oof"]["post_ids"], report["oof"]["truth"]
        found = get_posts_by_pk(db, project, [pk_of[i] for i in ids])
        docs = [f"{found[pk_of[i]].get('title') or ''}\n{found[pk_of[i]].get('text') or ''}" for i in ids]
        multi = report["type"] == "multi"

        def make(multi=multi):
            learner = LogisticRegression(max_iter=1000)
            return make_pipeline(TfidfVectorizer(tokenizer=_jieba_lcut, token_pattern=None),
                                 OneVsRestClassifier(learner) if multi else learner)

        if multi:
            binarizer = MultiLabelBinarizer(classes=report["classes"])
            y = binarizer.fit_transform(truth)
            average_labels = [j for j in range(y.shape[1]) if y[:, j].any()]
        else:
            y = np.array(truth, dtype=object)
        begun = time.perf_counter()
        fitted.append(make().fit(docs, y))
        fit_seconds += time.perf_counter() - begun
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predicted = cross_val_predict(make(), docs, y, cv=KFold(int(model.settings["folds"]), shuffle=True,
                                                                        random_state=0))
        if report["type"] == "multi":
            scores[vid] = float(f1_score(y, predicted, average="macro", labels=average_labels, zero_division=0))
        else:
            scores[vid] = float(f1_score(y, predicted, average="macro", labels=sorted(set(truth)), zero_division=0))
    train_seconds, train_cpu = time.perf_counter() - start, _cpu() - cpu
    start, cpu = time.perf_counter(), _cpu()
    for pipeline in fitted:
        pipeline.predict(sample_docs)
    code_seconds, code_cpu = time.perf_counter() - start, _cpu() - cpu
    return {"fit": fit_seconds, "train": train_seconds, "train_cpu": train_cpu, "scores": scores,
            "f1": float(np.mean(list(scores.values()))), "code_per_post": code_seconds / max(len(sample_docs), 1),
            "code_cpu_per_post": code_cpu / max(len(sample_docs), 1), "code_sample": len(sample_docs)}


def _jieba_lcut(text: str) -> list[str]:
    """``jieba.lcut``: a function, since cross-validation deep-copies the pipeline and jieba's bound method
    carries its tokenizer's lock."""
    import jieba

    return jieba.lcut(text)


def _code_child(db_path: str, jobs: int) -> None:
    from coding.machine import code_posts
    from dazi.db import connect
    from dazi.projects import get_project

    db = connect(db_path)
    project = get_project(db, "bench")
    start, cpu = time.perf_counter(), _cpu()
    run = code_posts(db, project, "bench", batch_size=2000, recode=True, n_jobs=jobs)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker
    print(json.dumps({"coded": run.coded, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak,
                      "worker_peak_mib": workers, "jobs": jobs}))


def _sample_docs(db, limit: int) -> list[str]:
    """Up to ``limit`` uncoded posts as the plain pipeline reads them."""
    from sqlalchemy import exists, select

    from dazi.schema import coding_units, posts

    coded = exists().where(coding_units.c.post_pk == posts.c.id)
    with db.read() as conn:
        rows = conn.execute(select(posts.c.title, posts.c.text).where(~coded).order_by(posts.c.id).limit(limit)).all()
    return [f"{title or ''}\n{text or ''}" for title, text in rows]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-posts", type=int, default=5000)
    parser.add_argument("--code-posts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes coding the posts")
    parser.add_argument("--db", type=Path, help="keep the project in this SQLite file, or reuse it if it exists")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _code_child(options.child, options.jobs)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        return _run(options, options.db or Path(tmp) / "bench.db")


def _run(options, db_path: Path) -> int:
    import numpy as np

    from coding.machine import train_model

    if db_path.exists():
        from dazi.db import connect
        from dazi.projects import get_project

        db = connect(db_path)
        project = get_project(db, "bench")
        print(f"set-up: reusing {db_path}", flush=True)
    else:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        db, project, _codebook = _project(db_path, options.train_posts, options.code_posts, options.seed)
        print(f"set-up: {options.train_posts:,} coded + {options.code_posts:,} uncoded synthetic posts in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        # the token cache warm for every post (as `dazi index` or a first whole-word search leaves it)
        from sqlalchemy import select

        from coding.machine.features import document
        from corpus.search import token_codes
        from dazi.schema import posts

        start = time.perf_counter()
        with db.read() as conn:
            docs = [document(t, x) for t, x in conn.execute(select(posts.c.title, posts.c.text))]
        for begin in range(0, len(docs), 50_000):  # tokens only, in parts: memory stays flat
            token_codes(db, docs[begin:begin + 50_000], n_process=2)
        print(f"token cache filled for {len(docs):,} posts in {time.perf_counter() - start:.0f} s", flush=True)
    print(f"train: {_load()}", flush=True)
    start, cpu = time.perf_counter(), _cpu()
    model = train_model(db, project, "bench", skip_unready=True)
    dazi_seconds, dazi_cpu = time.perf_counter() - start, _cpu() - cpu
    variables = model.metrics["variables"]
    dazi_f1 = float(np.mean([r["macro_f1"] for r in variables.values()]))
    plain = _plain(db, project, model, _sample_docs(db, 20_000))
    print(f"train: dazi {dazi_seconds:.1f} s ({dazi_cpu:.1f} s CPU) for {model.training['n_posts']:,} posts x "
          f"{len(variables)} variables (fit + {model.settings['folds']}-fold CV + learning curve + bootstrap + "
          f"one-more-coder, {model.settings['n_jobs']} worker processes); plain pipeline fit + "
          f"{model.settings['folds']}-fold CV {plain['train']:.1f} s ({plain['train_cpu']:.1f} s CPU; fit alone "
          f"{plain['fit']:.1f} s); {_load()}")
    for vid, report in variables.items():
        print(f"  {vid:24} macro-F1 dazi {report['macro_f1']:.3f}  plain {plain['scores'][vid]:.3f}")
    for note in model.metrics["notes"]:
        print(f"  note: {note}")
    print(f"macro-F1 mean: dazi {dazi_f1:.4f}, plain {plain['f1']:.4f}; ratio {dazi_f1 / plain['f1']:.3f} "
          f"(goal >= 1: {'met' if dazi_f1 >= plain['f1'] else 'NOT met'})")
    print(f"train time goal <= 60 s: {dazi_seconds:.1f} s ({'met' if dazi_seconds <= 60 else 'NOT met'} at this "
          f"load); CPU {dazi_cpu:.1f} s on 2 cores; ratio to the plain pipeline's fit + CV "
          f"{dazi_seconds / plain['train']:.2f} (wall), {dazi_cpu / plain['train_cpu']:.2f} (CPU)")
    db.close()
    print(f"code: {_load()}", flush=True)
    child = subprocess.run([sys.executable, __file__, "--child", str(db_path), "--jobs", str(options.jobs)],
                           capture_output=True, text=True, check=False, cwd=HERE.parent, env={**os.environ})
    if child.returncode != 0:
        print(child.stderr)
        return 1
    result = json.loads(child.stdout.strip().splitlines()[-1])
    per_post = result["seconds"] / max(result["coded"], 1)
    per_million = per_post * 1_000_000
    how = "measured" if result["coded"] >= 1_000_000 else f"extrapolated linearly from {result['coded']:,}"
    print(f"code: {result['coded']:,} posts in {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s CPU, "
          f"{result['jobs']} worker processes) ({result['coded'] / result['seconds']:,.0f} posts/s), peak memory "
          f"{result['peak_mib']:.0f} MiB + {result['worker_peak_mib']:.0f} MiB per worker (forked: shared pages "
          f"counted in each); {_load()}")
    print(f"code 1,000,000 posts goal <= 600 s: {per_million:.0f} s, {how} "
          f"({'met' if per_million <= 600 else 'NOT met'} at this load; "
          f"{result['cpu_seconds'] / max(result['coded'], 1) * 1e6:.0f} s CPU per million); peak memory goal "
          f"< 2048 MiB: {result['peak_mib'] + result['jobs'] * result['worker_peak_mib']:.0f} MiB at most, the "
          f"process and its workers together ({'met' if result['peak_mib'] + result['jobs'] * result['worker_peak_mib'] < 2048 else 'NOT met'})")
    print(f"code speed ratio to the plain pipeline (jieba + TF-IDF + predict on {plain['code_sample']:,} posts, no "
          f"database, {plain['code_per_post'] * 1e6:.0f} s per million): "
          f"{plain['code_per_post'] / per_post:.2f}x (CPU {plain['code_cpu_per_post'] * 1e6:.0f} s per million "
          f"vs dazi's {result['cpu_seconds'] / max(result['coded'], 1) * 1e6:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

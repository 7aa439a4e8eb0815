"""A corpus at a glance: what ``dazi corpus`` prints and the app's overview shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from dazi.db import Database
from dazi.projects import Project

from corpus.store import posts_frame

__all__ = ["Overview", "overview"]


@dataclass
class Overview:
    """Counts by platform and status, the date range, top hashtags and keywords,
    and engagement quantiles (of posts whose engagement is known)."""

    posts: int
    by_platform: dict[str, int]
    by_status: dict[str, int]
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    top_hashtags: list[tuple[str, int]]
    top_keywords: list[tuple[str, int]]
    engagement_quantiles: dict[str, float] = field(default_factory=dict)
    approximate_counts: int = 0
    comments: int = 0

    def lines(self) -> list[str]:
        out = [f"posts       {self.posts:,}"]
        out.append("platforms   " + ", ".join(f"{k} {v:,}" for k, v in self.by_platform.items()))
        out.append("status      " + ", ".join(f"{k} {v:,}" for k, v in self.by_status.items()))
        if self.first is not None:
            out.append(f"dates       {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}")
        out.append(f"comments    {self.comments:,}")
        if self.engagement_quantiles:
            q = self.engagement_quantiles
            out.append(
                "engagement  " + "  ".join(f"{k} {v:,.0f}" for k, v in q.items())
                + f"  ({self.approximate_counts:,} posts with approximate counts like 1.2万)"
            )
        if self.top_hashtags:
            out.append("hashtags    " + ", ".join(f"#{t} {n}" for t, n in self.top_hashtags))
        if self.top_keywords:
            out.append("keywords    " + ", ".join(f"{t} {n}" for t, n in self.top_keywords))
        return out


def overview(db: Database, project: Project, *, top: int = 10) -> Overview:
    """Summarise the project's corpus."""
    from sqlalchemy import func, select

    from dazi.schema import comments

    frame = posts_frame(
        db, project, ["platform", "status", "created_at", "engagement", "hashtags", "source_keywords", "counts_approximate"]
    )
    with db.read() as conn:
        n_comments = conn.execute(
            select(func.count()).select_from(comments).where(comments.c.project_id == project.id)
        ).scalar()
    tags: Counter[str] = Counter()
    for lst in frame["hashtags"]:
        tags.update(set(lst or ()))
    keywords: Counter[str] = Counter()
    for lst in frame["source_keywords"]:
        keywords.update(set(lst or ()))
    created = pd.to_datetime(frame["created_at"], utc=True) if len(frame) else pd.Series([], dtype="datetime64[ns, UTC]")
    eng = pd.to_numeric(frame["engagement"], errors="coerce").dropna()
    quantiles = (
        {label: float(eng.quantile(q)) for label, q in (("min", 0), ("25%", 0.25), ("median", 0.5), ("75%", 0.75), ("max", 1))}
        if len(eng) else {}
    )
    return Overview(
        posts=len(frame),
        by_platform={str(k): int(v) for k, v in frame["platform"].value_counts().items()},
        by_status={str(k): int(v) for k, v in frame["status"].value_counts().items()},
        first=created.min() if created.notna().any() else None,
        last=created.max() if created.notna().any() else None,
        top_hashtags=tags.most_common(top),
        top_keywords=keywords.most_common(top),
        engagement_quantiles=quantiles,
        approximate_counts=int(frame["counts_approximate"].fillna(False).astype(bool).sum()) if len(frame) else 0,
        comments=int(n_comments or 0),
    )

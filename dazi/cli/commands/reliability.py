"""``dazi reliability`` and ``dazi reliability-plan``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from coding.verdicts import RELY, VERDICT_TEXT, alpha_verdict
from dazi.cli.context import Context, pass_ctx
from dazi.errors import InputError, ValidationError


# Each command imports what it calls (corpus, coding, reports) inside its function: `dazi --help`
# and every command load only what they use, not pandas, spaCy and matplotlib for each start.
def register(cli: click.Group) -> None:
    cli.add_command(reliability_cmd)
    cli.add_command(plan_cmd)


def _fmt(x, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _read_table(path: Path, missing: tuple[str, ...] = ()):
    """A coder's file as text: only an empty cell (or a ``--missing`` value) is missing.

    pandas would read ``NA``, ``None``, ``null``, ``N/A`` and ``nan`` as missing
    by default; here they stay codes (:mod:`coding.missing`).
    """
    import pandas as pd

    suffix = path.suffix.lower()
    options = dict(dtype=str, keep_default_na=False, na_values=list(missing))
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, **options)
        if suffix in (".csv", ".tsv", ".txt"):
            return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig", **options)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the table: {exc}", "Save it as UTF-8 CSV or XLSX.", file=str(path)) from exc
    raise InputError("unsupported file type", "Give a .csv or .xlsx file.", file=str(path))


_WEIGHT_SHORT = {"identity": "none", "linear": "linear", "quadratic": "quadr."}


@click.command("reliability")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_col", help="Long form: the unit (post) column.")
@click.option("--coder", "coder_col", help="Long form: the coder column.")
@click.option("--value", "value_col", help="Long form: the value column.")
@click.option("--coders", "coder_cols", help="Wide form: comma-separated coder columns (one row per unit).")
@click.option("--variable", "variables", multiple=True, help="Only this variable (repeatable). With FILE: a 'variable' column filter.")
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
              help="Level of measurement (FILE only; a project uses each variable's own level).")
@click.option("--order", help="Ordinal FILE data: the values in order, comma-separated.")
@click.option("--weights", type=click.Choice(["identity", "linear", "quadratic"]),
              help="Weights of the kappa family (Cohen, Conger, Fleiss, Scott, Gwet's AC2, Brennan-Prediger) "
                   "for ordinal, interval and ratio variables; nominal ones are always unweighted (identity). "
                   "Default: quadratic. Shown in the 'weights' column and the JSON.")
@click.option("--missing", "missing", multiple=True, metavar="VALUE",
              help="FILE only: this cell text also means 'no value' (repeatable). By default only an empty "
                   "cell is missing: NA, None, null, N/A and nan are codes.")
@click.option("--population", type=click.IntRange(min=1),
              help="Units in the population sampled (e.g. every post), for the finite-population correction "
                   "of the standard errors. Default: none.")
@click.option("--bootstrap", type=int, default=10_000, show_default=True, help="Resamples for the CI and q; 0 turns them off.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def reliability_cmd(ctx: Context, file, unit_col, coder_col, value_col, coder_cols, variables, level, order,
                    weights, missing, population, bootstrap, seed, fmt):
    """Inter-coder reliability: Krippendorff's alpha with a bootstrapped CI, and the kappa family.

    Without FILE: the current project, every variable at its own level, from
    units coded by two or more coders ("not stated" codes follow the
    codebook's reliability_missing_codes: a value by default).  With FILE
    (CSV/XLSX): long form (--unit/--coder/--value) or wide form (--coders
    A,B,...).  Only an empty cell is missing (add --missing VALUE for more);
    when every value of a variable reads as a number, 1 and 1.0 are the same
    value.  The JSON output adds Conger's kappa, Scott's pi, Brennan-Prediger
    and each coefficient's standard error and 95% interval (Gwet 2014).

    \b
    Example:
      dazi reliability
      dazi reliability --format json --bootstrap 2000
      dazi reliability --weights linear
      dazi reliability codes.csv --unit post --coder coder --value code --level nominal
      dazi reliability wide.xlsx --coders alice,bob --level ordinal --order low,mid,high
    """
    from coding.reliability import reliability

    if file is None:
        from coding.project_reliability import project_reliability

        results = project_reliability(ctx.db, ctx.project(), variables=variables or None, bootstrap=bootstrap,
                                      seed=seed, weights=weights, population=population)
    else:
        table = _read_table(file, missing)
        value_order = [v.strip() for v in order.split(",")] if order else None
        lv = level or "nominal"
        common = dict(level=lv, value_order=value_order, bootstrap=bootstrap, seed=seed,
                      weights=None if lv == "nominal" else weights, population=population)
        if coder_cols:
            cols = [c.strip() for c in coder_cols.split(",") if c.strip()]
            results = [reliability(table, coders=cols, variable=file.stem, **common)]
        elif unit_col and coder_col and value_col:
            if variables and "variable" in table.columns:
                results = [
                    reliability(table[table["variable"] == v], unit=unit_col, coder=coder_col, value=value_col,
                                variable=v, **common)
                    for v in variables
                ]
            else:
                results = [reliability(table, unit=unit_col, coder=coder_col, value=value_col, variable=file.stem, **common)]
        else:
            raise ValidationError(
                "Say how the file is laid out.",
                "Long form: --unit COL --coder COL --value COL.  Wide form: --coders COL1,COL2.",
            )
    if fmt == "json":
        click.echo(json.dumps({"variables": [r.to_dict() for r in results]}, ensure_ascii=False))
        return
    click.echo(f"{'variable':<24}{'level':<9}{'weights':<8}{'units':>6}{'coders':>7}{'alpha':>8}  {'95% CI':<15}"
               f"{'q<.800':>7}{'%agree':>8}{'kappa':>7}{'AC1/2':>7}")
    for r in results:
        d = r.to_dict()
        ci = f"[{_fmt(d['alpha_ci'][0])}, {_fmt(d['alpha_ci'][1])}]" if d["alpha_ci"] else "–"
        q = (d["q"] or {}).get(repr(RELY))
        kappa = d["cohen_kappa"] if d["cohen_kappa"] is not None else d["fleiss_kappa"]
        alpha = d["krippendorff_alpha"]
        mark = _MARK[alpha_verdict(alpha)]
        click.echo(f"{str(d['variable']):<24}{d['level']:<9}{_WEIGHT_SHORT[d['weights']]:<8}{d['n_units']:>6}"
                   f"{d['n_coders']:>7}{_fmt(alpha):>8}{mark} {ci:<15}{_fmt(q):>7}{_fmt(d['percent_agreement']):>8}"
                   f"{_fmt(kappa):>7}{_fmt(d['gwet_ac1']):>7}")
        for note in d["notes"]:
            if not note.startswith("alpha_ci and q from") and " weights over the " not in note:
                click.echo(f"    note: {note}")  # the bootstrap and the weights are said once, below
    click.echo(f"   {VERDICT_TEXT['rely']};  ? {VERDICT_TEXT['tentative']};  ! {VERDICT_TEXT['do not rely']}")
    click.echo("kappa: Cohen's (two coders) or Fleiss' (more); AC1/2: Gwet's AC1, or AC2 when weighted; weights: "
               "of the kappa family (alpha uses the variable's level).")
    if bootstrap:
        click.echo(f"95% CI and q (probability that alpha < .800) from {bootstrap:,} bootstrap resamples "
                   f"(Krippendorff's algorithm, Hayes & Krippendorff 2007), seed {seed}.")


_MARK = {"rely": "  ", "tentative": " ?", "do not rely": " !", "undefined": ""}


@click.command("reliability-plan")
@click.option("--alpha-min", type=float, default=0.8, show_default=True, help="Smallest acceptable alpha.")
@click.option("--p", "p", type=float, default=0.05, show_default=True, help="Significance level.")
@click.option("--categories", type=int, help="Number of (equally likely) categories.")
@click.option("--smallest-p", type=float, help="Probability of the rarest category (instead of --categories).")
@click.option("--coders", type=int, default=2, show_default=True)
def plan_cmd(alpha_min, p, categories, smallest_p, coders):
    """How many units the reliability subsample needs (Krippendorff's method).

    \b
    Example:
      dazi reliability-plan --alpha-min 0.8 --p 0.05 --categories 4
    """
    from coding.reliability import plan_sample_size

    n = plan_sample_size(alpha_min, p=p, categories=categories, smallest_p=smallest_p, coders=coders)
    click.echo(f"{n} units (alpha_min {alpha_min}, p {p}, "
               + (f"{categories} categories" if categories else f"smallest category p {smallest_p}")
               + f", {coders} coders)")

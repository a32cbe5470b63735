"""``reactlens report``: the audience's reaction over the media's timeline, for any classifier's labels."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from ..errors import ReactlensError
from . import app
from .console import err_console, out_console

if TYPE_CHECKING:
    from ..report.audience import Audience
    from ..report.compare import Comparison

#: Options that take several words (at most this many), as the user types them: ``--versus B1 B2 ...``.
SEVERAL = {"--versus": None, "-v": None, "--labels": 2}


def spread_versus(args: List[str]) -> List[str]:
    """``report A... --versus B1 B2 --labels new old`` as click needs it (each word after its own option).

    Every word after ``--versus`` up to the next option belongs to audience B, as a shell glob gives them;
    ``--labels`` takes up to two.
    """
    out: List[str] = []
    option, left = None, 0
    for word in args:
        if word in SEVERAL:
            option, left = word, SEVERAL[word] or len(args)
        elif word.startswith("-"):
            option = None
            out.append(word)
        elif option is not None and left > 0:
            out += [option, word]
            left -= 1
        else:
            out.append(word)
    return out


def _print_audience(audience: Audience) -> None:
    totals = audience.totals()
    viewers, laughs = totals["viewers"], totals["laughs"]
    line = (
        f"{audience.name}: {viewers} viewer{'' if viewers == 1 else 's'}, {totals['sessions']} session(s), "
        f"{totals['seconds']} s"
    )
    if audience.room is not None:
        line += f", {audience.room.heard} room laughs ({audience.room.per_minute:.1f} per minute)"
    elif audience.smile_label:
        line += f", {laughs} laugh event{'' if laughs == 1 else 's'} (visual estimate: no room sound)"
    out_console.print(line, markup=False)
    for label in audience.labels:
        moments = audience.moments[label][:3]
        shown = ", ".join(f"{m['timestamp']} {100 * float(m['share']):.0f}%" for m in moments) or "never shown"
        out_console.print(f"  {label}: {shown}", markup=False)


def _print_comparison(comparison: Comparison) -> None:
    a, b = comparison.a.name, comparison.b.name
    out_console.print(f"{len(comparison.regions)} run(s) where {a} and {b} differ", markup=False)
    for region in comparison.regions[:5]:
        higher = a if region["higher"] == "a" else b
        out_console.print(
            f"  {region['label']} {region['from']}–{region['to']}: {higher} higher, "
            f"peak {100 * float(region['peak_difference']):+.0f} points",
            markup=False,
        )


@app.command()
def report(
    results: List[str] = typer.Argument(
        ...,
        help="Results of audience A: CSVs of `reactlens run`, stores of `reactlens collect`, folders or Parquet "
        "files of `reactlens batch`, or the s3://BUCKET/PREFIX a `reactlens iot rule` delivers to.",
    ),
    versus: List[str] = typer.Option(
        [], "--versus", "-v", help="Results of a second audience (another cut, screening or cinema) to compare with."
    ),
    labels: List[str] = typer.Option(
        [], "--labels", help="Names of the two audiences: --labels 'new cut' 'old cut' (or 'new cut,old cut')."
    ),
    out: Path = typer.Option(Path("reactlens-report"), "--out", "-o", help="Folder for the report files."),
    media: Optional[str] = typer.Option(None, "--media", help="Media title to report on when results hold several."),
    top: int = typer.Option(10, "--top", min=1, help="How many top moments to list per label."),
) -> None:
    """Per-label reaction curves with 95% bands over viewers, top moments, viewers and sessions, figures, HTML.

    With --versus, both audiences on one media timeline, their difference with its band, and where they differ.
    """
    names = [n.strip() for n in (labels[0].split(",") if len(labels) == 1 else labels)] if labels else None
    if names is not None and (len(names) != 2 or not all(names)):
        raise ReactlensError(
            f"--labels {' '.join(map(repr, labels))} is not two names", "give two: --labels 'new cut' 'old cut'"
        )
    if names is not None and not versus:
        raise ReactlensError("--labels names two audiences", "add --versus B.csv for the second audience")
    # imported here (pandas, matplotlib): every other command loads half a second faster
    from ..report.audience import analyse
    from ..report.compare import compare
    from ..report.load import load_results
    from ..report.write import write_report

    with err_console.status("reading the results"):
        first = load_results(results)
        second = load_results(versus) if versus else None
    comparison = None
    with err_console.status("analysing: curves and their bands"):
        if second is not None:
            comparison = compare(first, second, names, [media, media], top=top)
            audiences = [comparison.a, comparison.b]
        else:
            audiences = [analyse(first, media, top=top)]
    del first, second  # the records: what is written is made from the audiences (a full house's are ~0.5 GB)
    try:
        with err_console.status(f"writing the report to {out}"):
            paths = write_report(audiences, str(out), comparison)
    except OSError as exc:
        raise ReactlensError(
            f"cannot write the report to {out}: {exc.strerror}", "choose a writable --out folder"
        ) from None
    for audience in audiences:
        _print_audience(audience)
    if comparison is not None:
        _print_comparison(comparison)
    for name, path in paths.items():
        out_console.print(f"{name:20s} {path}", markup=False)

"""The ``pecdata`` command line: generate, validate and describe the warehouse.

Examples (shell)::

    pecdata generate --residents 50000 --years 3 --seed 2022 --out data/region
    pecdata validate data/region
    pecdata dictionary --format csv > dictionary.csv
    pecdata brief notebooks/10_planning_brief.ipynb --out brief

Every expected error (a folder that already holds a warehouse, an invalid
warehouse, a missing folder, a bad argument) is printed as one ``error: ...``
message on stderr with a non-zero exit status and no traceback (``--debug``
shows it).

Adding a subcommand
-------------------
Write ``configure(parser)`` (add the arguments) and ``run(args) -> int``
(return the exit status) and register them with :func:`command`, as
``generate`` is registered below, e.g. ``cost DIR`` in this module or in a
module listed in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pecdata.generation import assumptions as A

__all__ = ["main", "command", "COMMANDS", "COMMAND_MODULES"]

#: Modules imported before parsing, so that they can register their subcommands.
COMMAND_MODULES: tuple[str, ...] = ()
#: Minimum sizes accepted by ``generate``.
MIN_RESIDENTS, MIN_YEARS = 100, 1


@dataclass(frozen=True)
class Command:
    """A subcommand: its help line, how to add its arguments and how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: The registered subcommands, by name, in the order ``pecdata --help`` lists them.
COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
    """Register a function ``run(args) -> int`` as the subcommand ``name``.

    Parameters
    ----------
    name : str
        The subcommand, e.g. ``"cost"``.
    help : str
        One line for ``pecdata --help``.
    configure : callable
        ``configure(parser)`` adds the subcommand's arguments.

    Returns
    -------
    callable
        A decorator that registers ``run`` and returns it unchanged.

    Examples
    --------
    >>> @command("hello", "Say hello.", lambda p: p.add_argument("name"))
    ... def _hello(args):
    ...     print(f"hello {args.name}")
    ...     return 0
    >>> main(["hello", "Havsland"])
    hello Havsland
    0
    >>> del COMMANDS["hello"]
    """
    if name in COMMANDS:
        raise ValueError(f"the subcommand {name!r} is already registered")

    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, configure, run)
        return run

    return register


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's usage errors: same format, status 2
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(module)
    parser = _Parser(
        prog="pecdata",
        description="Region Havsland: a synthetic regional "
        "health-care data warehouse and its Patient Encounter Cost (PEC).",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for c in COMMANDS.values():
        p = sub.add_parser(c.name, help=c.help, description=c.help)
        c.configure(p)
        p.set_defaults(_run=c.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``pecdata`` command line and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 on an error, 2 on a usage error.

    Examples
    --------
    >>> main(["dictionary", "--format", "csv"])  # doctest: +ELLIPSIS
    table,kind,column,type,unit,nullable,allowed_values,range,references,key,description
    municipalities,reference,municipality_code,text,,False,,,,True,Short code of the municipality
    ...
    0
    """
    from pecdata.warehouse import MissingTableError
    from pecdata.warehouse.problems import ValidationError  # (without importing pandera)

    args = _parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (
        FileExistsError,
        FileNotFoundError,
        ValidationError,
        ValueError,
        OSError,
        MissingTableError,
    ) as exc:
        if args.debug:
            raise
        text = (
            str(exc)
            if not isinstance(exc, ValidationError)
            else (
                f"the warehouse is not valid ({len(exc.problems)} problem"
                f"{'s' * (len(exc.problems) != 1)}):\n  " + str(exc).replace("\n", "\n  ")
            )
        )
        print(f"error: {text}", file=sys.stderr)
        return 1


# --- generate -----------------------------------------------------------------------------------
def _configure_generate(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--residents",
        type=int,
        default=A.DEFAULT_TEACHING_RESIDENTS,
        help=f"number of residents (default {A.DEFAULT_TEACHING_RESIDENTS:,}; full "
        f"size {A.FULL_SIZE_RESIDENTS:,})",
    )
    p.add_argument(
        "--years",
        type=int,
        default=A.DEFAULT_YEARS,
        help=f"number of years (default {A.DEFAULT_YEARS})",
    )
    p.add_argument(
        "--seed", type=int, default=A.DEFAULT_SEED, help=f"random seed (default {A.DEFAULT_SEED})"
    )
    p.add_argument(
        "--start-year",
        type=int,
        default=A.DEFAULT_START_YEAR,
        help=f"first year (default {A.DEFAULT_START_YEAR})",
    )
    p.add_argument("--out", required=True, type=Path, help="folder to write the warehouse to")
    p.add_argument(
        "--no-planted",
        dest="planted",
        action="store_false",
        help="do not plant the findings of the trainers' answer key",
    )
    p.add_argument("--force", action="store_true", help="replace a warehouse already in the folder")


@command(
    "generate", "Generate the synthetic region and save it (Parquet + DuckDB).", _configure_generate
)
def _generate(args: argparse.Namespace) -> int:
    from pecdata import generation
    from pecdata.generation.findings import answer_key_markdown
    from pecdata.warehouse import check_target, save

    key_file = "answer_key.md"

    if args.residents < MIN_RESIDENTS:
        raise ValueError(f"--residents must be at least {MIN_RESIDENTS} (got {args.residents})")
    if args.years < MIN_YEARS:
        raise ValueError(f"--years must be at least {MIN_YEARS} (got {args.years})")
    check_target(args.out, overwrite=args.force, files=[key_file])  # fail before the long part
    # pandera's import and set-up (~0.8 s) happen in a second thread while the generator runs
    warm = threading.Thread(target=_warm_up_validation, daemon=True)
    warm.start()
    t0 = time.perf_counter()
    wh = generation.generate(
        residents=args.residents,
        years=args.years,
        seed=args.seed,
        start_year=args.start_year,
        planted=args.planted,
        progress=sys.stderr.isatty(),
    )
    t1 = time.perf_counter()
    warm.join()
    from pecdata.warehouse.validation import validate

    key_text = answer_key_markdown(wh["planted_findings"], getattr(wh, "meta", {}))
    folder = save(  # validated while the Parquet files are written; nothing saved if invalid
        wh,
        args.out,
        overwrite=args.force,
        files={key_file: key_text},
        synthetic=True,
        check=validate,
    )
    key = folder / key_file
    t3 = time.perf_counter()
    rows = wh.row_counts()
    width = max(map(len, rows))
    print(
        f"Generated {args.residents:,} residents, {args.years} year(s) from {args.start_year}, "
        f"seed {args.seed}{'' if args.planted else ', no planted findings'}:"
    )
    for name, n in rows.items():
        print(f"  {name:<{width}}  {n:>12,} rows")
    print(
        f"{len(rows)} tables, {sum(rows.values()):,} rows; generated in {t1 - t0:.1f} s, "
        f"validated and saved (at once) in {t3 - t1:.1f} s."
    )
    print(f"Saved to {folder.resolve()} (Parquet files, warehouse.duckdb, metadata.json).")
    print(f"Trainers' answer key (planted findings): {key}")
    print(f"Load it with: pecdata.warehouse.load({str(folder)!r})")
    return 0


def _warm_up_validation() -> None:
    """Import the validation and let pandera register its backends (on an empty table)."""
    try:
        import pandas as pd

        from pecdata.warehouse import schema as S
        from pecdata.warehouse.columns import column_problems

        column_problems(S.TABLES["units"], pd.DataFrame())
    except Exception:  # only a warm-up: the real validation reports any problem
        pass


# --- validate -----------------------------------------------------------------------------------
def _configure_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, help="a warehouse folder written by `pecdata generate`")
    p.add_argument(
        "--renew",
        action="store_true",
        help="first rewrite warehouse.duckdb's views over the Parquet files (after a move)",
    )


@command(
    "validate",
    "Check a warehouse folder: files, tables, columns, keys and the rules between tables.",
    _configure_validate,
)
def _validate(args: argparse.Namespace) -> int:
    from pecdata.warehouse import load, renew, verify_files
    from pecdata.warehouse.parts import missing_for
    from pecdata.warehouse.validation import check

    t0 = time.perf_counter()
    if args.renew:
        renew(args.folder)
    messages = verify_files(args.folder)
    wh = load(args.folder, validate=False)
    messages += [str(p) for p in check(wh)]
    if messages:
        print(
            f"error: {args.folder} is not valid ({len(messages)} problem"
            f"{'s' * (len(messages) != 1)}):",
            file=sys.stderr,
        )
        for m in messages:
            print(f"  {m}", file=sys.stderr)
        return 1
    rows = wh.row_counts()
    print(
        f"OK: {args.folder}: {len(rows)} tables, {sum(rows.values()):,} rows, valid "
        f"({'synthetic' if wh.synthetic else 'real data: small counts are suppressed'}; "
        f"checked in {time.perf_counter() - t0:.1f} s)"
    )
    for part, tables in missing_for(wh).items():
        print(f"  Not enough for {part}: no {', '.join(tables)}.")
    return 0


# --- dictionary ---------------------------------------------------------------------------------
def _configure_dictionary(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("markdown", "csv"),
        default="markdown",
        help="output format (default markdown)",
    )


@command("dictionary", "Print the data dictionary (Markdown or CSV).", _configure_dictionary)
def _dictionary(args: argparse.Namespace) -> int:
    from pecdata.warehouse.dictionary import data_dictionary, dictionary_markdown

    if args.format == "csv":
        sys.stdout.write(data_dictionary().to_csv(index=False, lineterminator="\n"))
    else:
        sys.stdout.write(dictionary_markdown())
    return 0


# --- cost ---------------------------------------------------------------------------------------
def _configure_cost(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, help="a warehouse folder written by `pecdata generate`")
    p.add_argument("--years", type=int, nargs="+", help="years to cost (default: all)")
    p.add_argument("--force", action="store_true", help="replace PEC tables already there")


@command(
    "cost",
    "Validate, cost every encounter with PEC, add the result tables (only if they reconcile) "
    "and print the reconciliation.",
    _configure_cost,
)
def _cost(args: argparse.Namespace) -> int:
    from pecdata.pec import PEC_TABLES, add_cost_tables

    t0 = time.perf_counter()
    try:
        result = add_cost_tables(args.folder, years=args.years, replace=args.force)
    except FileExistsError as exc:
        raise FileExistsError(f"{exc} (on the command line: --force)") from None
    print(result)
    print(f"Added {', '.join(PEC_TABLES)} to {args.folder} in {time.perf_counter() - t0:.1f} s.")
    return 0


# --- import -------------------------------------------------------------------------------------
def _configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "mapping", type=Path, help="the mapping file (.toml or .yaml); see 'Your own data'"
    )
    p.add_argument("--out", required=True, type=Path, help="folder to write the warehouse to")
    p.add_argument(
        "--key-file",
        type=Path,
        help="the secret key for the personnummer pseudonyms (keep it outside the warehouse)",
    )
    p.add_argument("--force", action="store_true", help="replace a warehouse already in the folder")


@command(
    "import",
    "Build a warehouse from a region's own CSV, Excel, Parquet or SQL data through a mapping.",
    _configure_import,
)
def _import(args: argparse.Namespace) -> int:
    from pecdata.warehouse import check_target
    from pecdata.warehouse.imports import import_warehouse
    from pecdata.warehouse.parts import missing_for

    check_target(args.out, overwrite=args.force)  # fail before reading anything
    t0 = time.perf_counter()
    wh = import_warehouse(args.mapping, args.out, key_file=args.key_file, overwrite=args.force)
    rows = wh.row_counts()
    width = max(map(len, rows))
    print(f"Imported {wh.meta['source']} data through {args.mapping}:")
    for name, n in rows.items():
        print(f"  {name:<{width}}  {n:>12,} rows")
    print(
        f"Valid; saved to {wh.path} in {time.perf_counter() - t0:.1f} s "
        f"({'synthetic' if wh.synthetic else 'real data: notebooks suppress counts under 5'})."
    )
    if wh.meta["pseudonymised"]:
        print(
            f"Personnummer replaced by keyed pseudonyms in {', '.join(wh.meta['pseudonymised'])}."
        )
    for part, tables in missing_for(wh).items():
        print(f"  Not enough for {part}: no {', '.join(tables)}.")
    print(f"Cost it with: pecdata cost {wh.path}")
    return 0


# --- brief --------------------------------------------------------------------------------------
def _configure_brief(p: argparse.ArgumentParser) -> None:
    from pecdata.teaching.brief import DEFAULT_TIMEOUT

    p.add_argument("notebook", type=Path, help="the filled-in planning brief (.ipynb)")
    p.add_argument(
        "--out", type=Path, help="folder for NAME.html and NAME.pdf (default: beside it)"
    )
    p.add_argument("--force", action="store_true", help="replace the HTML and PDF if they exist")
    p.add_argument(
        "--no-execute",
        dest="execute",
        action="store_false",
        help="render the outputs stored in the notebook without running it",
    )
    p.add_argument("--no-pdf", dest="pdf", action="store_false", help="write only the HTML")
    p.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one cell may run (default {DEFAULT_TIMEOUT})",
    )


@command(
    "brief",
    "Render a planning brief notebook without its code to HTML and PDF (headless Chromium).",
    _configure_brief,
)
def _brief(args: argparse.Namespace) -> int:
    from pecdata.teaching.brief import PROMPT_MARK, render_brief

    result = render_brief(
        args.notebook,
        args.out,
        force=args.force,
        execute=args.execute,
        pdf=args.pdf,
        timeout=args.timeout,
    )
    print(result)
    if result.unfinished:
        print(
            f"note: {len(result.unfinished)} section(s) still hold the template's prompt "
            f"({PROMPT_MARK}): " + "; ".join(result.unfinished),
            file=sys.stderr,
        )
    return 0


# --- course -------------------------------------------------------------------------------------
def _configure_course(p: argparse.ArgumentParser) -> None:
    from pecdata.teaching.course.commands import configure

    configure(p)


@command(
    "course",
    "Run a cohort: prepare participants' notebooks, check them, follow their progress.",
    _configure_course,
)
def _course(args: argparse.Namespace) -> int:
    from pecdata.teaching.course.commands import run

    return run(args)


if __name__ == "__main__":  # python -m pecdata.cli
    sys.exit(main())

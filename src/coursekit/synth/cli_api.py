"""What ``coursekit data generate`` and ``coursekit data verify`` do (the CLI only parses)."""

from __future__ import annotations

import sys
from pathlib import Path

from coursekit.errors import CourseDataError, UsageError
from coursekit.synth import io as sio
from coursekit.synth.world import (
    FORMATS,
    GeneratorInputError,
    check_output_dir,
    generate_world,
    validate_parameters,
)


def _whole_number(text: str, what: str) -> int:
    digits = str(text).strip()
    if len(digits) > 30 and digits.lstrip("+-").isdigit():  # int() refuses 4,300 digits
        raise UsageError(f"{what} is far too large: {_short(digits)}")
    try:
        return int(digits)
    except ValueError:
        raise UsageError(f"{what} must be a whole number, got {_short(text)}") from None


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def generate_command(
    *,
    customers: str,
    seed: str,
    out: str,
    locale: str = "zh_CN",
    fmt: str = "csv",
    chunk_size: str | None = None,
    start: str = "2024-01-01",
    end: str = "2025-12-31",
    force: bool = False,
    quiet: bool = False,
    truth: bool = True,
) -> int:
    """Generate a world into ``out``. Bad input raises ``UsageError`` before anything is written.

    Every check that can fail (parameters, memory, the output folder and what is in it)
    runs before the world is generated. ``--format parquet`` streams the world in chunks
    into partitioned Parquet (:mod:`coursekit.synth.stream`).
    """
    n = _whole_number(customers, "--customers")
    s = _whole_number(seed, "--seed")
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {_short(fmt)}")
    if not str(out).strip():
        raise UsageError("--out needs the name of a folder")
    target = Path(out)
    if fmt == "parquet":
        return _generate_parquet(n, s, target, locale, chunk_size, start, end, force, quiet, truth)
    if chunk_size is not None:
        raise UsageError("--chunk-size is only taken with --format parquet")
    try:
        validate_parameters(n, s, start, end, locale, writing=True)
        check_output_dir(target, force=force, files=sio.planned_files(fmt, truth=truth))
        world = generate_world(n, s, start, end, locale, progress=not quiet)
        world.save(target, format=fmt, force=force, truth=truth)
    except GeneratorInputError as exc:
        raise UsageError(str(exc)) from None
    if not quiet:
        hidden = "" if truth else ", without the hidden tables"
        print(f"wrote {n:,} customers (seed {s}{hidden}) to {target}", file=sys.stderr)
    return 0


def _generate_parquet(n, s, target, locale, chunk_size, start, end, force, quiet, truth) -> int:
    from coursekit.synth.stream import DEFAULT_CHUNK, write_partitioned_world

    chunk = DEFAULT_CHUNK if chunk_size is None else _whole_number(chunk_size, "--chunk-size")
    try:
        write_partitioned_world(
            target, n, s, start, end, locale, chunk_size=chunk, force=force, truth=truth,
            progress=not quiet,
        )  # fmt: skip
    except GeneratorInputError as exc:
        raise UsageError(str(exc)) from None
    if not quiet:
        hidden = "" if truth else ", without the hidden tables"
        print(
            f"wrote {n:,} customers (seed {s}{hidden}) as partitioned Parquet to {target}",
            file=sys.stderr,
        )
    return 0


def verify_dataset(path: str | Path) -> tuple[list[str], list[str]]:
    """Check a dataset directory against its MANIFEST.

    Returns:
        (problems, notes): missing or changed files, and files the MANIFEST does not list
        (reported, but harmless: the listed data is intact).
    """
    path = Path(path)
    manifest = sio.read_manifest(path)
    problems = []
    for name, meta in manifest["files"].items():
        file = path / name
        if not file.is_file():
            problems.append(f"missing: {name}")
        elif file.stat().st_size != meta["bytes"] or sio.sha256_file(file) != meta["sha256"]:
            problems.append(f"changed: {name}")
    listed = set(manifest["files"]) | {sio.MANIFEST_NAME}
    notes = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path)
        if rel.as_posix() not in listed and not any(part.startswith(".") for part in rel.parts):
            notes.append(f"unexpected: {rel.as_posix()}")
    return problems, notes


def verify_command(path: str) -> int:
    """Print missing or changed files (and unlisted ones); exit 1 if any is missing or changed."""
    try:
        problems, notes = verify_dataset(path)
    except CourseDataError as exc:
        raise UsageError(str(exc)) from None
    for line in problems + notes:
        print(line)
    if problems:
        print(
            f"{path}: {len(problems)} file(s) missing or changed against MANIFEST", file=sys.stderr
        )
        return 1
    hidden = ""
    if not sio.truth_included(sio.read_manifest(path)):
        # A handed-out world: say whether the checks and the simulator can rebuild its
        # hidden tables on this machine (same generator and libraries as its MANIFEST's).
        from coursekit.synth.rebuild import rebuild_hidden_tables

        try:
            rebuild_hidden_tables(path)
            hidden = " (no hidden tables; the checks and the simulator rebuild them here)"
        except CourseDataError as exc:
            why = str(exc).split("truth/), and ", 1)[-1].removesuffix("; ask your instructor")
            hidden = f" (no hidden tables; {why})"
    print(f"{path}: all files match MANIFEST{hidden}")
    return 0

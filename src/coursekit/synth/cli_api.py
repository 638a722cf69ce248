"""What ``coursekit data generate`` and ``coursekit data verify`` do (the CLI only parses)."""

from __future__ import annotations

import sys
from pathlib import Path

from coursekit.course import CourseDataError
from coursekit.errors import UsageError
from coursekit.synth import io as sio
from coursekit.synth.world import (
    FORMATS,
    GeneratorInputError,
    check_output_dir,
    generate_world,
    validate_parameters,
)


def _whole_number(text: str, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise UsageError(f"{what} must be a whole number, got {text!r}") from None


def generate_command(
    *,
    customers: str,
    seed: str,
    out: str,
    locale: str = "zh_CN",
    fmt: str = "csv",
    start: str = "2024-01-01",
    end: str = "2025-12-31",
    force: bool = False,
    quiet: bool = False,
) -> int:
    """Generate a world into ``out``. Bad input raises ``UsageError`` before anything is written."""
    n = _whole_number(customers, "--customers")
    s = _whole_number(seed, "--seed")
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    target = Path(out)
    try:
        validate_parameters(n, s, start, end, locale)
        check_output_dir(target, force=force)
        world = generate_world(n, s, start, end, locale, progress=not quiet)
        world.save(target, format=fmt, force=force)
    except GeneratorInputError as exc:
        raise UsageError(str(exc)) from None
    if not quiet:
        print(f"wrote {n:,} customers (seed {s}) to {target}", file=sys.stderr)
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
        elif sio.sha256_file(file) != meta["sha256"]:
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
    print(f"{path}: all files match MANIFEST")
    return 0

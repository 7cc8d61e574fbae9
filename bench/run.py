"""Run every benchmark in this folder at teaching size, one after another.

Each benchmark is a script that prints its own table (time, peak memory, target,
ratio). They report; they do not fail the build. ``make bench`` runs this file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(
        p
        for p in HERE.glob("*.py")
        if p.name not in ("run.py", "__init__.py") and not p.name.startswith("_")
    )
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        rc = subprocess.call([sys.executable, str(script)] + sys.argv[1:])
        if rc:
            failed.append(script.name)
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

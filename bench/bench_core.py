"""Core benchmark: Campus Hub against Home Assistant 2024.3.3, same scenarios, same run.

    .venv/bin/python bench/bench_core.py            # 3 runs, recorder rows too (~6-9 min)
    .venv/bin/python bench/bench_core.py --runs 5 --no-recorder
    .venv/bin/python bench/bench_core.py --quick    # smoke run, figures not meaningful

Creates bench/.ha-venv (homeassistant==2024.3.3 on Python 3.11) the first time. Each side
runs in its own subprocesses; start-up runs in a fresh process per measurement. See
bench/README.md, section "Core vs Home Assistant".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.core.report import integrity_lines, table
from bench.core.runner import run_bench
from bench.core.sides import compile_our_sources, ensure_ha_venv, ha_side, our_side
from bench.core.spec import Sizes


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds; medians are taken")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run")
    parser.add_argument("--no-recorder", action="store_true", help="skip the recorder rows")
    parser.add_argument("--markdown", action="store_true", help="also print markdown tables")
    parser.add_argument("--json", type=Path, help="write every run's raw figures here")
    return parser.parse_args()


def main() -> None:
    """Run the bench and print the tables."""
    args = _parse()
    sizes = Sizes.quick() if args.quick else Sizes()
    runs = 1 if args.quick else args.runs
    version = ensure_ha_venv()
    compile_our_sources()
    print(
        f"Campus Hub vs Home Assistant {version}: {runs} runs, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {dt.date.today()}",
        flush=True,
    )
    results = run_bench(
        our_side(),
        ha_side(),
        sizes,
        runs,
        not args.no_recorder,
        log=lambda text: print("  " + text, flush=True),
    )
    load = ", ".join(f"{first:.1f}" for first, _, _ in results.load)
    print(
        f"\n{runs} runs in {results.seconds:.0f} s; 1-min load average at each run "
        f"boundary: {load}\n"
    )
    starts = runs * sizes.startup_repeats
    print(f"Start-up rows: median of {starts} fresh processes per side (sides take turns).")
    print("Without recorder (both sides):")
    print("\n".join(table(results)))
    if args.markdown:
        print("\n" + "\n".join(table(results, markdown=True)))
    if not args.no_recorder:
        print("\nCampus Hub with its recorder on (SQLite, WAL) / HA without recorder:")
        print("\n".join(table(results, ours="ours+recorder")))
        if args.markdown:
            print("\n" + "\n".join(table(results, ours="ours+recorder", markdown=True)))
        print("\n".join(integrity_lines(results)))
    if args.json:
        raw = {side: dict(keys) for side, keys in results.by_side.items()}
        args.json.write_text(
            json.dumps(
                {"sizes": sizes.as_dict(), "runs": runs, "load": results.load, "results": raw},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()

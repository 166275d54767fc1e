"""Prints bench/run.sh's results as one table per data shape.

Usage: report.py <results.jsonl> [load.txt]

Speeds are input megabytes per second of the process's CPU time (which other processes on a
shared machine do not inflate) and of wall time; "sdlf ×" is sdlf-transform's CPU-time speed as
a multiple of the row's tool (above 1: sdlf-transform is faster).
"""

import json
import sys


def main() -> None:
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    header = (
        f"{'format':<7}{'tool':<24}{'input MB':>9}{'rows':>10}{'MB/cpu-s':>10}{'MB/s wall':>10}"
        f"{'sdlf ×':>8}{'peak RSS MB':>13}{'output MB':>11}"
    )
    for shape in shapes:
        print(f"\n{shape}")
        print(header)
        for fmt in ("csv", "jsonl"):
            group = [r for r in rows if r["shape"] == shape and r["format"] == fmt]
            sdlf = next((r for r in group if r["tool"] == "sdlf-transform"), None)
            for r in group:
                speed = r["input_mb"] / r["cpu_seconds"]
                ratio = f"{sdlf['input_mb'] / sdlf['cpu_seconds'] / speed:.2f}" if sdlf else "-"
                print(
                    f"{fmt:<7}{r['tool']:<24}{r['input_mb']:>9}{r['rows']:>10}{speed:>10.1f}"
                    f"{r['mb_per_s']:>10.1f}{ratio:>8}{r['peak_rss_mb']:>13}{r.get('output_mb', '-'):>11}"
                )
            for r in group:
                if "sdlf_output_rows_read_by_pyarrow" in r:
                    print(
                        f"  pyarrow read sdlf-transform's output: {r['sdlf_output_rows_read_by_pyarrow']} rows "
                        f"({r['sdlf_output_schema']}); same values as arrow-rs's: {r.get('sdlf_equals_arrow_rs')}"
                    )


def print_load(path: str) -> None:
    """The one-minute load average as each shape started, and at the end."""
    samples = [line.split() for line in open(path) if line.strip()]
    if samples:
        cores = samples[0][2]
        shown = ", ".join(f"{when} {load}" for when, load, _ in samples)
        print(f"\nload average (1 min) on {cores} cores: {shown}")


if __name__ == "__main__":
    main()
    if len(sys.argv) > 2:
        print_load(sys.argv[2])

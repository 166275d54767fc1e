"""pyarrow's single-threaded CSV/JSON -> Parquet (snappy), for comparison with sdlf-transform.

Usage: pyarrow_convert.py <csv|jsonl> <input> <output.parquet> [sdlf_output.parquet [arrow_output.parquet]]
Prints one JSON line like examples/transform_file.rs. With a fourth argument, also reads the
Parquet file sdlf-transform wrote and reports its row count (a readability check); with a fifth,
whether it holds the same values as the file arrow-rs wrote from the same input (in sdlf's types).
"""

import json
import os
import resource
import sys
import time

import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.json as pj
import pyarrow.parquet as pq


def convert(fmt: str, src: str, dst: str, newlines_in_values: bool) -> tuple[pa.Table, float, float]:
    """Reads the input and writes it as Parquet; returns the table, wall and CPU seconds."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    if fmt == "csv":
        parse = pv.ParseOptions(newlines_in_values=newlines_in_values)
        table = pv.read_csv(src, read_options=pv.ReadOptions(use_threads=False), parse_options=parse)
    else:
        table = pj.read_json(src, read_options=pj.ReadOptions(use_threads=False))
    pq.write_table(table, dst, compression="snappy")
    return table, time.perf_counter() - started, time.process_time() - cpu_started


def main() -> None:
    fmt, src, dst = sys.argv[1:4]
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    tool = f"pyarrow {pa.__version__}"
    try:
        table, seconds, cpu_seconds = convert(fmt, src, dst, newlines_in_values=False)
    except pa.ArrowInvalid as error:
        # Quoted fields with newlines need the slower option pyarrow leaves off by default;
        # timed again from the start with it (the peak memory reported covers both attempts).
        if "newlines_in_values" not in str(error):
            raise
        table, seconds, cpu_seconds = convert(fmt, src, dst, newlines_in_values=True)
        tool += " (newlines_in_values)"
    # ru_maxrss is in KiB on Linux; read before the checks below load more files.
    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)
    megabytes = os.path.getsize(src) / 1e6
    result = {
        "tool": tool,
        "format": fmt,
        "input_mb": round(megabytes, 1),
        "rows": table.num_rows,
        "seconds": round(seconds, 3),
        "mb_per_s": round(megabytes / seconds, 1),
        "cpu_seconds": round(cpu_seconds, 3),
        "mb_per_cpu_s": round(megabytes / cpu_seconds, 1),
        "peak_rss_mb": peak_rss_mb,
        "output_mb": round(os.path.getsize(dst) / 1e6, 1),
    }
    del table
    if len(sys.argv) > 4:
        theirs = pq.read_table(sys.argv[4])
        result["sdlf_output_rows_read_by_pyarrow"] = theirs.num_rows
        result["sdlf_output_schema"] = ", ".join(f"{f.name}:{f.type}" for f in theirs.schema)
        if len(sys.argv) > 5:
            arrow_rs = pq.read_table(sys.argv[5]).cast(theirs.schema)
            result["sdlf_equals_arrow_rs"] = theirs.equals(arrow_rs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Stage B's heavy transform on Apache Spark: the one script every dataset's Glue job runs.

The dataset's SQL (from the lake definition) runs over the batch, registered as the view
`batch`, and its answer is written as Parquet to the batch's pending folder, partitioned as
declared; the stage B state machine publishes it from there to the dataset's analytics prefix
once its data-quality rules passed (or to the dataset's quarantine). The same SQL runs on DataFusion in the `local` environment (crate sdlf-heavy),
which does what this script does: column names in lower case on the way in and out, Snappy
Parquet, Hive-style partition folders.

No Glue-only imports: Glue passes job arguments on sys.argv as `--KEY value` and adds its own
(--JOB_NAME, --JOB_RUN_ID, --TempDir, ...), so they are read with argparse's
parse_known_args, and the script runs the same on plain Spark (the parity test does).

Arguments:
  --SOURCE_KEYS   the batch: comma-separated URIs of Parquet objects, or the URI of a JSON
                  manifest (a list of such URIs) whose name ends in `.json`
  --TARGET        where to write: the batch's own pending folder,
                  s3://{analytics bucket}/{team}/_pending/{dataset}/{execution}/, replaced
                  whole (a redriven batch does not add to what an earlier attempt wrote)
  --SQL           the query over `batch`
  --PARTITION_BY  comma-separated output columns to partition by; empty for none
  --TEAM, --DATASET  for the logs
"""

import argparse
import json
import sys

from pyspark.sql import SparkSession


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--SOURCE_KEYS", "--TARGET", "--SQL"):
        parser.add_argument(name, required=True)
    for name in ("--PARTITION_BY", "--TEAM", "--DATASET"):
        parser.add_argument(name, default="")
    known, _glue_arguments = parser.parse_known_args(argv)
    return known


def source_uris(spark, value):
    """The batch's object URIs, from the list itself or from the manifest it names."""
    value = value.strip()
    if value.endswith(".json"):
        text = spark.read.text(value, wholetext=True).first()[0]
        return json.loads(text)
    return [uri.strip() for uri in value.split(",") if uri.strip()]


def lower_case_columns(frame):
    """Column names in lower case, as DataFusion resolves unquoted identifiers."""
    names = [name.lower() for name in frame.columns]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"columns differ only in case: {', '.join(twice)}; rename one of each")
    return frame.toDF(*names)


def main(argv):
    args = arguments(argv)
    spark = SparkSession.builder.getOrCreate()
    # Timestamps mean the same instant on both engines (DataFusion works in UTC).
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    uris = source_uris(spark, args.SOURCE_KEYS)
    if not uris:
        raise ValueError("the batch has no objects")
    print(f"{args.TEAM}/{args.DATASET}: {len(uris)} objects to {args.TARGET}", file=sys.stderr)
    batch = lower_case_columns(spark.read.option("mergeSchema", "true").parquet(*uris))
    batch.createOrReplaceTempView("batch")
    result = lower_case_columns(spark.sql(args.SQL))
    partition_by = [c.strip().lower() for c in args.PARTITION_BY.split(",") if c.strip()]
    missing = [c for c in partition_by if c not in result.columns]
    if missing:
        raise ValueError(
            f"the heavy transform partitions by {', '.join(missing)}, which its query does not return "
            f"(it returns: {', '.join(result.columns)})"
        )
    writer = result.write.mode("overwrite").option("compression", "snappy")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(args.TARGET)


if __name__ == "__main__":
    main(sys.argv[1:])

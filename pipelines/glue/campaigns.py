"""Stage B heavy transform of dataset `campaigns` (team `marketing`): AWS Glue 4.0, PySpark.

Reads one batch of stage A outputs (Parquet with campaign_id, spend, clicks), cleans it lightly,
derives the cost per click and appends the result as Parquet to the analytics bucket, partitioned
by the day the batch was processed.

Job arguments, set for each run by the stage B state machine (from `routing-b`):
  --SOURCE_KEYS  the batch: a comma-separated list of s3:// URIs of Parquet objects, or the s3:// URI
                 of a JSON manifest (a list of such URIs) whose name ends in `.json`
  --TARGET       where to write: s3://{analytics bucket}/{team}/{dataset}/
  --TEAM, --DATASET  for the logs
The job's default arguments (pipeline stack) add --TempDir, metrics, continuous logs, and turn job
bookmarks off: each run reads exactly the batch it is given.
"""

import json
import sys
from datetime import datetime, timezone

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "SOURCE_KEYS", "TARGET", "TEAM", "DATASET"])
sc = SparkContext.getOrCreate()
glue_context = GlueContext(sc)
spark = glue_context.spark_session
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
log = glue_context.get_logger()


def source_uris(value):
    """The batch's object URIs, from the list itself or from the manifest it names."""
    value = value.strip()
    if value.endswith(".json"):
        return json.loads(sc.wholeTextFiles(value).values().first())
    return [uri.strip() for uri in value.split(",") if uri.strip()]


uris = source_uris(args["SOURCE_KEYS"])
log.info(f"{args['TEAM']}/{args['DATASET']}: {len(uris)} objects to {args['TARGET']}")
if uris:
    campaigns = (
        spark.read.parquet(*uris)
        .withColumn("campaign_id", F.trim(F.col("campaign_id")))
        .withColumn("spend", F.col("spend").cast("double"))
        .withColumn("clicks", F.col("clicks").cast("long"))
        # Rows without a campaign are kept: the quality rule IsComplete "campaign_id" reports them.
        .dropDuplicates()
    )
    campaigns = campaigns.withColumn(
        "cost_per_click",
        F.when(F.col("clicks") > 0, F.col("spend") / F.col("clicks")),
    )
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    (
        campaigns.withColumn("ingest_date", F.lit(day))
        .write.mode("append")
        .partitionBy("ingest_date")
        .parquet(args["TARGET"])
    )
job.commit()

//! The heavy transform: a dataset's SQL over its batch (the stage A outputs, as the table
//! [`BATCH`]), written as Parquet partitioned as declared, Hive-style (`col=value/`), as
//! Spark's `partitionBy` writes it.

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::config::{MaxRowGroupBytes, TableParquetOptions};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::ident;
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext};

/// The table the SQL reads the batch from.
pub const BATCH: &str = "batch";

/// A dataset's heavy transform.
#[derive(Debug, Clone, Copy)]
pub struct HeavySql<'a> {
    /// A query over [`BATCH`].
    pub sql: &'a str,
    /// Output columns to partition by, in order; left out of the files, as Spark does.
    pub partition_by: &'a [String],
}

/// Column names in lower case, on both engines: Spark matches identifiers without regard to
/// case and DataFusion folds unquoted ones, so the same SQL finds the same columns only when
/// the data's names are lower case; the output's are lowered too, so both write the same names.
fn lower_case_columns(frame: DataFrame) -> Result<DataFrame> {
    let names: Vec<String> = frame.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = names.iter().find(|n| !seen.insert(n.to_lowercase())) {
        return Err(DataFusionError::Plan(format!(
            "column `{twice}` differs from another column only in case; rename one of them"
        )));
    }
    frame.select(names.iter().map(|n| ident(n).alias(n.to_lowercase())).collect::<Vec<_>>())
}

/// Registers the batch's objects (Parquet; several schemas are merged) as [`BATCH`].
pub async fn register_batch(ctx: &SessionContext, objects: &[String]) -> Result<()> {
    if objects.is_empty() {
        return Err(DataFusionError::Plan("the batch has no objects".into()));
    }
    // Every column nullable: an object whose column happens to hold no NULL says it cannot,
    // which the reader would then hold against another object's NULLs of that column.
    let merged = ctx.read_parquet(objects.to_vec(), ParquetReadOptions::default()).await?.schema().as_arrow().clone();
    let nullable =
        Schema::new(merged.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect::<Vec<_>>());
    let frame = ctx.read_parquet(objects.to_vec(), ParquetReadOptions::default().schema(&nullable)).await?;
    ctx.deregister_table(BATCH)?;
    ctx.register_table(BATCH, lower_case_columns(frame)?.into_view())?;
    Ok(())
}

/// The columns `transform` returns over the registered batch, as it writes them.
pub async fn output_schema(ctx: &SessionContext, transform: HeavySql<'_>) -> Result<Schema> {
    Ok(lower_case_columns(ctx.sql(transform.sql).await?)?.schema().as_arrow().clone())
}

/// The most a row group of the output buffers before it is written: every partition's file
/// is open at once, so this times the partitions is what the writers hold. Measured on the
/// 1.2 GB benchmark batch (7 partitions, function memory 1024 MB): 32 MiB peaked at 1,210 MB,
/// 8 MiB at 707 MB and ran faster (10.9 s against 11.9 s).
const ROW_GROUP_BYTES: usize = 8 << 20;

/// Runs `transform` over the registered batch and writes the result under `output` (a
/// directory URL); returns the number of rows written.
pub async fn run(ctx: &SessionContext, transform: HeavySql<'_>, output: &str) -> Result<u64> {
    let frame = lower_case_columns(ctx.sql(transform.sql).await?)?;
    let columns: Vec<String> = frame.schema().fields().iter().map(|f| f.name().clone()).collect();
    if let Some(missing) = transform.partition_by.iter().find(|p| !columns.contains(&p.to_lowercase())) {
        return Err(DataFusionError::Plan(format!(
            "the heavy transform partitions by `{missing}`, which its query does not return (it returns: {})",
            columns.join(", ")
        )));
    }
    let partition_by = transform.partition_by.iter().map(|p| p.to_lowercase()).collect();
    let mut parquet = TableParquetOptions::default();
    // Spark's and Glue's default codec, and the light transform's.
    parquet.global.compression = Some("snappy".into());
    // Bounded writers: one file per partition value is open at a time, and each buffers its
    // row group. The parallel writer ignores a byte limit and buffers a million rows per file
    // (measured: 1.5 GB peak for seven partitions of a 1.2 GB batch); row groups of at most
    // ROW_GROUP_BYTES, as the serial writer closes them, bound what the open files hold.
    parquet.global.allow_single_file_parallelism = false;
    parquet.global.max_row_group_bytes = Some(MaxRowGroupBytes::try_new(ROW_GROUP_BYTES)?);
    let written = frame
        .write_parquet(output, DataFrameWriteOptions::new().with_partition_by(partition_by), Some(parquet))
        .await?;
    let rows = written.first().and_then(|b| crate::value::first_row(std::slice::from_ref(b)).ok());
    Ok(rows.and_then(|r| r.first().copied().flatten()).map_or(0, |n| n as u64))
}

/// Registers the transform's output under `url` as `name`, its partition columns as strings
/// (as a Glue crawler types Hive partitions), for the quality rules.
pub async fn register_output(ctx: &SessionContext, name: &str, url: &str, partition_by: &[String]) -> Result<()> {
    let partitions = partition_by.iter().map(|p| (p.to_lowercase(), DataType::Utf8)).collect();
    ctx.deregister_table(name)?;
    ctx.register_parquet(name, url, ParquetReadOptions::default().table_partition_cols(partitions)).await
}

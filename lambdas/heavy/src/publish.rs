//! From the transform's output to the analytics layer: the files DataFusion wrote under a
//! pending prefix (random names) moved to the dataset's prefix — or to its quarantine when a
//! quality rule failed — under names made of the execution id, so a redriven batch writes the
//! same names again instead of a second copy.

use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::error::{DataFusionError, Result};
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use sdlf_lambda_core::messages::OutputObject;

/// The Parquet objects under `prefix`, in key order.
async fn parquet_objects(store: &dyn ObjectStore, prefix: &Path) -> Result<Vec<(Path, u64)>> {
    let mut objects: Vec<(Path, u64)> = store
        .list(Some(prefix))
        .try_filter(|meta| std::future::ready(meta.location.as_ref().ends_with(".parquet")))
        .map_ok(|meta| (meta.location, meta.size))
        .try_collect()
        .await
        .map_err(external)?;
    objects.sort();
    Ok(objects)
}

fn external(e: object_store::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// A Parquet object's footer: the last 8 bytes give the metadata's length, so two small
/// reads rather than the whole object.
async fn footer(store: &dyn ObjectStore, path: &Path, size: u64) -> Result<ParquetMetaData> {
    let not_parquet = || DataFusionError::Execution(format!("{path} is not a Parquet file"));
    let tail = store.get_range(path, size.checked_sub(8).ok_or_else(not_parquet)?..size).await.map_err(external)?;
    if &tail[4..] != b"PAR1" {
        return Err(not_parquet());
    }
    let length = u64::from(u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")));
    let start = size.checked_sub(8 + length).ok_or_else(not_parquet)?;
    let metadata = store.get_range(path, start..size - 8).await.map_err(external)?;
    Ok(ParquetMetaDataReader::decode_metadata(&metadata)?)
}

/// The columns of the Parquet object `path` (of `size` bytes), as Arrow reads them.
pub async fn schema_of(store: &dyn ObjectStore, path: &Path, size: u64) -> Result<Schema> {
    let metadata = footer(store, path, size).await?;
    let file = metadata.file_metadata();
    Ok(parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())?)
}

/// The partition path of `object` under `prefix`: its folders below the prefix.
fn partition_of(prefix: &Path, object: &Path) -> String {
    let parts: Vec<String> =
        object.prefix_match(prefix).map(|p| p.map(|p| p.as_ref().to_owned()).collect()).unwrap_or_default();
    parts[..parts.len().saturating_sub(1)].join("/")
}

/// The Parquet objects under `pending`, in key order, with their partition paths and row
/// counts (from their footers) and sizes.
pub async fn pending_objects(store: &dyn ObjectStore, pending: &Path) -> Result<Vec<(OutputObject, u64)>> {
    let mut objects = Vec::new();
    for (path, size) in parquet_objects(store, pending).await? {
        let rows = footer(store, &path, size).await?.file_metadata().num_rows();
        let partition = partition_of(pending, &path);
        objects.push((OutputObject { key: path.to_string(), partition, rows: u64::try_from(rows).unwrap_or(0) }, size));
    }
    Ok(objects)
}

/// Moves every Parquet object under `pending` to `target`, keeping its partition folders,
/// named `{execution}-{n}.parquet`, then clears `pending`; returns them with their row
/// counts. An object without rows is deleted instead: DataFusion writes none for an empty
/// answer, Spark writes one to keep the schema, and the analytics layer gets neither.
pub async fn publish(
    store: &Arc<dyn ObjectStore>,
    pending: &Path,
    target: &Path,
    execution: &str,
) -> Result<Vec<OutputObject>> {
    let mut published = Vec::new();
    for (object, _) in pending_objects(store.as_ref(), pending).await? {
        let from = Path::from(object.key.as_str());
        if object.rows == 0 {
            store.delete(&from).await.map_err(external)?;
            continue;
        }
        let name = format!("{execution}-{:05}.parquet", published.len());
        let to = if object.partition.is_empty() {
            target.clone().join(name)
        } else {
            Path::from(format!("{target}/{}/{name}", object.partition))
        };
        store.rename(&from, &to).await.map_err(external)?;
        published.push(OutputObject { key: to.to_string(), ..object });
    }
    clear(store, pending).await?;
    Ok(published)
}

/// Deletes everything under `pending`: what an earlier attempt left before the transform
/// writes there, and what a publish leaves behind (Spark's `_SUCCESS` marker).
pub async fn clear(store: &Arc<dyn ObjectStore>, pending: &Path) -> Result<()> {
    let objects: Vec<Path> =
        store.list(Some(pending)).map_ok(|meta| meta.location).try_collect().await.map_err(external)?;
    for object in objects {
        store.delete(&object).await.map_err(external)?;
    }
    Ok(())
}

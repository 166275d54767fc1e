//! From the transform's output to the analytics layer: the files DataFusion wrote under a
//! pending prefix (random names) moved to the dataset's prefix — or to its quarantine when a
//! quality rule failed — under names made of the execution id, so a redriven batch writes the
//! same names again instead of a second copy.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::parquet::file::metadata::ParquetMetaDataReader;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

/// An object of the transform's output, where it now is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Its key in the store.
    pub key: String,
    /// Its Hive partition path (`day=2024-05-01`), empty when unpartitioned.
    pub partition: String,
    pub rows: u64,
}

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

/// Rows of a Parquet object, from its footer: the last 8 bytes give the metadata's length,
/// two small reads rather than the whole object.
async fn rows(store: &Arc<dyn ObjectStore>, path: &Path, size: u64) -> Result<u64> {
    let not_parquet = || DataFusionError::Execution(format!("{path} is not a Parquet file"));
    let tail = store.get_range(path, size.checked_sub(8).ok_or_else(not_parquet)?..size).await.map_err(external)?;
    if &tail[4..] != b"PAR1" {
        return Err(not_parquet());
    }
    let length = u64::from(u32::from_le_bytes(tail[..4].try_into().expect("4 bytes")));
    let start = size.checked_sub(8 + length).ok_or_else(not_parquet)?;
    let metadata = store.get_range(path, start..size - 8).await.map_err(external)?;
    let metadata = ParquetMetaDataReader::decode_metadata(&metadata)?;
    Ok(u64::try_from(metadata.file_metadata().num_rows()).unwrap_or(0))
}

/// The partition path of `object` under `prefix`: its folders below the prefix.
fn partition_of(prefix: &Path, object: &Path) -> String {
    let parts: Vec<String> =
        object.prefix_match(prefix).map(|p| p.map(|p| p.as_ref().to_owned()).collect()).unwrap_or_default();
    parts[..parts.len().saturating_sub(1)].join("/")
}

/// Moves every Parquet object under `pending` to `target`, keeping its partition folders,
/// named `{execution}-{n}.parquet`; returns them with their row counts.
pub async fn publish(
    store: &Arc<dyn ObjectStore>,
    pending: &Path,
    target: &Path,
    execution: &str,
) -> Result<Vec<Published>> {
    let mut published = Vec::new();
    for (n, (from, size)) in parquet_objects(store.as_ref(), pending).await?.into_iter().enumerate() {
        let partition = partition_of(pending, &from);
        let rows = rows(store, &from, size).await?;
        let name = format!("{execution}-{n:05}.parquet");
        let to = if partition.is_empty() {
            target.clone().join(name)
        } else {
            Path::from(format!("{target}/{partition}/{name}"))
        };
        store.rename(&from, &to).await.map_err(external)?;
        published.push(Published { key: to.to_string(), partition, rows });
    }
    Ok(published)
}

/// Deletes what an earlier attempt left under `pending`, before the transform writes there.
pub async fn clear(store: &Arc<dyn ObjectStore>, pending: &Path) -> Result<()> {
    let objects: Vec<Path> =
        store.list(Some(pending)).map_ok(|meta| meta.location).try_collect().await.map_err(external)?;
    for object in objects {
        store.delete(&object).await.map_err(external)?;
    }
    Ok(())
}

//! The DataFusion session stage B runs in: bounded memory that spills to disk, and the
//! settings the heavy transform's SQL relies on.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::common::config::SpillCompression;
use datafusion::error::Result;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::distinct::DistinctToGroupBy;

/// How much the session may use.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes for the operators' memory pool; sorts, joins and aggregations spill beyond it.
    pub memory_bytes: usize,
    /// Where they spill.
    pub spill_dir: PathBuf,
    /// Partitions a plan runs in parallel (the machine's cores).
    pub partitions: usize,
}

/// Memory of a function the operators' pool may not take: the runtime and the Parquet
/// readers' buffers, which the pool does not account (the writers it does).
pub const FUNCTION_HEADROOM_MB: usize = 384;

impl Limits {
    /// The limits of a heavy-transform function with `memory_mb` of memory: less
    /// [`FUNCTION_HEADROOM_MB`], spilling to `/tmp`.
    pub fn function(memory_mb: usize) -> Limits {
        Limits::lambda(memory_mb, FUNCTION_HEADROOM_MB)
    }

    /// A Lambda function's limits: its memory setting less `headroom_mb` for the runtime, the
    /// reader's buffers and the Parquet writers (which the pool does not account), spilling
    /// to `/tmp`.
    pub fn lambda(memory_mb: usize, headroom_mb: usize) -> Limits {
        Limits {
            memory_bytes: memory_mb.saturating_sub(headroom_mb).max(64) * 1024 * 1024,
            spill_dir: std::env::temp_dir(),
            partitions: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A session within `limits`. A fair spill pool rather than DataFusion's default (no limit)
/// or `with_memory_limit` (a greedy pool, where the first operator can starve the others).
pub fn context(limits: &Limits) -> Result<SessionContext> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(limits.memory_bytes)))
        .with_temp_file_path(&limits.spill_dir)
        .build_arc()?;
    let config = SessionConfig::new()
        .with_target_partitions(limits.partitions.max(1))
        .with_information_schema(false)
        // Spills compressed: the benchmark's aggregation (with the DISTINCT sort key) spills
        // ~3.5 GB and waited on the disk: runs in one hour took 43-50 s uncompressed, 37 s
        // with spills on tmpfs, 36-39 s with LZ4; zstd cost more CPU than it saved (56 s).
        // Lambda's /tmp is a disk too.
        .with_spill_compression(SpillCompression::Lz4Frame);
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    ctx.add_optimizer_rule(Arc::new(DistinctToGroupBy));
    Ok(ctx)
}

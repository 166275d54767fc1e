//! The heavy transform on the local file system: the batch's Parquet objects (two schemas,
//! mixed-case names) as `batch`, the dataset's SQL, the output partitioned Hive-style, its
//! quality evaluated where it was written, then published under the execution's names.

use std::sync::Arc;

use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use sdlf_heavy::publish::{clear, publish};
use sdlf_lambda_core::messages::OutputObject;
use sdlf_heavy::quality::evaluate;
use sdlf_heavy::transform::{HeavySql, register_batch, register_output, run};
use sdlf_lambda_core::quality::{Condition, Rule};

/// Writes `sql`'s answer as one Parquet file at `path`.
async fn parquet(ctx: &SessionContext, sql: &str, path: &std::path::Path) -> String {
    let options = DataFrameWriteOptions::new().with_single_file_output(true);
    ctx.sql(sql).await.unwrap().write_parquet(path.to_str().unwrap(), options, None).await.unwrap();
    path.to_str().unwrap().to_owned()
}

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap().to_string();
    text.lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn the_batch_is_transformed_partitioned_checked_and_published() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = SessionContext::new();
    let first = parquet(
        &ctx,
        "SELECT * FROM (VALUES (1, ' Ada ', '2024-05-01'), (2, 'Bob', '2024-05-01'), (NULL, 'nobody', '2024-05-02')) \
         AS t(\"Id\", \"Name\", \"Day\")",
        &dir.path().join("a.parquet"),
    )
    .await;
    let second = parquet(
        &ctx,
        "SELECT * FROM (VALUES (3, 'Cy', '2024-05-02', 'x')) AS t(\"Id\", \"Name\", \"Day\", \"Extra\")",
        &dir.path().join("b.parquet"),
    )
    .await;
    register_batch(&ctx, &[first, second]).await.unwrap();

    let pending = format!("file://{}/pending/", dir.path().display());
    let transform = HeavySql {
        sql: "SELECT Id, trim(name) AS Name, day FROM batch WHERE id IS NOT NULL",
        partition_by: &["Day".to_owned()],
    };
    assert_eq!(run(&ctx, transform, &pending).await.unwrap(), 3);

    register_output(&ctx, "output", &pending, &["day".to_owned()]).await.unwrap();
    let report = evaluate(
        &ctx,
        "output",
        &[Rule::row_count(Condition::Equals(3.0)), Rule::is_primary_key(&["id"]), Rule::column_exists("day")],
    )
    .await
    .unwrap();
    assert!(report.passed(), "{report:#?}");

    let store: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap());
    let published = publish(&store, &Path::from("pending"), &Path::from("analytics/team/ds"), "exec-1").await.unwrap();
    let shape: Vec<(String, u64)> = published.iter().map(|p| (p.partition.clone(), p.rows)).collect();
    assert_eq!(shape, [("day=2024-05-01".to_owned(), 2), ("day=2024-05-02".to_owned(), 1)]);
    assert!(
        published
            .iter()
            .all(|OutputObject { key, partition, .. }| key.starts_with(&format!("analytics/team/ds/{partition}/exec-1-"))
                && key.ends_with(".parquet"))
    );
    assert!(
        !dir.path()
            .join("pending/day=2024-05-01")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().path().extension().is_some_and(|x| x == "parquet") })
    );

    let analytics = format!("file://{}/analytics/team/ds/", dir.path().display());
    register_output(&ctx, "published", &analytics, &["day".to_owned()]).await.unwrap();
    assert_eq!(
        rows(&ctx, "SELECT id, name, day FROM published ORDER BY id").await,
        [
            "+----+------+------------+",
            "| id | name | day        |",
            "+----+------+------------+",
            "| 1  | Ada  | 2024-05-01 |",
            "| 2  | Bob  | 2024-05-01 |",
            "| 3  | Cy   | 2024-05-02 |",
            "+----+------+------------+",
        ]
    );
    clear(&store, &Path::from("analytics")).await.unwrap();
    assert!(!dir.path().join("analytics/team/ds/day=2024-05-01").read_dir().unwrap().any(|_| true));
}

#[tokio::test]
async fn a_partition_column_the_query_does_not_return_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = SessionContext::new();
    let input = parquet(&ctx, "SELECT 1 AS a", &dir.path().join("a.parquet")).await;
    register_batch(&ctx, &[input]).await.unwrap();
    let e = run(&ctx, HeavySql { sql: "SELECT a FROM batch", partition_by: &["day".into()] }, "file:///nowhere/")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("partitions by `day`, which its query does not return (it returns: a)"), "{e}");
    assert!(register_batch(&ctx, &[]).await.unwrap_err().to_string().contains("the batch has no objects"));
}

#[tokio::test]
async fn columns_that_differ_only_in_case_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = SessionContext::new();
    let input = parquet(&ctx, "SELECT 1 AS \"A\", 2 AS a", &dir.path().join("a.parquet")).await;
    let e = register_batch(&ctx, &[input]).await.unwrap_err();
    assert!(e.to_string().contains("differs from another column only in case"), "{e}");
}

//! The Glue table of what a batch published, described from the transform's output schema:
//! the `local` environment registers it itself, since the emulator's crawler infers nothing.

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::error::{DataFusionError, Result};
use sdlf_lambda_core::glue_table::{GlueColumn, PartitionInput, TableInput};

use sdlf_lambda_core::messages::OutputObject;

/// The Hive type Glue records for an Arrow type, as a crawler of Spark's Parquet writes it.
fn hive_type(data_type: &DataType) -> Option<String> {
    Some(match data_type {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "int".into(),
        DataType::Int64 | DataType::UInt32 => "bigint".into(),
        DataType::UInt64 => "decimal(20,0)".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => "string".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            "binary".into()
        }
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::Dictionary(_, value) => hive_type(value)?,
        DataType::List(item) | DataType::LargeList(item) | DataType::FixedSizeList(item, _) => {
            format!("array<{}>", hive_type(item.data_type())?)
        }
        DataType::Struct(fields) => {
            let members: Option<Vec<String>> =
                fields.iter().map(|f| Some(format!("{}:{}", f.name(), hive_type(f.data_type())?))).collect();
            format!("struct<{}>", members?.join(","))
        }
        _ => return None,
    })
}

fn column(name: &str, data_type: &DataType) -> Result<GlueColumn> {
    let data_type = hive_type(data_type).ok_or_else(|| {
        DataFusionError::Plan(format!(
            "column `{name}` is of type {data_type}, which has no Glue (Hive) type; cast it in the heavy transform's SQL"
        ))
    })?;
    Ok(GlueColumn { name: name.to_owned(), data_type })
}

/// The table `name` over `location` (`s3://{bucket}/{prefix}/`) for output of `schema`,
/// partitioned by `partition_by` (Hive partitions: strings, as a crawler types them).
pub fn table(name: &str, schema: &Schema, partition_by: &[String], location: String) -> Result<TableInput> {
    let is_partition = |n: &str| partition_by.iter().any(|p| p.eq_ignore_ascii_case(n));
    let columns = schema
        .fields()
        .iter()
        .filter(|f| !is_partition(f.name()))
        .map(|f| column(f.name(), f.data_type()))
        .collect::<Result<Vec<_>>>()?;
    let keys = partition_by.iter().map(|p| GlueColumn { name: p.to_lowercase(), data_type: "string".into() }).collect();
    Ok(TableInput::parquet(name, columns, keys, location))
}

/// The partitions `objects` were published into, once each, in key order.
pub fn partitions(table: &TableInput, objects: &[OutputObject]) -> Result<Vec<PartitionInput>> {
    let mut paths: Vec<&str> = objects.iter().map(|o| o.partition.as_str()).filter(|p| !p.is_empty()).collect();
    paths.sort_unstable();
    paths.dedup();
    let location = table.storage_descriptor.location.trim_end_matches('/');
    paths
        .into_iter()
        .map(|path| {
            let values = partition_values(table, path)?;
            Ok(table.partition(values, format!("{location}/{path}/")))
        })
        .collect()
}

/// `a=1/b=x` → `["1", "x"]`, checked against the table's partition keys.
fn partition_values(table: &TableInput, path: &str) -> Result<Vec<String>> {
    let segments: Vec<&str> = path.split('/').collect();
    let keys: Vec<&str> = table.partition_keys.iter().map(|k| k.name.as_str()).collect();
    let wrong = || DataFusionError::Execution(format!("`{path}` is not a partition of ({})", keys.join(", ")));
    if segments.len() != keys.len() {
        return Err(wrong());
    }
    segments
        .iter()
        .zip(&keys)
        .map(|(segment, key)| match segment.split_once('=') {
            Some((name, value)) if name == *key => Ok(percent_decode(value)),
            _ => Err(wrong()),
        })
        .collect()
}

/// Hive-style partition folders escape what a path cannot hold as `%XX`.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::{Field, TimeUnit};

    use super::*;

    fn published(key: &str, partition: &str) -> OutputObject {
        OutputObject { key: key.into(), partition: partition.into(), rows: 1 }
    }

    #[test]
    fn columns_get_the_types_a_crawler_records_and_partitions_are_strings() {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("amount", DataType::Decimal128(12, 2), true),
            Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
            Field::new("gender", DataType::Utf8, true),
        ]);
        let table = table("people", &schema, &["gender".into()], "s3://a/t/d/".into()).unwrap();
        let types: Vec<(&str, &str)> =
            table.storage_descriptor.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
        assert_eq!(types, [("id", "bigint"), ("amount", "decimal(12,2)"), ("at", "timestamp")]);
        assert_eq!(table.partition_keys, [GlueColumn { name: "gender".into(), data_type: "string".into() }]);
    }

    #[test]
    fn a_type_glue_cannot_hold_names_the_column() {
        let schema = Schema::new(vec![Field::new("span", DataType::Duration(TimeUnit::Second), true)]);
        let error = table("t", &schema, &[], "s3://a/t/".into()).unwrap_err().to_string();
        assert!(error.contains("column `span`") && error.contains("cast it"), "{error}");
    }

    #[test]
    fn each_partition_once_with_its_decoded_values() {
        let schema = Schema::new(vec![Field::new("day", DataType::Utf8, true), Field::new("k", DataType::Utf8, true)]);
        let table = table("t", &schema, &["day".into(), "k".into()], "s3://a/t/d/".into()).unwrap();
        let objects = [
            published("t/d/day=2024-05-01/k=a%2Fb/x-0.parquet", "day=2024-05-01/k=a%2Fb"),
            published("t/d/day=2024-05-01/k=a%2Fb/x-1.parquet", "day=2024-05-01/k=a%2Fb"),
            published("t/d/day=2024-04-30/k=c/x-2.parquet", "day=2024-04-30/k=c"),
        ];
        let partitions = partitions(&table, &objects).unwrap();
        let found: Vec<(Vec<String>, &str)> =
            partitions.iter().map(|p| (p.values.clone(), p.storage_descriptor.location.as_str())).collect();
        assert_eq!(
            found,
            [
                (vec!["2024-04-30".to_owned(), "c".to_owned()], "s3://a/t/d/day=2024-04-30/k=c/"),
                (vec!["2024-05-01".to_owned(), "a/b".to_owned()], "s3://a/t/d/day=2024-05-01/k=a%2Fb/"),
            ]
        );
        let wrong = [published("t/d/other=1/x.parquet", "other=1")];
        assert!(super::partitions(&table, &wrong).is_err());
    }
}

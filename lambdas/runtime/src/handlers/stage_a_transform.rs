//! `stage-a-transform`: the light transform of one raw object into Parquet in the stage
//! bucket, streamed both ways — the S3 body is read as it arrives and the output goes up in
//! multipart chunks — so an object far larger than the function's memory fits.
//!
//! A malformed, empty or wrongly encoded file is an error whose message says where and what;
//! the state machine catches it (no retry: only Lambda service errors are retried) and the
//! error function marks the catalog row `failed` with that message and dead-letters the input
//! once.

use std::io::Write;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use lambda_runtime::Error;
use sdlf_lambda_core::messages::{LightTransform, StageAInput, TransformAOutput};
use sdlf_transform::{ColumnType, CsvOptions, Field, InputFormat, Options, Schema};
use serde_json::Value;
use tokio::runtime::Handle;
use tracing::info;

use crate::clients::{Clients, env};

pub struct StageATransform {
    stage_bucket: String,
}

impl StageATransform {
    pub fn from_env() -> Result<StageATransform, String> {
        Ok(StageATransform { stage_bucket: env("STAGE_BUCKET")? })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        let input: StageAInput = serde_json::from_value(event).map_err(|e| format!("not a stage A input: {e}"))?;
        let m = &input.message;
        let source = format!("s3://{}/{}", m.bucket, m.key);
        let (format, options) = plan(&m.transform).map_err(|e| format!("{source}: {e}"))?;
        let key = output_key(&m.team, &m.dataset, &m.key);
        let object = clients
            .s3
            .get_object()
            .bucket(&m.bucket)
            .key(&m.key)
            .send()
            .await
            .map_err(|e| format!("{source}: reading the object failed: {}", DisplayErrorContext(e)))?;
        let body = tokio_util::io::SyncIoBridge::new(object.body.into_async_read());
        let mut writer = MultipartWriter::new(clients.s3.clone(), self.stage_bucket.clone(), key.clone());
        // The transform is CPU-bound and blocking: off the async workers.
        let (report, writer) = tokio::task::spawn_blocking(move || {
            let result = sdlf_transform::transform(body, format, &options, &mut writer);
            (result, writer)
        })
        .await?;
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                writer.abort().await;
                return Err(format!("{source}: {e}").into());
            }
        };
        writer.finish().await.map_err(|e| format!("{source}: {e}"))?;
        info!(
            %source,
            output = %format!("s3://{}/{key}", self.stage_bucket),
            rows = report.rows,
            bytes_read = report.bytes_read,
            bytes_written = report.bytes_written,
            "transformed"
        );
        Ok(serde_json::to_value(TransformAOutput { output_keys: vec![key] })?)
    }
}

/// The transform's settings from the dataset's config row.
pub fn plan(config: &LightTransform) -> Result<(InputFormat, Options), String> {
    let input = &config.input_format;
    let format = match input.kind.as_str() {
        "csv" => InputFormat::Csv,
        "json-lines" => InputFormat::JsonLines,
        "json-array" => InputFormat::JsonArray,
        other => {
            return Err(format!(
                "input format `{other}` is not one the light transform reads (csv, json-lines, json-array)"
            ));
        }
    };
    if config.target_format != "parquet" {
        return Err(format!("target format `{}` is not supported (parquet)", config.target_format));
    }
    if format == InputFormat::Csv && input.header.as_deref() == Some("false") {
        return Err("CSV without a header row is not supported: give the files a header row".to_owned());
    }
    let byte = |name: &str, value: &Option<String>, default: u8| -> Result<u8, String> {
        match value.as_deref() {
            None => Ok(default),
            Some(s) if s.len() == 1 => Ok(s.as_bytes()[0]),
            Some(s) => Err(format!("CSV {name} `{s}` must be one ASCII character")),
        }
    };
    let csv =
        CsvOptions { delimiter: byte("delimiter", &input.delimiter, b',')?, quote: byte("quote", &input.quote, b'"')? };
    let schema = if config.schema.is_empty() {
        None
    } else {
        let fields = config
            .schema
            .iter()
            .map(|c| {
                let column_type: ColumnType =
                    c.kind.parse().map_err(|e: sdlf_transform::TransformError| e.to_string())?;
                Ok(Field { name: c.name.clone(), column_type })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Some(Schema { fields })
    };
    Ok((format, Options { schema, csv, ..Options::default() }))
}

/// `pre-stage/{team}/{dataset}/{the raw key's path under the dataset}.parquet`: deterministic,
/// so a re-run overwrites its own output instead of adding a second copy; the raw extension
/// stays in the name, so `a.csv` and `a.json` do not overwrite each other's output.
pub fn output_key(team: &str, dataset: &str, raw_key: &str) -> String {
    let prefix = format!("{team}/{dataset}/");
    let relative = raw_key.strip_prefix(&prefix).unwrap_or(raw_key);
    format!("pre-stage/{team}/{dataset}/{relative}.parquet")
}

/// S3 refuses multipart parts under 5 MiB (but the last); 8 MiB bounds the memory held.
const PART_BYTES: usize = 8 << 20;

/// A blocking `Write` into an S3 object: one PutObject when the output is small, a multipart
/// upload otherwise. Runs on a blocking thread and drives the SDK through the runtime handle.
struct MultipartWriter {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    runtime: Handle,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
}

impl MultipartWriter {
    fn new(client: aws_sdk_s3::Client, bucket: String, key: String) -> MultipartWriter {
        MultipartWriter {
            client,
            bucket,
            key,
            runtime: Handle::current(),
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
        }
    }

    fn upload_part(&mut self) -> Result<(), String> {
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), self.key.clone());
        let body = std::mem::take(&mut self.buffer);
        let number = i32::try_from(self.parts.len() + 1).map_err(|_| "too many parts".to_owned())?;
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .runtime
                    .block_on(client.create_multipart_upload().bucket(&bucket).key(&key).send())
                    .map_err(|e| format!("starting the upload of {key} failed: {}", DisplayErrorContext(e)))?;
                let id = created.upload_id().unwrap_or_default().to_owned();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let part = self
            .runtime
            .block_on(
                client
                    .upload_part()
                    .bucket(&bucket)
                    .key(&key)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .body(body.into())
                    .send(),
            )
            .map_err(|e| format!("uploading part {number} of {key} failed: {}", DisplayErrorContext(e)))?;
        self.parts
            .push(CompletedPart::builder().part_number(number).set_e_tag(part.e_tag().map(str::to_owned)).build());
        Ok(())
    }

    async fn finish(mut self) -> Result<(), String> {
        let Some(upload_id) = self.upload_id.clone() else {
            let body = std::mem::take(&mut self.buffer);
            return self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .body(body.into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("writing {} failed: {}", self.key, DisplayErrorContext(e)));
        };
        if !self.buffer.is_empty() {
            let key = self.key.clone();
            let result = tokio::task::spawn_blocking(move || self.upload_part().map(|()| self)).await;
            self = result.map_err(|e| format!("uploading the last part of {key} failed: {e}"))??;
        }
        let parts = CompletedMultipartUpload::builder().set_parts(Some(self.parts.clone())).build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&upload_id)
            .multipart_upload(parts)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("completing the upload of {} failed: {}", self.key, DisplayErrorContext(e)))
    }

    /// Drops a started multipart upload, so a failed transform leaves no parts behind.
    async fn abort(self) {
        if let Some(upload_id) = &self.upload_id {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(upload_id)
                .send()
                .await;
        }
    }
}

impl Write for MultipartWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= PART_BYTES {
            self.upload_part().map_err(std::io::Error::other)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdlf_lambda_core::dataset_config::{Column, InputFormat as ConfigFormat};

    fn config(kind: &str, schema: Vec<(&str, &str)>) -> LightTransform {
        LightTransform {
            input_format: ConfigFormat {
                kind: kind.into(),
                delimiter: Some(";".into()),
                quote: Some("'".into()),
                header: Some("true".into()),
            },
            target_format: "parquet".into(),
            schema: schema.into_iter().map(|(n, t)| Column { name: n.into(), kind: t.into() }).collect(),
        }
    }

    #[test]
    fn the_output_keeps_the_raw_path_under_the_dataset() {
        assert_eq!(
            output_key("eng", "persons", "eng/persons/2024/05/a.jsonl"),
            "pre-stage/eng/persons/2024/05/a.jsonl.parquet"
        );
        assert_eq!(
            output_key("eng", "persons", "eng/persons/a b (é).csv"),
            "pre-stage/eng/persons/a b (é).csv.parquet"
        );
        assert_ne!(output_key("e", "p", "e/p/a.csv"), output_key("e", "p", "e/p/a.json"), "no collision");
    }

    #[test]
    fn the_config_row_sets_format_csv_options_and_schema() {
        let (format, options) =
            plan(&config("csv", vec![("id", "string"), ("spend", "float64"), ("n", "int64")])).unwrap();
        assert_eq!(format, InputFormat::Csv);
        assert_eq!((options.csv.delimiter, options.csv.quote), (b';', b'\''));
        let types: Vec<ColumnType> = options.schema.unwrap().fields.iter().map(|f| f.column_type).collect();
        assert_eq!(types, [ColumnType::String, ColumnType::Double, ColumnType::Int]);
        let (format, options) = plan(&config("json-lines", vec![])).unwrap();
        assert_eq!((format, options.schema), (InputFormat::JsonLines, None));
    }

    #[test]
    fn unusable_configs_say_what_to_change() {
        assert!(plan(&config("xml", vec![])).unwrap_err().contains("input format `xml`"));
        assert!(plan(&config("csv", vec![("x", "decimal")])).unwrap_err().contains("decimal"));
        let mut headerless = config("csv", vec![]);
        headerless.input_format.header = Some("false".into());
        assert!(plan(&headerless).unwrap_err().contains("header row"));
    }
}

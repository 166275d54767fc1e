//! `stage-a-transform`: the light transform of one raw object into Parquet in the stage
//! bucket, streamed both ways — the S3 body is read as it arrives and the output goes up in
//! multipart chunks — so an object far larger than the function's memory fits.
//!
//! An input with nothing to transform (a CSV header without data rows, no JSON records) is
//! answered with no output and the reason, and the state machine marks the row `empty`.
//! A malformed or wrongly encoded file is an error whose message says where and what;
//! the state machine catches it (no retry: only Lambda service errors are retried) and the
//! error function marks the catalog row `failed` with that message and dead-letters the input
//! once.

use std::io::Write;

use crate::clients::sdk_error;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use lambda_runtime::Error;
use sdlf_lambda_core::contract::config::{ColumnType as DeclaredType, InputFormat as ConfigFormat, TargetFormat};
use sdlf_lambda_core::contract::layout::{DatasetRef, Layer};
use sdlf_lambda_core::messages::{LightTransform, StageAInput, TransformAOutput};
use sdlf_transform::{ColumnType, CsvOptions, Field, InputFormat, Options, Schema};
use serde_json::Value;
use tokio::runtime::Handle;
use tracing::info;

use sdlf_lambda_core::contract::env::StageATransformEnv;

use crate::clients::{Clients, var};

pub struct StageATransform {
    stage_bucket: String,
}

impl StageATransform {
    pub fn from_env() -> Result<StageATransform, String> {
        let env = StageATransformEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(StageATransform { stage_bucket: env.stage_bucket })
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
            .map_err(|e| format!("{source}: reading the object failed: {}", sdk_error(e)))?;
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
            // A legitimate empty extract: nothing is written, and the row ends `empty`.
            Err(e @ sdlf_transform::TransformError::Empty { .. }) => {
                writer.abort().await;
                info!(%source, reason = %e, "empty input");
                return Ok(serde_json::to_value(TransformAOutput {
                    output_keys: Vec::new(),
                    empty: Some(e.to_string()),
                })?);
            }
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
        Ok(serde_json::to_value(TransformAOutput { output_keys: vec![key], empty: None })?)
    }
}

/// The transform's settings from the dataset's config row.
pub fn plan(config: &LightTransform) -> Result<(InputFormat, Options), String> {
    // One target format today: the match breaks the build when the contract adds one.
    match config.target_format {
        TargetFormat::Parquet => {}
    }
    let (format, csv) = match config.input_format {
        ConfigFormat::Csv { header: false, .. } => {
            return Err("CSV without a header row is not supported: give the files a header row".to_owned());
        }
        ConfigFormat::Csv { delimiter, quote, header: true } => {
            (InputFormat::Csv, CsvOptions { delimiter: ascii("delimiter", delimiter)?, quote: ascii("quote", quote)? })
        }
        ConfigFormat::JsonLines => (InputFormat::JsonLines, CsvOptions::default()),
        ConfigFormat::JsonArray => (InputFormat::JsonArray, CsvOptions::default()),
    };
    let schema = (!config.schema.is_empty()).then(|| Schema {
        fields: config
            .schema
            .iter()
            .map(|c| Field { name: c.name.clone(), column_type: column_type(c.data_type) })
            .collect(),
    });
    Ok((format, Options { schema, csv, ..Options::default() }))
}

/// The transform's type for a column type of the contract (every one has a counterpart).
fn column_type(declared: DeclaredType) -> ColumnType {
    match declared {
        DeclaredType::String => ColumnType::String,
        DeclaredType::Int64 => ColumnType::Int,
        DeclaredType::Float64 => ColumnType::Double,
        DeclaredType::Boolean => ColumnType::Boolean,
        DeclaredType::Date => ColumnType::Date,
        DeclaredType::Timestamp => ColumnType::Timestamp,
    }
}

/// The CSV reader splits on bytes: a delimiter or quote must be one ASCII character.
fn ascii(name: &str, c: char) -> Result<u8, String> {
    u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| format!("CSV {name} `{c}` must be one ASCII character"))
}

/// `pre-stage/{team}/{dataset}/{the raw key's path under the dataset}.parquet`: deterministic,
/// so a re-run overwrites its own output instead of adding a second copy; the raw extension
/// stays in the name, so `a.csv` and `a.json` do not overwrite each other's output.
pub fn output_key(team: &str, dataset: &str, raw_key: &str) -> String {
    let dataset = DatasetRef { team: team.to_owned(), dataset: dataset.to_owned() };
    let relative = raw_key.strip_prefix(&dataset.prefix(Layer::Raw)).unwrap_or(raw_key);
    format!("{}{relative}.parquet", dataset.prefix(Layer::Stage))
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
                    .map_err(|e| format!("starting the upload of {key} failed: {}", sdk_error(e)))?;
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
            .map_err(|e| format!("uploading part {number} of {key} failed: {}", sdk_error(e)))?;
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
                .map_err(|e| format!("writing {} failed: {}", self.key, sdk_error(e)));
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
            .map_err(|e| format!("completing the upload of {} failed: {}", self.key, sdk_error(e)))
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
    use sdlf_lambda_core::contract::config::Column;

    fn config(input_format: ConfigFormat, schema: Vec<(&str, DeclaredType)>) -> LightTransform {
        LightTransform {
            input_format,
            target_format: TargetFormat::Parquet,
            schema: schema.into_iter().map(|(n, t)| Column { name: n.into(), data_type: t }).collect(),
        }
    }

    fn csv(delimiter: char, header: bool) -> ConfigFormat {
        ConfigFormat::Csv { delimiter, quote: '\'', header }
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
        let schema = vec![
            ("id", DeclaredType::String),
            ("spend", DeclaredType::Float64),
            ("n", DeclaredType::Int64),
            ("day", DeclaredType::Date),
        ];
        let (format, options) = plan(&config(csv(';', true), schema)).unwrap();
        assert_eq!(format, InputFormat::Csv);
        assert_eq!((options.csv.delimiter, options.csv.quote), (b';', b'\''));
        let types: Vec<ColumnType> = options.schema.unwrap().fields.iter().map(|f| f.column_type).collect();
        assert_eq!(types, [ColumnType::String, ColumnType::Double, ColumnType::Int, ColumnType::Date]);
        let (format, options) = plan(&config(ConfigFormat::JsonLines, vec![])).unwrap();
        assert_eq!((format, options.schema), (InputFormat::JsonLines, None));
    }

    #[test]
    fn unusable_configs_say_what_to_change() {
        assert!(plan(&config(csv(';', false), vec![])).unwrap_err().contains("header row"));
        assert!(plan(&config(csv('§', true), vec![])).unwrap_err().contains("one ASCII character"));
    }
}

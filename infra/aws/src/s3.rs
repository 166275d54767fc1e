//! The artifacts bucket: asset uploads and large templates.

use std::sync::Arc;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use sdlf_deploy::api::{ApiError, Objects};

use crate::CallCounter;

#[derive(Debug, Clone)]
pub struct S3 {
    client: aws_sdk_s3::Client,
    endpoint_url: Option<String>,
    region: String,
    calls: Arc<CallCounter>,
}

impl S3 {
    pub fn new(
        client: aws_sdk_s3::Client,
        endpoint_url: Option<String>,
        region: String,
        calls: Arc<CallCounter>,
    ) -> S3 {
        S3 { client, endpoint_url, region, calls }
    }
}

impl Objects for S3 {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, ApiError> {
        // ListObjectsV2, not HeadObject: a 404 HEAD can leave a negative cache entry that
        // makes CloudFormation see "Access Denied" for the object uploaded right after.
        self.calls.tick();
        let out = self.client.list_objects_v2().bucket(bucket).prefix(key).max_keys(1).send().await.map_err(|e| {
            let missing = e.as_service_error().and_then(|s| s.code()) == Some("NoSuchBucket");
            let mut e = crate::api_error("ListObjectsV2", None, e);
            if missing {
                e.message = format!(
                    "the artifacts bucket `{bucket}` does not exist; it is created by the foundations stack, which \
                     must deploy first"
                );
            }
            e
        })?;
        Ok(out.contents().iter().any(|o| o.key() == Some(key)))
    }

    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), ApiError> {
        self.calls.tick();
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| crate::api_error("PutObject", None, e))?;
        Ok(())
    }

    fn url(&self, bucket: &str, key: &str) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!("{}/{bucket}/{key}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region),
        }
    }
}

//! The pipeline calls of `bootstrap --status` / `--wait` against moto's server (pinned in
//! tests/support/requirements.txt, bound to 127.0.0.1): MiniStack has no CodePipeline; moto
//! creates, lists and starts pipelines (an execution "succeeds" at once, running nothing) but
//! answers GetPipelineState with an error, and sends timestamps the SDK cannot parse in
//! GetPipeline and ListPipelineExecutions — which is why the stage rendering is tested on plain
//! data (`sdlf_cicd::status`).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_codepipeline::types::builders::ActionDeclarationBuilder;
use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType, InputArtifact,
    OutputArtifact, PipelineDeclaration, StageDeclaration,
};
use sdlf_aws::{CallCounter, CodePipeline};
use sdlf_cicd::status::{Pipelines, follow};

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash").arg(root.join("tests/support/tools.sh")).args(["path", "moto_server"]).output();
    let out = out.expect("tools.sh runs");
    assert!(out.status.success(), "tools.sh path moto_server: {}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn start() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(moto_server())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen on {url} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, url }
}

/// IAM's CreateRole in its query protocol, straight over HTTP: moto checks that CodePipeline
/// may assume the pipeline's role, and the IAM SDK crate is not worth building for one call.
fn create_pipeline_role(moto: &Moto, name: &str) {
    use std::io::{Read, Write};
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codepipeline.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let encode = |v: &str| {
        v.bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    };
    let body =
        format!("Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument={}", encode(trust));
    let host = moto.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=t/20261202/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "CreateRole: {answer}");
}

fn action(name: &str, category: ActionCategory, provider: &str) -> ActionDeclarationBuilder {
    ActionDeclaration::builder().name(name).action_type_id(
        ActionTypeId::builder()
            .category(category)
            .owner(ActionOwner::Aws)
            .provider(provider)
            .version("1")
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn a_started_execution_is_found_and_followed_to_its_end() {
    let moto = start();
    let config = aws_config::defaults(aws_config::BehaviorVersion::v2026_01_12())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(aws_sdk_codepipeline::config::Credentials::new("t", "t", None, None, "test"))
        .load()
        .await;
    let client = aws_sdk_codepipeline::Client::new(&config);
    create_pipeline_role(&moto, "acme-lake-cicd-pipeline");
    let artifact = || OutputArtifact::builder().name("Source").build().unwrap();
    let source = action("Source", ActionCategory::Source, "CodeCommit").output_artifacts(artifact()).build().unwrap();
    let input = InputArtifact::builder().name("Source").build().unwrap();
    let build = action("Test", ActionCategory::Build, "CodeBuild").input_artifacts(input).build().unwrap();
    let declaration = PipelineDeclaration::builder()
        .name("acme-lake")
        .role_arn("arn:aws:iam::123456789012:role/acme-lake-cicd-pipeline")
        .artifact_store(ArtifactStore::builder().r#type(ArtifactStoreType::S3).location("artifacts").build().unwrap())
        .stages(StageDeclaration::builder().name("Source").actions(source).build().unwrap())
        .stages(StageDeclaration::builder().name("Test").actions(build).build().unwrap())
        .build()
        .unwrap();
    client.create_pipeline().pipeline(declaration).send().await.expect("CreatePipeline");
    // (GetPipeline is not read back: moto sends its timestamps as strings, which the SDK refuses.)

    let api = CodePipeline::new(client.clone(), Arc::new(CallCounter::default()));
    let started = client.start_pipeline_execution().name("acme-lake").send().await.expect("StartPipelineExecution");
    let id = started.pipeline_execution_id().unwrap().to_owned();
    // ListPipelineExecutions is not read here: moto sends its start times as strings, which the
    // SDK refuses to parse (GetPipeline too); GetPipelineExecution carries no timestamp.
    let mut seen = Vec::new();
    let done = follow(&api, "acme-lake", &id, Duration::from_millis(50), |e, _| seen.push(e.status.clone()))
        .await
        .expect("GetPipelineExecution");
    assert_eq!(done.status, "Succeeded", "moto's executions succeed at once");
    assert_eq!(seen, ["Succeeded"]);
    let missing = api.execution("acme-lake", "no-such-execution").await.unwrap_err();
    assert_eq!(missing.operation, "GetPipelineExecution");
}

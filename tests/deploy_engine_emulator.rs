//! The deploy engine against the emulator's real CloudFormation, with small stacks made for the
//! purpose (the example lake cannot be broken on demand): a failing update rolls back with its
//! reason and the stack stays usable; a failed first create is deleted and created again; a
//! bucket rename is refused until allowed by name; a queue rename is refused while the queue
//! holds a message and goes through once it is empty; a template over the 51,200-byte inline
//! limit goes through the artifacts bucket; a changed definition diffs as exactly that change
//! (by the template and by CloudFormation's change set) and the deploy applies it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use sdlf_aws::{Connection, Target};
use sdlf_cfn::Template;
use sdlf_cfn_types::{Registry, s3, sqs, ssm};
use sdlf_deploy::api::Stacks;
use sdlf_deploy::engine::deploy::{AssetBytes, DeployOptions, Deployer, Event, Interrupts, Reporter, StackResult};
use sdlf_lake::assets::Asset;
use sdlf_lake::output::{EnvironmentOutput, StackOutput};
use sdlf_testkit::Emulator;

const BUCKET: &str = "sdlf-engine-test-artifacts";

fn stack(template: &Template, depends_on: &[&str]) -> StackOutput {
    let s = sdlf_cfn::synth(template, &Registry).expect("the test template is valid");
    StackOutput {
        name: template.name.clone(),
        template_file: format!("{}.template.json", template.name),
        needs_upload: s.needs_upload(),
        resources: s.resource_count,
        body: s.body,
        depends_on: depends_on.iter().map(|d| (*d).to_owned()).collect(),
        parameters: BTreeMap::new(),
        tags: BTreeMap::from([("sdlf:test".to_owned(), "engine".to_owned())]),
        assets: Vec::new(),
        left_out: Vec::new(),
    }
}

/// The artifacts bucket (holding uploads), named `bucket_name`.
fn storage(bucket_name: &str) -> Template {
    let mut t = Template::new("engine-storage");
    t.add("Artifacts", s3::Bucket { bucket_name: Some(bucket_name.into()), ..s3::Bucket::default() });
    t
}

/// Queues; with `broken`, one FIFO queue without the `.fifo` suffix, which SQS refuses.
fn queues(name: &str, broken: bool) -> Template {
    let mut t = Template::new(name);
    t.add("Good", sqs::Queue::default());
    if broken {
        t.add(
            "Broken",
            sqs::Queue {
                queue_name: Some(format!("{name}-not-fifo").into()),
                fifo_queue: Some(true.into()),
                ..sqs::Queue::default()
            },
        );
    }
    t
}

/// One queue, named `queue_name` (renaming it replaces it).
fn messages(queue_name: &str) -> Template {
    let mut t = Template::new("engine-messages");
    t.add("Messages", sqs::Queue { queue_name: Some(queue_name.into()), ..sqs::Queue::default() });
    t
}

/// Over 51,200 bytes: 60 parameters with 1 KB descriptions.
fn large() -> Template {
    let mut t = Template::new("engine-large");
    for i in 0..60 {
        t.add(
            format!("Parameter{i}"),
            ssm::Parameter {
                name: Some(format!("/sdlf-engine-test/p{i}").into()),
                description: Some("x".repeat(1000).into()),
                ..ssm::Parameter::new(ssm::parameter::Type::String, "value")
            },
        );
    }
    t
}

fn output(stacks: Vec<StackOutput>) -> EnvironmentOutput {
    EnvironmentOutput { environment: "local".into(), stacks, assets_bucket: BUCKET.into() }
}

struct NoAssets;
impl AssetBytes for NoAssets {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String> {
        Err(format!("no asset expected, got {}", asset.source))
    }
}

#[derive(Default)]
struct Log(Mutex<Vec<String>>);
impl Reporter for Log {
    fn report(&self, event: Event<'_>) {
        if let Event::Finished { stack, status, .. } = event {
            self.0.lock().unwrap().push(format!("{stack}: {status}"));
        }
    }
    fn confirm(&self, _: &str) -> bool {
        false
    }
}

fn options(allow_replace: &[&str]) -> DeployOptions {
    DeployOptions {
        concurrency: 2,
        yes: true,
        interactive: false,
        allow_replace: allow_replace.iter().map(|s| (*s).to_owned()).collect(),
        no_wait: false,
        protect: BTreeSet::new(),
        region: "us-east-1".into(),
        role_arn: None,
        run_id: sdlf_deploy::naming::new_run_id(),
        parameters: BTreeMap::new(),
    }
}

async fn deploy(conn: &Connection, out: &EnvironmentOutput, allow_replace: &[&str]) -> BTreeMap<String, StackResult> {
    let log = Log::default();
    let interrupts = Interrupts::default();
    let deployer = Deployer {
        stacks: &conn.cloudformation,
        objects: &conn.s3,
        queues: &conn.sqs,
        assets: &NoAssets,
        reporter: &log,
        interrupts: &interrupts,
        options: options(allow_replace),
    };
    let deployed: BTreeMap<_, _> = conn
        .cloudformation
        .describe_all("engine-")
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.status != "DELETE_COMPLETE")
        .map(|d| (d.name.clone(), d))
        .collect();
    let selected: Vec<String> = out.stacks.iter().map(|s| s.name.clone()).collect();
    deployer.deploy(out, &selected, &deployed).await.into_iter().collect()
}

async fn connect(emulator: &Emulator) -> Connection {
    sdlf_aws::connect(&Target::emulator(&emulator.url)).await
}

#[test]
fn failures_roll_back_with_their_reason_recreate_and_refuse_data_loss_on_the_emulator() {
    let emulator = Emulator::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let conn = connect(&emulator).await;
        let good =
            output(vec![stack(&storage(BUCKET), &[]), stack(&queues("engine-queues", false), &["engine-storage"])]);
        let r = deploy(&conn, &good, &[]).await;
        assert!(r.values().all(|r| *r == StackResult::Deployed), "{r:?}");

        // A template over the inline limit goes through the bucket.
        let large = stack(&large(), &["engine-storage"]);
        assert!(large.needs_upload, "{} bytes", large.bytes());
        let r = deploy(&conn, &output(vec![stack(&storage(BUCKET), &[]), large]), &[]).await;
        assert_eq!(r["engine-large"], StackResult::Deployed, "{r:?}");

        // A failing update rolls back, says why, and leaves the stack usable.
        let broken =
            output(vec![stack(&storage(BUCKET), &[]), stack(&queues("engine-queues", true), &["engine-storage"])]);
        let r = deploy(&conn, &broken, &[]).await;
        let StackResult::Failed { status, reasons, .. } = &r["engine-queues"] else { panic!("{r:?}") };
        assert_eq!(status, "UPDATE_ROLLBACK_COMPLETE");
        assert!(reasons.iter().any(|x| x.starts_with("Broken (AWS::SQS::Queue): ")), "{reasons:?}");
        let r = deploy(&conn, &good, &[]).await;
        assert_eq!(r["engine-queues"], StackResult::NoChanges, "back to what is deployed");

        // A failed first create (ROLLBACK_COMPLETE) is deleted and created again.
        let new_broken = output(vec![stack(&queues("engine-fresh", true), &[])]);
        let r = deploy(&conn, &new_broken, &[]).await;
        assert!(
            matches!(&r["engine-fresh"], StackResult::Failed { status, .. } if status == "ROLLBACK_COMPLETE"),
            "{r:?}"
        );
        let fixed = output(vec![stack(&queues("engine-fresh", false), &[])]);
        let r = deploy(&conn, &fixed, &[]).await;
        assert_eq!(r["engine-fresh"], StackResult::Deployed, "{r:?}");
        let d = conn.cloudformation.describe("engine-fresh").await.unwrap().unwrap();
        assert_eq!(d.status, "CREATE_COMPLETE");

        // Renaming the bucket replaces it: refused, until allowed by name.
        let renamed = output(vec![stack(&storage("sdlf-engine-test-artifacts-2"), &[])]);
        let r = deploy(&conn, &renamed, &[]).await;
        let StackResult::Refused(refused) = &r["engine-storage"] else { panic!("{r:?}") };
        assert_eq!(refused.at_risk[0].logical_id, "Artifacts");
        let r = deploy(&conn, &renamed, &["Artifacts"]).await;
        assert_eq!(r["engine-storage"], StackResult::Deployed, "{r:?}");
    });
}

#[test]
fn a_queue_rename_is_refused_while_the_queue_holds_a_message_and_deploys_once_it_is_empty() {
    let emulator = Emulator::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let conn = connect(&emulator).await;
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .endpoint_url(&emulator.url)
                .region(aws_sdk_sqs::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "test"))
                .build(),
        );
        let r = deploy(&conn, &output(vec![stack(&messages("sdlf-engine-test-messages"), &[])]), &[]).await;
        assert_eq!(r["engine-messages"], StackResult::Deployed, "{r:?}");
        let url = sqs.get_queue_url().queue_name("sdlf-engine-test-messages").send().await.unwrap();
        let url = url.queue_url().unwrap().to_owned();
        sqs.send_message().queue_url(&url).message_body("keep me").send().await.unwrap();

        // Renaming the queue replaces it: refused while it holds the message, naming the count.
        let renamed = output(vec![stack(&messages("sdlf-engine-test-messages-2"), &[])]);
        let r = deploy(&conn, &renamed, &[]).await;
        let StackResult::Refused(refused) = &r["engine-messages"] else { panic!("{r:?}") };
        assert_eq!(refused.at_risk.len(), 1, "{refused}");
        assert_eq!(refused.at_risk[0].logical_id, "Messages");
        assert_eq!(refused.at_risk[0].reason(), "messages (1 waiting)", "{refused}");
        assert!(sqs.get_queue_url().queue_name("sdlf-engine-test-messages").send().await.is_ok(), "still there");

        // Once the message is received and deleted, the queue is empty and the rename deploys.
        let received = sqs.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap();
        for m in received.messages() {
            sqs.delete_message().queue_url(&url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
        }
        assert_eq!(received.messages().len(), 1);
        let r = deploy(&conn, &renamed, &[]).await;
        assert_eq!(r["engine-messages"], StackResult::Deployed, "{r:?}");
        assert!(sqs.get_queue_url().queue_name("sdlf-engine-test-messages-2").send().await.is_ok(), "the new queue");
    });
}

/// A queue with the given visibility timeout.
fn visibility(seconds: i64) -> Template {
    let mut t = Template::new("engine-change");
    t.add(
        "Work",
        sqs::Queue {
            queue_name: Some("engine-change-work".into()),
            visibility_timeout: Some(seconds.into()),
            ..sqs::Queue::default()
        },
    );
    t
}

#[test]
fn a_changed_definition_diffs_as_exactly_that_change_and_the_deploy_applies_it() {
    use sdlf_deploy::engine::diff::{Method, diff_stacks};
    use sdlf_diff::{Impact, ResourceChangeKind};

    let emulator = Emulator::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let conn = connect(&emulator).await;
        let r = deploy(&conn, &output(vec![stack(&visibility(30), &[])]), &[]).await;
        assert_eq!(r["engine-change"], StackResult::Deployed, "{r:?}");

        let changed = output(vec![stack(&visibility(60), &[])]);
        let deployed: BTreeMap<_, _> = conn
            .cloudformation
            .describe("engine-change")
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.name.clone(), d))
            .collect();
        for method in [Method::Template, Method::ChangeSet] {
            let diffs = diff_stacks::<_, sdlf_aws::S3>(
                &conn.cloudformation,
                None,
                &[&changed.stacks[0]],
                &deployed,
                method,
                &BTreeMap::new(),
            )
            .await
            .unwrap();
            let resources = &diffs[0].resources;
            assert_eq!(resources.len(), 1, "{method:?}: {resources:#?}");
            let work = &resources[0];
            assert_eq!((work.logical_id.as_str(), work.kind), ("Work", ResourceChangeKind::Modified), "{method:?}");
            assert_eq!(work.impact, Impact::Update, "{method:?}: no replacement");
            assert_eq!(work.changes.len(), 1, "{method:?}: {:#?}", work.changes);
            assert_eq!(work.changes[0].path.to_string(), "Properties.VisibilityTimeout", "{method:?}");
        }

        let r = deploy(&conn, &changed, &[]).await;
        assert_eq!(r["engine-change"], StackResult::Deployed, "{r:?}");
        let url = emulator.call("sqs", "get_queue_url", serde_json::json!({"QueueName": "engine-change-work"}));
        let attributes = emulator.call(
            "sqs",
            "get_queue_attributes",
            serde_json::json!({"QueueUrl": url["QueueUrl"], "AttributeNames": ["VisibilityTimeout"]}),
        );
        assert_eq!(attributes["Attributes"]["VisibilityTimeout"], "60");
        let r = deploy(&conn, &changed, &[]).await;
        assert_eq!(r["engine-change"], StackResult::NoChanges, "{r:?}");
    });
}

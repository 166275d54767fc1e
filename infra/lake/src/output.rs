//! One environment's synthesized output: each stack's template body in deploy order, and the
//! manifest that describes them (order, dependencies, parameters, tags, assets, what was left
//! out for the local emulator). Pure: the command line writes it to disk.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::assets::{Asset, Fingerprints};
use crate::definition::Lake;
use crate::names::{self, Layer, Names};
use crate::stack::{LeftOut, Stack};
use crate::stacks::{self, SynthError};

/// Manifest format version; bump on incompatible changes.
pub const MANIFEST_VERSION: u64 = 1;

/// A stack ready to deploy.
#[derive(Debug, Clone)]
pub struct StackOutput {
    pub name: String,
    /// File name of the template inside the output directory.
    pub template_file: String,
    pub body: String,
    pub resources: usize,
    /// Over CloudFormation's 51,200-byte inline limit: the deploy uploads it to S3 first.
    pub needs_upload: bool,
    /// Stacks that must be deployed first (they publish what this one imports).
    pub depends_on: Vec<String>,
    /// Template parameter → SSM parameter it reads.
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub assets: Vec<Asset>,
    pub left_out: Vec<LeftOut>,
}

impl StackOutput {
    pub fn bytes(&self) -> usize {
        self.body.len()
    }
}

/// Every stack of one environment, in deploy order, and the manifest.
#[derive(Debug, Clone)]
pub struct EnvironmentOutput {
    pub environment: String,
    pub stacks: Vec<StackOutput>,
    /// Bucket that receives the assets (the foundations' artifacts bucket).
    pub assets_bucket: String,
}

impl EnvironmentOutput {
    /// The assets of all stacks, each once, with the stacks that use it.
    pub fn assets(&self) -> Vec<(&Asset, Vec<&str>)> {
        let mut out: Vec<(&Asset, Vec<&str>)> = Vec::new();
        for s in &self.stacks {
            for a in &s.assets {
                match out.iter_mut().find(|(seen, _)| *seen == a) {
                    Some((_, users)) => users.push(&s.name),
                    None => out.push((a, vec![&s.name])),
                }
            }
        }
        out.sort_by(|(a, _), (b, _)| a.source.cmp(&b.source));
        out
    }

    /// Everything left out for the local emulator, as (stack, resource).
    pub fn left_out(&self) -> impl Iterator<Item = (&str, &LeftOut)> {
        self.stacks.iter().flat_map(|s| s.left_out.iter().map(move |l| (s.name.as_str(), l)))
    }

    /// The manifest as JSON (stable key order, no timestamps).
    pub fn manifest(&self, lake: &Lake) -> Value {
        let env = lake.environment(&self.environment).expect("output of one of the lake's environments");
        let stacks: Vec<Value> = self
            .stacks
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "template": s.template_file,
                    "dependsOn": s.depends_on,
                    "parameters": s.parameters,
                    "tags": s.tags,
                    "resources": s.resources,
                    "bytes": s.bytes(),
                    "needsUpload": s.needs_upload,
                    "assets": s.assets.iter().map(|a| a.s3_key()).collect::<Vec<_>>(),
                    "leftOut": s.left_out.iter().map(|l| json!({"logicalId": l.logical_id, "type": l.type_name})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let assets: Vec<Value> = self
            .assets()
            .into_iter()
            .map(|(a, users)| {
                json!({
                    "kind": a.source.kind(),
                    "source": a.source.name(),
                    "sha256": a.fingerprint.sha256,
                    "placeholder": a.fingerprint.placeholder,
                    "bucket": self.assets_bucket,
                    "key": a.s3_key(),
                    "usedBy": users,
                })
            })
            .collect();
        json!({
            "version": MANIFEST_VERSION,
            "org": lake.org,
            "domain": lake.domain,
            "environment": {
                "name": env.name,
                "account": env.account(),
                "region": env.region(),
                "local": env.is_local(),
            },
            "stacks": stacks,
            "assets": assets,
        })
    }
}

/// Synthesizes every stack of environment `env_name`: builds them, renders and validates each
/// template, and orders them for deployment.
pub fn synth_environment(
    lake: &Lake,
    env_name: &str,
    fingerprints: &dyn Fingerprints,
) -> Result<EnvironmentOutput, SynthError> {
    let assembly = stacks::synthesize(lake, env_name, fingerprints)?;
    let env = names::environment(lake, env_name).map_err(|e| SynthError::Definition(vec![e]))?;
    let deps = assembly.dependencies()?;
    let order = assembly.order()?;
    // Rendering and validating one template does not depend on any other: all cores.
    let rendered = crate::parallel::map(&order, |stack| sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry));
    let mut out = Vec::with_capacity(order.len());
    let mut errors = Vec::new();
    for (stack, result) in order.iter().zip(rendered) {
        match result {
            Ok(synthesized) => out.push(stack_output(stack, synthesized, &deps)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(SynthError::Template(errors));
    }
    Ok(EnvironmentOutput {
        environment: env_name.to_owned(),
        stacks: out,
        assets_bucket: Names::new(lake, env).bucket(Layer::Artifacts),
    })
}

fn stack_output(
    stack: &Stack,
    synthesized: sdlf_cfn::Synthesized,
    deps: &BTreeMap<&str, std::collections::BTreeSet<&str>>,
) -> StackOutput {
    let parameters = stack
        .template
        .parameters
        .iter()
        .filter_map(|(name, p)| p.default.as_ref().and_then(|d| d.as_str()).map(|d| (name.clone(), d.to_owned())))
        .collect();
    StackOutput {
        name: stack.name().to_owned(),
        template_file: format!("{}.template.json", stack.name()),
        needs_upload: synthesized.needs_upload(),
        resources: synthesized.resource_count,
        body: synthesized.body,
        depends_on: deps[stack.name()].iter().map(|d| (*d).to_owned()).collect(),
        parameters,
        tags: stack.tags.clone(),
        assets: stack.assets().to_vec(),
        left_out: stack.left_out().to_vec(),
    }
}

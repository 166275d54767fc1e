//! One environment's synthesized output: each stack's template body in deploy order, and the
//! manifest that describes them (order, dependencies, parameters, tags, assets, what was left
//! out for the local emulator). Pure: the command line writes it to disk.

use std::collections::BTreeMap;

use sdlf_cfn::Expr;
use serde_json::{Value, json};

use crate::assets::{Asset, Fingerprints};
use crate::definition::Lake;
use crate::names::{self, Layer, Names};
use crate::stack::{self, LeftOut, Linked, Published, Stack};
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
    // Each template is rendered on the thread that built it, right after its audit, and
    // dropped there: only what the output needs is kept.
    let built = stacks::build_each(lake, env_name, fingerprints, RenderedStack::new)?;
    let env = names::environment(lake, env_name).map_err(|e| SynthError::Definition(vec![e]))?;
    // The same checks, in the same order, as `stacks::synthesize`, then the templates'.
    let deps = stack::dependencies(&built.stacks)?;
    let order = stack::order(&built.stacks, &deps)?;
    if !built.violations.is_empty() {
        return Err(SynthError::Baseline(built.violations));
    }
    let errors: Vec<String> =
        order.iter().filter_map(|&i| built.stacks[i].synthesized.as_ref().err()).map(ToString::to_string).collect();
    if !errors.is_empty() {
        return Err(SynthError::Template(errors));
    }
    // Built stacks are in definition order; each moves to its place in deploy order.
    let depends_on: Vec<Vec<String>> =
        order.iter().map(|&i| deps[built.stacks[i].name()].iter().map(|d| (*d).to_owned()).collect()).collect();
    let mut built: Vec<Option<RenderedStack>> = built.stacks.into_iter().map(Some).collect();
    let stacks = order
        .into_iter()
        .zip(depends_on)
        .map(|(i, depends_on)| built[i].take().expect("each stack once").into_output(depends_on))
        .collect();
    Ok(EnvironmentOutput {
        environment: env_name.to_owned(),
        stacks,
        assets_bucket: Names::new(lake, env).bucket(Layer::Artifacts),
    })
}

/// One stack rendered and its template checked on its own: for stacks that are not part of an
/// environment's lake (the CI/CD stacks), which the caller audits itself.
pub fn stack_output(stack: Stack, depends_on: Vec<String>) -> Result<StackOutput, SynthError> {
    let rendered = RenderedStack::new(stack);
    if let Err(errors) = &rendered.synthesized {
        return Err(SynthError::Template(vec![errors.to_string()]));
    }
    Ok(rendered.into_output(depends_on))
}

/// A stack once audited and rendered: what the output keeps of it, without the template.
struct RenderedStack {
    name: String,
    published: Vec<Published>,
    imports: Vec<Published>,
    tags: BTreeMap<String, String>,
    assets: Vec<Asset>,
    left_out: Vec<LeftOut>,
    /// Template parameter → SSM parameter it reads.
    parameters: BTreeMap<String, String>,
    synthesized: Result<sdlf_cfn::Synthesized, sdlf_cfn::SynthErrors>,
}

impl RenderedStack {
    fn new(stack: Stack) -> RenderedStack {
        let synthesized = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry);
        let Stack { template, tags, local: _, published, imports, left_out, assets } = stack;
        let parameters = template
            .parameters
            .into_iter()
            .filter_map(|(name, p)| match p.default {
                Some(Expr::String(d)) => Some((name, d)),
                _ => None,
            })
            .collect();
        RenderedStack { name: template.name, published, imports, tags, assets, left_out, parameters, synthesized }
    }

    fn into_output(self, depends_on: Vec<String>) -> StackOutput {
        let synthesized = self.synthesized.expect("checked: no template errors");
        StackOutput {
            template_file: format!("{}.template.json", self.name),
            name: self.name,
            needs_upload: synthesized.needs_upload(),
            resources: synthesized.resource_count,
            body: synthesized.body,
            depends_on,
            parameters: self.parameters,
            tags: self.tags,
            assets: self.assets,
            left_out: self.left_out,
        }
    }
}

impl Linked for RenderedStack {
    fn name(&self) -> &str {
        &self.name
    }

    fn published(&self) -> &[Published] {
        &self.published
    }

    fn imports(&self) -> &[Published] {
        &self.imports
    }
}

//! Stacks and the typed SSM contract between them.
//!
//! A producer stack [`Stack::publish`]es a value as an SSM parameter (the original
//! framework's `/sdlf/...` contract, so other tools can read it) and gets a [`Published`]
//! handle — the only way to name a parameter. A consumer [`Stack::import`]s the handle: its
//! template gets a parameter of type `AWS::SSM::Parameter::Value<String>` resolved at deploy
//! time, and the assembly records the edge. The deploy order is computed from these edges
//! ([`Assembly::order`]), never kept by hand, and an import of a parameter that no stack in
//! the assembly publishes is refused.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use sdlf_cfn::{Expr, Handle, Parameter, ResourceOptions, ResourceType, Template};
use sdlf_cfn_types::ssm;

use crate::assets::Asset;

/// A value a stack publishes through SSM. Only [`Stack::publish`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    producer: String,
    ssm_name: String,
}

impl Published {
    pub fn producer(&self) -> &str {
        &self.producer
    }

    pub fn ssm_name(&self) -> &str {
        &self.ssm_name
    }
}

/// A resource the stack would have, left out because the target cannot take its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub logical_id: String,
    pub type_name: String,
}

/// Resource types the local emulator rejects (a whole template containing one is refused).
pub const UNSUPPORTED_LOCALLY: [&str; 9] = [
    "AWS::LakeFormation::DataLakeSettings",
    "AWS::LakeFormation::Resource",
    "AWS::LakeFormation::Permissions",
    "AWS::Glue::DataQualityRuleset",
    "AWS::Glue::SecurityConfiguration",
    "AWS::CodeCommit::Repository",
    "AWS::CodePipeline::Pipeline",
    "AWS::CodeConnections::Connection",
    "AWS::CloudTrail::Trail",
];

/// One CloudFormation stack of the lake.
#[derive(Debug, Clone)]
pub struct Stack {
    pub template: Template,
    pub tags: BTreeMap<String, String>,
    /// Whether resource types the local emulator rejects are left out.
    pub(crate) local: bool,
    pub(crate) published: Vec<Published>,
    pub(crate) imports: Vec<Published>,
    pub(crate) left_out: Vec<LeftOut>,
    pub(crate) assets: Vec<Asset>,
}

impl Stack {
    pub fn new(name: impl Into<String>, description: &str, local: bool) -> Stack {
        Stack {
            template: Template::new(name).with_description(description),
            tags: BTreeMap::new(),
            local,
            published: Vec::new(),
            imports: Vec::new(),
            left_out: Vec::new(),
            assets: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.template.name
    }

    pub fn published(&self) -> &[Published] {
        &self.published
    }

    pub fn imports(&self) -> &[Published] {
        &self.imports
    }

    pub fn left_out(&self) -> &[LeftOut] {
        &self.left_out
    }

    /// The assets the stack's resources reference, each once, in first-use order.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// Records an asset the stack references (the deploy uploads it before the stack).
    pub fn use_asset(&mut self, asset: Asset) {
        if !self.assets.contains(&asset) {
            self.assets.push(asset);
        }
    }

    /// Publishes `value` as the SSM String parameter `ssm_name` (a resource `logical_id`).
    pub fn publish(&mut self, logical_id: &str, ssm_name: String, value: Expr, description: &str) -> Published {
        self.template.add(
            logical_id,
            ssm::Parameter {
                name: Some(ssm_name.clone().into()),
                description: Some(description.into()),
                ..ssm::Parameter::new(ssm::parameter::Type::String, value)
            },
        );
        let p = Published { producer: self.name().to_owned(), ssm_name };
        self.published.push(p.clone());
        p
    }

    /// Reads a published value; returns the template parameter holding it at deploy time.
    pub fn import(&mut self, published: &Published) -> Expr {
        let parameter = import_parameter_name(&published.ssm_name);
        if !self.template.parameters.contains_key(&parameter) {
            self.template.add_parameter(
                parameter.clone(),
                Parameter::ssm_string()
                    .default(published.ssm_name.clone())
                    .description(format!("Published by stack {}", published.producer)),
            );
            self.imports.push(published.clone());
        }
        Expr::reference(parameter)
    }

    /// Adds a resource, unless this stack targets the local emulator and it rejects the type;
    /// then the resource is recorded as left out and `None` returned.
    pub fn add_where_supported<R: ResourceType>(
        &mut self,
        logical_id: &str,
        properties: R,
        options: ResourceOptions,
    ) -> Option<Handle<R>> {
        if self.local && UNSUPPORTED_LOCALLY.contains(&R::TYPE_NAME) {
            self.left_out.push(LeftOut { logical_id: logical_id.to_owned(), type_name: R::TYPE_NAME.to_owned() });
            None
        } else {
            Some(self.template.add_with(logical_id, properties, options))
        }
    }
}

/// `/sdlf/dev/storage/RawBucket` → `SsmSdlfDevStorageRawBucket`: alphanumeric, stable.
fn import_parameter_name(ssm_name: &str) -> String {
    let mut out = String::with_capacity(3 + ssm_name.len());
    out.push_str("Ssm");
    // Each part is ASCII letters and digits: its first byte is a whole character.
    for part in ssm_name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        out.push(char::from(part.as_bytes()[0].to_ascii_uppercase()));
        out.push_str(&part[1..]);
    }
    out
}

/// Why a set of stacks cannot be deployed together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssemblyError {
    #[error(
        "stack `{consumer}` reads SSM parameter `{ssm_name}` from stack `{producer}`, which is not part of this \
         assembly; deploy or select `{producer}` too"
    )]
    MissingProducer { consumer: String, producer: String, ssm_name: String },
    #[error("stacks depend on each other in a cycle: {}; move the shared value to one of them", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error("stack name `{0}` is used twice")]
    DuplicateStack(String),
}

/// The stacks of one environment.
#[derive(Debug, Clone, Default)]
pub struct Assembly {
    pub stacks: Vec<Stack>,
}

impl Assembly {
    /// For each stack, the stacks it reads from (its dependencies), checked.
    pub fn dependencies(&self) -> Result<BTreeMap<&str, BTreeSet<&str>>, AssemblyError> {
        dependencies(&self.stacks)
    }

    /// Stacks in deployment order: every stack after the stacks it reads from; ties keep the
    /// definition's order, so the order is stable.
    pub fn order(&self) -> Result<Vec<&Stack>, AssemblyError> {
        Ok(order(&self.stacks, &self.dependencies()?)?.into_iter().map(|i| &self.stacks[i]).collect())
    }
}

/// A stack as deploy ordering sees it: its name, what it publishes and what it imports. The
/// environment's output orders stacks whose templates are already rendered and dropped.
pub(crate) trait Linked {
    fn name(&self) -> &str;
    fn published(&self) -> &[Published];
    fn imports(&self) -> &[Published];
}

impl Linked for Stack {
    fn name(&self) -> &str {
        Stack::name(self)
    }

    fn published(&self) -> &[Published] {
        &self.published
    }

    fn imports(&self) -> &[Published] {
        &self.imports
    }
}

/// [`Assembly::dependencies`] of any stacks.
pub(crate) fn dependencies<S: Linked>(stacks: &[S]) -> Result<BTreeMap<&str, BTreeSet<&str>>, AssemblyError> {
    // Hashed rather than ordered: a large lake's thousands of SSM names share long prefixes,
    // which made every comparison in an ordered map long.
    let mut publishers: HashMap<&str, &str> = HashMap::with_capacity(stacks.len() * 4);
    let mut names = HashSet::with_capacity(stacks.len());
    for s in stacks {
        if !names.insert(s.name()) {
            return Err(AssemblyError::DuplicateStack(s.name().to_owned()));
        }
        for p in s.published() {
            publishers.insert(&p.ssm_name, s.name());
        }
    }
    let mut deps = BTreeMap::new();
    for s in stacks {
        let mut mine = BTreeSet::new();
        for import in s.imports() {
            match publishers.get(import.ssm_name.as_str()) {
                Some(producer) => {
                    mine.insert(*producer);
                }
                None => {
                    return Err(AssemblyError::MissingProducer {
                        consumer: s.name().to_owned(),
                        producer: import.producer.clone(),
                        ssm_name: import.ssm_name.clone(),
                    });
                }
            }
        }
        deps.insert(s.name(), mine);
    }
    Ok(deps)
}

/// [`Assembly::order`] of any stacks, given their [`dependencies`]: their indices in deploy
/// order.
pub(crate) fn order<S: Linked>(
    stacks: &[S],
    deps: &BTreeMap<&str, BTreeSet<&str>>,
) -> Result<Vec<usize>, AssemblyError> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::with_capacity(stacks.len());
    while order.len() < stacks.len() {
        let ready: Vec<usize> = (0..stacks.len())
            .filter(|&i| {
                let name = stacks[i].name();
                !done.contains(name) && deps[name].iter().all(|d| done.contains(d))
            })
            .collect();
        if ready.is_empty() {
            return Err(AssemblyError::Cycle(cycle(stacks, deps, &done)));
        }
        for i in ready {
            done.insert(stacks[i].name());
            order.push(i);
        }
    }
    Ok(order)
}

/// One cycle among the stacks not yet ordered, for the error message.
fn cycle<S: Linked>(stacks: &[S], deps: &BTreeMap<&str, BTreeSet<&str>>, done: &BTreeSet<&str>) -> Vec<String> {
    let start = stacks.iter().map(S::name).find(|n| !done.contains(n)).expect("a stack is left");
    let mut path = vec![start];
    loop {
        let last = *path.last().expect("non-empty");
        let next = deps[last].iter().copied().find(|d| !done.contains(d)).expect("a waiting stack waits on another");
        if let Some(pos) = path.iter().position(|p| *p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| (*s).to_owned()).collect();
            cycle.push(next.to_owned());
            return cycle;
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str) -> Stack {
        Stack::new(name, "test", false)
    }

    #[test]
    fn import_parameter_names_are_alphanumeric_and_stable() {
        assert_eq!(import_parameter_name("/sdlf/dev/storage/RawBucket"), "SsmSdlfDevStorageRawBucket");
        assert_eq!(import_parameter_name("/sdlf/dev/team/engineering/KeyArn"), "SsmSdlfDevTeamEngineeringKeyArn");
    }

    #[test]
    fn order_follows_imports_and_keeps_definition_order_for_ties() {
        let mut foundations = stack("foundations");
        let bucket = foundations.publish("RawBucketParam", "/sdlf/dev/storage/RawBucket".into(), "b".into(), "raw");
        let mut team_b = stack("team-b");
        let mut team_a = stack("team-a");
        let key = team_a.publish("KeyParam", "/sdlf/dev/team/a/Key".into(), "k".into(), "key");
        let mut pipeline = stack("pipeline-a");
        assert_eq!(pipeline.import(&key), Expr::reference("SsmSdlfDevTeamAKey"));
        pipeline.import(&bucket);
        pipeline.import(&bucket); // a second read of the same value adds nothing
        team_b.import(&bucket);
        team_a.import(&bucket);
        assert_eq!(pipeline.imports().len(), 2);
        assert_eq!(pipeline.template.parameters.len(), 2);

        let a = Assembly { stacks: vec![pipeline, team_b, team_a, foundations] };
        let order: Vec<&str> = a.order().unwrap().into_iter().map(Stack::name).collect();
        assert_eq!(order, ["foundations", "team-b", "team-a", "pipeline-a"]);
        let deps = a.dependencies().unwrap();
        assert_eq!(deps["pipeline-a"], BTreeSet::from(["foundations", "team-a"]));
    }

    #[test]
    fn an_import_whose_producer_is_absent_is_refused() {
        let mut foundations = stack("foundations");
        let bucket = foundations.publish("P", "/sdlf/dev/storage/RawBucket".into(), "b".into(), "raw");
        let mut team = stack("team");
        team.import(&bucket);
        let e = Assembly { stacks: vec![team] }.order().unwrap_err();
        assert_eq!(
            e.to_string(),
            "stack `team` reads SSM parameter `/sdlf/dev/storage/RawBucket` from stack `foundations`, which is not \
             part of this assembly; deploy or select `foundations` too"
        );
    }

    #[test]
    fn cycles_are_named() {
        let mut a = stack("a");
        let mut b = stack("b");
        let pa = a.publish("P", "/x/a".into(), "1".into(), "a");
        let pb = b.publish("P", "/x/b".into(), "1".into(), "b");
        a.import(&pb);
        b.import(&pa);
        let e = Assembly { stacks: vec![a, b] }.order().unwrap_err();
        assert_eq!(e, AssemblyError::Cycle(vec!["a".into(), "b".into(), "a".into()]));
    }

    #[test]
    fn unsupported_types_are_left_out_locally_and_listed() {
        use sdlf_cfn_types::lakeformation;
        let mut local = Stack::new("local", "t", true);
        let settings = lakeformation::DataLakeSettings::default();
        assert!(local.add_where_supported("Settings", settings.clone(), ResourceOptions::new()).is_none());
        assert_eq!(
            local.left_out(),
            [LeftOut { logical_id: "Settings".into(), type_name: "AWS::LakeFormation::DataLakeSettings".into() }]
        );
        assert!(local.template.resources.is_empty());
        let mut aws = Stack::new("aws", "t", false);
        assert!(aws.add_where_supported("Settings", settings, ResourceOptions::new()).is_some());
        assert!(aws.left_out().is_empty());
    }
}

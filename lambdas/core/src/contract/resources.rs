//! The names of the resources the stacks create and the command line finds again: the
//! suffix of `sdlf-{env}-{suffix}` (the lake's), `sdlf-{team}-{pipeline}-{suffix}` (a
//! pipeline's) and `sdlf-{team}-{dataset}-{suffix}` (a dataset's).

use crate::contract::env::Stage;

/// Resources of the whole lake (one per environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LakeResource {
    /// The KMS key's alias.
    Key,
    CatalogTable,
    CatalogQueue,
    CatalogFunction,
    RoutingQueue,
    RoutingFunction,
    ConfigFunction,
    DatasetConfigTable,
    PipelineConfigTable,
    ExecutionHistoryTable,
    /// The deploy role.
    DeployRole,
}

impl LakeResource {
    pub const fn suffix(self) -> &'static str {
        match self {
            LakeResource::Key => "lake",
            // The table and the function that keeps it share the name (different services).
            LakeResource::CatalogTable | LakeResource::CatalogFunction => "catalog",
            LakeResource::CatalogQueue => "catalog-queue",
            LakeResource::RoutingQueue => "routing-queue",
            LakeResource::RoutingFunction => "routing",
            LakeResource::ConfigFunction => "config",
            LakeResource::DatasetConfigTable => "dataset-config",
            LakeResource::PipelineConfigTable => "pipeline-config",
            LakeResource::ExecutionHistoryTable => "execution-history",
            LakeResource::DeployRole => "deploy",
        }
    }
}

/// Resources of a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineResource {
    QueueA,
    DeadLetterA,
    TransformA,
    ErrorA,
    RedriveA,
    RoutingA,
    MachineA,
    DeadLetterB,
    HeavyB,
    PublishB,
    PostupdateB,
    ErrorB,
    MachineB,
    RedriveB,
    RoutingB,
}

impl PipelineResource {
    pub const fn suffix(self) -> &'static str {
        match self {
            PipelineResource::QueueA => "queue-a",
            PipelineResource::DeadLetterA => "queue-a-dlq",
            PipelineResource::TransformA => "transform-a",
            PipelineResource::ErrorA => "error-a",
            PipelineResource::RedriveA => "redrive-a",
            PipelineResource::RoutingA => "routing-a",
            PipelineResource::MachineA => "sm-a",
            PipelineResource::DeadLetterB => "dlq-b",
            PipelineResource::HeavyB => "heavy-b",
            PipelineResource::PublishB => "publish-b",
            PipelineResource::PostupdateB => "postupdate-b",
            PipelineResource::ErrorB => "error-b",
            PipelineResource::MachineB => "sm-b",
            PipelineResource::RedriveB => "redrive-b",
            PipelineResource::RoutingB => "routing-b",
        }
    }

    /// The function that takes `stage`'s dead letters back into the pipeline.
    pub const fn redrive(stage: Stage) -> PipelineResource {
        match stage {
            Stage::A => PipelineResource::RedriveA,
            Stage::B => PipelineResource::RedriveB,
        }
    }

    /// `stage`'s state machine.
    pub const fn machine(stage: Stage) -> PipelineResource {
        match stage {
            Stage::A => PipelineResource::MachineA,
            Stage::B => PipelineResource::MachineB,
        }
    }

    /// The pipeline's Lambda functions.
    pub const FUNCTIONS: [PipelineResource; 10] = [
        PipelineResource::TransformA,
        PipelineResource::ErrorA,
        PipelineResource::RedriveA,
        PipelineResource::RoutingA,
        PipelineResource::HeavyB,
        PipelineResource::PublishB,
        PipelineResource::PostupdateB,
        PipelineResource::ErrorB,
        PipelineResource::RedriveB,
        PipelineResource::RoutingB,
    ];

    /// The pipeline's SQS queues.
    pub const QUEUES: [PipelineResource; 3] =
        [PipelineResource::QueueA, PipelineResource::DeadLetterA, PipelineResource::DeadLetterB];

    /// The pipeline's state machines.
    pub const MACHINES: [PipelineResource; 2] = [PipelineResource::MachineA, PipelineResource::MachineB];
}

/// Resources of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetResource {
    QueueB,
    DeadLetterB,
    ScheduleB,
    GlueJob,
    Crawler,
    QualityRuleset,
}

impl DatasetResource {
    pub const fn suffix(self) -> &'static str {
        match self {
            DatasetResource::QueueB => "queue-b",
            DatasetResource::DeadLetterB => "queue-b-dlq",
            DatasetResource::ScheduleB => "schedule-b",
            DatasetResource::GlueJob => "glue-job",
            DatasetResource::Crawler => "crawler",
            DatasetResource::QualityRuleset => "quality-ruleset",
        }
    }

    /// The dataset's SQS queues.
    pub const QUEUES: [DatasetResource; 2] = [DatasetResource::QueueB, DatasetResource::DeadLetterB];

    /// The dataset's Glue resources (job, crawler, data-quality ruleset), which share Glue's
    /// name limit.
    pub const GLUE: [DatasetResource; 3] =
        [DatasetResource::GlueJob, DatasetResource::Crawler, DatasetResource::QualityRuleset];
}

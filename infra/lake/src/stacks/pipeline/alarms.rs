//! Alarms to the team's topic: dead letters waiting, function errors, failed executions.

use sdlf_cfn::Expr;
use sdlf_cfn_types::cloudwatch::{Alarm, alarm};
use sdlf_cfn_types::sqs;
use sdlf_lambda_core::contract::resources::PipelineResource::{DeadLetterA, DeadLetterB, MachineA, MachineB};

use super::Builder;
use super::stage_a::StageA;
use super::stage_b::StageB;
use crate::stack::Stack;
use crate::stacks::BuildError;

/// Every alarm looks at one 5-minute period.
const PERIOD_SECONDS: i64 = 300;

struct Spec<'s> {
    id: String,
    /// Suffix of the alarm's name.
    what: String,
    description: String,
    namespace: &'s str,
    metric: &'s str,
    statistic: alarm::Statistic,
    dimension: (&'s str, Expr),
}

pub(super) fn build(b: &Builder, stack: &mut Stack, a: &StageA, stage_b: &StageB) -> Result<(), BuildError> {
    let (team, pipeline) = (&b.team.name, &b.pipeline.name);
    let mut specs = Vec::new();
    let dead_letters: [(&str, &str, &sdlf_cfn::Handle<sqs::Queue>); 2] =
        [("StageA", DeadLetterA.suffix(), &a.dead_letter), ("StageB", DeadLetterB.suffix(), &stage_b.dead_letter)];
    for (id, what, queue) in dead_letters {
        specs.push(Spec {
            id: format!("{id}DeadLettersAlarm"),
            what: format!("{what}-not-empty"),
            description: format!("Pipeline {team}/{pipeline}: messages are waiting in dead-letter queue {what}"),
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            statistic: alarm::Statistic::Maximum,
            dimension: ("QueueName", queue.get_att(sqs::QueueAttr::QueueName)),
        });
    }
    for f in &b.functions {
        specs.push(Spec {
            id: format!("{}ErrorsAlarm", f.handle.logical_id().trim_end_matches("Function")),
            what: format!("{}-errors", f.what),
            description: format!("Pipeline {team}/{pipeline}: function {} failed", f.what),
            namespace: "AWS/Lambda",
            metric: "Errors",
            statistic: alarm::Statistic::Sum,
            dimension: ("FunctionName", f.handle.reference()),
        });
    }
    for (id, what, machine) in
        [("StageA", MachineA.suffix(), &a.machine), ("StageB", MachineB.suffix(), &stage_b.machine)]
    {
        specs.push(Spec {
            id: format!("{id}ExecutionsFailedAlarm"),
            what: format!("{what}-failed"),
            description: format!("Pipeline {team}/{pipeline}: executions of state machine {what} failed"),
            namespace: "AWS/States",
            metric: "ExecutionsFailed",
            statistic: alarm::Statistic::Sum,
            // `Ref` of a state machine is its ARN.
            dimension: ("StateMachineArn", machine.reference()),
        });
    }
    for s in specs {
        let name = b.ctx.names.pipeline_resource(team, pipeline, &s.what);
        stack.template.add(
            s.id,
            Alarm {
                alarm_name: Some(name.into()),
                alarm_description: Some(s.description.into()),
                namespace: Some(s.namespace.into()),
                metric_name: Some(s.metric.into()),
                dimensions: Some(vec![alarm::Dimension::new(s.dimension.0, s.dimension.1)]),
                statistic: Some(s.statistic.into()),
                period: Some(PERIOD_SECONDS.into()),
                evaluation_periods: Some(1_i64.into()),
                threshold: Some(0_i64.into()),
                comparison_operator: Some(alarm::ComparisonOperator::GreaterThanThreshold.into()),
                // No data means nothing happened: not an alarm.
                treat_missing_data: Some(alarm::TreatMissingData::NotBreaching.into()),
                alarm_actions: Some(vec![b.imports.topic.clone().into()]),
                ..Alarm::default()
            },
        );
    }
    Ok(())
}

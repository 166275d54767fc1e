//! A hand-written resource type standing in for generated ones, so the model's own tests
//! need no generated code.

#![allow(dead_code)]

use indexmap::IndexMap;
use sdlf_cfn::{Attribute, Expr, HasArn, HasName, IntoProps, PropsBuilder, ResourceSpec, ResourceType, Val};

#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub queue_name: Option<Val<String>>,
    pub visibility_timeout: Option<Val<i64>>,
    pub redrive_policy: Option<Expr>,
}

#[derive(Debug, Clone, Copy)]
pub enum QueueAttr {
    Arn,
    QueueName,
    QueueUrl,
}

impl Attribute for QueueAttr {
    fn name(self) -> &'static str {
        match self {
            QueueAttr::Arn => "Arn",
            QueueAttr::QueueName => "QueueName",
            QueueAttr::QueueUrl => "QueueUrl",
        }
    }
}

impl IntoProps for Queue {
    fn into_props(self) -> IndexMap<String, Expr> {
        let mut p = PropsBuilder::new();
        p.set_opt("QueueName", self.queue_name);
        p.set_opt("VisibilityTimeout", self.visibility_timeout);
        p.set_opt("RedrivePolicy", self.redrive_policy);
        p.build()
    }
}

impl ResourceType for Queue {
    const TYPE_NAME: &'static str = "AWS::SQS::Queue";
    type Attr = QueueAttr;
}

impl HasArn for Queue {
    const ARN: QueueAttr = QueueAttr::Arn;
}

impl HasName for Queue {
    fn name_of(logical_id: &str) -> Expr {
        Expr::get_att(logical_id, "QueueName")
    }
}

pub const SPECS: &[ResourceSpec] = &[
    ResourceSpec {
        type_name: "AWS::SQS::Queue",
        attributes: &["Arn", "QueueName", "QueueUrl"],
        primary_identifier: &["QueueUrl"],
        replace_always: &["/FifoQueue", "/QueueName"],
        replace_conditional: &[],
        holds_data: Some("messages"),
    },
    ResourceSpec {
        type_name: "AWS::SNS::Topic",
        attributes: &["TopicArn", "TopicName"],
        primary_identifier: &["TopicArn"],
        replace_always: &["/TopicName"],
        replace_conditional: &[],
        holds_data: None,
    },
];

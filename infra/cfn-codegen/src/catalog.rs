//! The resource types the generator covers, with the corrections the sources need.
//!
//! Adding a type is one line in [`TYPES`], then `infra/cfn-codegen/extract.sh` (to pull its
//! schema into `infra/cfn-types/schemas/`) and `cargo run -p sdlf-cfn-codegen`.

/// One resource type and its corrections.
pub struct TypeEntry {
    pub type_name: &'static str,
    pub patches: &'static [Patch],
}

/// A named correction where the sources are wrong or incomplete for our purposes. Patches
/// apply when generating, not when extracting, so `schemas/` stays a plain copy of the
/// sources and every correction is visible here.
pub enum Patch {
    /// Deleting the resource loses data: what that data is (`holds_data` of the spec). Every
    /// type the service spec marks stateful needs one, so the data-loss guard can say what
    /// is at stake; a type the spec does not mark stateful may get one too.
    HoldsData(&'static str),
    /// Replaces the schema node at `pointer` (a JSON pointer into the extracted schema) with
    /// `json`, keeping the node's description when `json` has none.
    Schema { pointer: &'static str, json: &'static str, why: &'static str },
    /// `Ref` returns the resource's name, though the primary identifier is not a `...Name`
    /// property: `HasName` then uses `Ref`.
    NameByRef { why: &'static str },
}

const fn t(type_name: &'static str) -> TypeEntry {
    TypeEntry { type_name, patches: &[] }
}

const fn p(type_name: &'static str, patches: &'static [Patch]) -> TypeEntry {
    TypeEntry { type_name, patches }
}

/// cfn-lint rewrites `KeySchema` to also accept a JSON string, which would leave only
/// `Expr`; every `KeySchema` of a table is a list of key elements.
const KEY_SCHEMA_LIST: &str = r##"{"type": "array", "items": {"$ref": "#/definitions/KeySchema"}}"##;
const KEY_SCHEMA_WHY: &str = "cfn-lint's KeySchema is a list-or-JSON union; it is a list of key elements";

/// cfn-lint widens Glue's JSON-typed properties to "object or string"; these are maps of
/// strings in the Glue API.
const STRING_MAP: &str = r#"{"type": "object", "additionalProperties": {"type": "string"}}"#;
const STRING_MAP_WHY: &str = "cfn-lint's object-or-string JSON; Glue takes a map of strings";

const fn string_map(pointer: &'static str) -> Patch {
    Patch::Schema { pointer, json: STRING_MAP, why: STRING_MAP_WHY }
}

/// The types, one line each (sorted by service, then resource, for reading only: the
/// generator sorts by type name itself).
pub const TYPES: &[TypeEntry] = &[
    t("AWS::Athena::WorkGroup"),
    t("AWS::CloudTrail::Trail"),
    t("AWS::CloudWatch::Alarm"),
    p(
        "AWS::CodeBuild::Project",
        &[Patch::NameByRef { why: "Ref returns the project name; the registry identifies projects by Id" }],
    ),
    // Not stateful in the service spec; deleting a repository deletes its history.
    p("AWS::CodeCommit::Repository", &[Patch::HoldsData("commits: the git history of the repository")]),
    t("AWS::CodeConnections::Connection"),
    t("AWS::CodePipeline::Pipeline"),
    p(
        "AWS::DynamoDB::Table",
        &[
            Patch::HoldsData("items"),
            Patch::Schema { pointer: "/properties/KeySchema", json: KEY_SCHEMA_LIST, why: KEY_SCHEMA_WHY },
            Patch::Schema {
                pointer: "/definitions/GlobalSecondaryIndex/properties/KeySchema",
                json: KEY_SCHEMA_LIST,
                why: KEY_SCHEMA_WHY,
            },
            Patch::Schema {
                pointer: "/definitions/LocalSecondaryIndex/properties/KeySchema",
                json: KEY_SCHEMA_LIST,
                why: KEY_SCHEMA_WHY,
            },
            Patch::Schema {
                pointer: "/definitions/KeySchema",
                json: r#"{
                    "type": "object",
                    "description": "One attribute of a primary key or an index key.",
                    "properties": {
                        "AttributeName": {"type": "string", "description": "The name of a key attribute."},
                        "KeyType": {"type": "string", "enum": ["HASH", "RANGE"], "description": "The role of the attribute: partition key (`HASH`) or sort key (`RANGE`)."}
                    },
                    "required": ["AttributeName", "KeyType"]
                }"#,
                why: "cfn-lint turns the key element into a list schema with the element inline",
            },
        ],
    ),
    t("AWS::EC2::VPCEndpoint"),
    t("AWS::Events::Rule"),
    p(
        "AWS::Glue::Database",
        // Not stateful in the service spec, but deleting a database drops its tables' metadata.
        &[
            Patch::HoldsData("table definitions of the Data Catalog"),
            string_map("/definitions/DatabaseInput/properties/Parameters"),
        ],
    ),
    t("AWS::Glue::Connection"),
    p("AWS::Glue::Crawler", &[string_map("/properties/Tags")]),
    p("AWS::Glue::DataQualityRuleset", &[string_map("/properties/Tags")]),
    p(
        "AWS::Glue::Job",
        &[
            string_map("/properties/DefaultArguments"),
            string_map("/properties/NonOverridableArguments"),
            string_map("/properties/Tags"),
        ],
    ),
    t("AWS::Glue::SecurityConfiguration"),
    t("AWS::IAM::ManagedPolicy"),
    t("AWS::IAM::Policy"),
    t("AWS::IAM::Role"),
    p("AWS::KMS::Key", &[Patch::HoldsData("encryption key: data encrypted with it becomes unreadable")]),
    t("AWS::KMS::Alias"),
    t("AWS::LakeFormation::DataLakeSettings"),
    t("AWS::LakeFormation::Permissions"),
    t("AWS::LakeFormation::Resource"),
    p(
        "AWS::Lambda::Function",
        &[Patch::Schema {
            pointer: "/definitions/Environment/properties/Variables",
            json: r#"{"type": "object", "patternProperties": {"[a-zA-Z][a-zA-Z0-9_]+": {"type": "string"}}}"#,
            why: "cfn-lint widens variable values to any JSON type; Lambda takes strings",
        }],
    ),
    t("AWS::Lambda::EventSourceMapping"),
    t("AWS::Lambda::LayerVersion"),
    t("AWS::Lambda::Permission"),
    p("AWS::Logs::LogGroup", &[Patch::HoldsData("log events")]),
    p("AWS::S3::Bucket", &[Patch::HoldsData("objects")]),
    t("AWS::S3::BucketPolicy"),
    t("AWS::SNS::Subscription"),
    t("AWS::SNS::Topic"),
    t("AWS::SNS::TopicPolicy"),
    p("AWS::SQS::Queue", &[Patch::HoldsData("messages")]),
    t("AWS::SQS::QueuePolicy"),
    t("AWS::SSM::Parameter"),
    t("AWS::Scheduler::Schedule"),
    t("AWS::Scheduler::ScheduleGroup"),
    t("AWS::StepFunctions::StateMachine"),
];

/// The extract file of a type: `AWS::S3::Bucket` → `aws-s3-bucket.json`.
pub fn schema_file_name(type_name: &str) -> String {
    format!("{}.json", type_name.to_ascii_lowercase().replace("::", "-"))
}

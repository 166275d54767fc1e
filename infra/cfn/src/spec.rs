//! Per-type metadata that synthesis, the diff engine and the data-loss guard read.
//!
//! The values come from the CloudFormation registry schemas through the generator
//! (crate `sdlf-cfn-types`); this crate only defines their shape, so it stays free of data.

/// What CloudFormation knows about one resource type, beyond its properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSpec {
    /// e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// Attributes `Fn::GetAtt` can read, e.g. `Arn`, `SnapStartResponse.ApplyOn`.
    pub attributes: &'static [&'static str],
    /// Properties forming the primary identifier (what `Ref` returns for registry types).
    pub primary_identifier: &'static [&'static str],
    /// Property paths (`/`-separated, under `Properties`) whose change always replaces the
    /// resource (the schema's `createOnlyProperties`).
    pub replace_always: &'static [&'static str],
    /// Property paths whose change may replace the resource, depending on the values.
    pub replace_conditional: &'static [&'static str],
    /// If the resource holds data that its deletion would lose: what that data is.
    pub holds_data: Option<&'static str>,
}

/// How a property change affects its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeImpact {
    /// Updated in place.
    Update,
    /// May replace, depending on the values.
    MayReplace,
    /// Always replaces the resource.
    Replace,
}

impl ResourceSpec {
    /// The impact of changing the property at `path` (segments under `Properties`, list
    /// indices included). A change inside a create-only property replaces, and so does a
    /// change to an object that contains one (adding or removing it changes the inner value).
    pub fn impact_of(&self, path: &[&str]) -> ChangeImpact {
        let covers = |spec_path: &&str| {
            let spec_segments = spec_path.split('/').filter(|s| !s.is_empty());
            let given = path.iter().filter(|s| s.parse::<usize>().is_err());
            // Equal on the shorter of the two: one path lies inside the other.
            spec_segments.zip(given).all(|(spec, seg)| spec == *seg)
        };
        if self.replace_always.iter().any(covers) {
            ChangeImpact::Replace
        } else if self.replace_conditional.iter().any(covers) {
            ChangeImpact::MayReplace
        } else {
            ChangeImpact::Update
        }
    }

    pub fn has_attribute(&self, attribute: &str) -> bool {
        self.attributes.contains(&attribute)
    }
}

/// Looks up resource specs by type name.
pub trait SpecLookup {
    fn spec(&self, type_name: &str) -> Option<&ResourceSpec>;
}

impl SpecLookup for [ResourceSpec] {
    fn spec(&self, type_name: &str) -> Option<&ResourceSpec> {
        self.iter().find(|s| s.type_name == type_name)
    }
}

/// Types whose attributes are defined by the template author, not by a schema.
pub fn has_open_attributes(type_name: &str) -> bool {
    type_name.starts_with("Custom::")
        || type_name == "AWS::CloudFormation::CustomResource"
        || type_name == "AWS::CloudFormation::Stack"
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: ResourceSpec = ResourceSpec {
        type_name: "AWS::DynamoDB::Table",
        attributes: &["Arn", "StreamArn"],
        primary_identifier: &["TableName"],
        replace_always: &["/TableName", "/KeySchema"],
        replace_conditional: &["/ImportSourceSpecification/S3BucketSource"],
        holds_data: Some("items"),
    };

    #[test]
    fn impact_follows_create_only_paths_through_list_indices() {
        assert_eq!(TABLE.impact_of(&["TableName"]), ChangeImpact::Replace);
        assert_eq!(TABLE.impact_of(&["KeySchema", "0", "AttributeName"]), ChangeImpact::Replace);
        assert_eq!(TABLE.impact_of(&["BillingMode"]), ChangeImpact::Update);
        assert_eq!(TABLE.impact_of(&["ImportSourceSpecification"]), ChangeImpact::MayReplace);
        assert_eq!(TABLE.impact_of(&["Tags", "0", "Value"]), ChangeImpact::Update);
        assert_eq!(
            TABLE.impact_of(&["ImportSourceSpecification", "S3BucketSource", "S3Bucket"]),
            ChangeImpact::MayReplace
        );
    }
}

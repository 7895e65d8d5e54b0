//! Short constructors for Terraform schema attributes and the `timeouts` block, so each
//! resource's schema reads as a table of names, types and constraints.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};

/// Terraform attribute types used here.
#[derive(Clone, Copy)]
pub enum Ty {
    /// `string`.
    Str,
    /// `number` (integers here).
    Num,
    /// `bool`.
    Bool,
    /// `map(string)`.
    Map,
    /// `list(string)`.
    List,
}

impl Ty {
    fn attribute_type(self) -> AttributeType {
        match self {
            Self::Str => AttributeType::String,
            Self::Num => AttributeType::Number,
            Self::Bool => AttributeType::Bool,
            Self::Map => AttributeType::Map(AttributeType::String.into()),
            Self::List => AttributeType::List(AttributeType::String.into()),
        }
    }
}

/// Who sets an attribute.
#[derive(Clone, Copy)]
pub enum Who {
    /// The configuration must.
    Required,
    /// The configuration may; nothing otherwise.
    Optional,
    /// The configuration may; Magnum fills it otherwise (template defaults).
    OptionalComputed,
    /// Only Magnum.
    Computed,
}

/// One attribute row: name, type, who sets it, description.
pub struct Row(pub &'static str, pub Ty, pub Who, pub &'static str);

/// Builds the attributes of a block from rows; `sensitive` names the sensitive ones.
pub fn attributes(rows: &[Row], sensitive: &[&str]) -> HashMap<String, Attribute> {
    rows.iter()
        .map(|Row(name, ty, who, description)| {
            let constraint = match who {
                Who::Required => AttributeConstraint::Required,
                Who::Optional => AttributeConstraint::Optional,
                Who::OptionalComputed => AttributeConstraint::OptionalComputed,
                Who::Computed => AttributeConstraint::Computed,
            };
            (
                (*name).to_owned(),
                Attribute {
                    attr_type: ty.attribute_type(),
                    description: Description::plain(description),
                    constraint,
                    sensitive: sensitive.contains(name),
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// A block of attributes (and optionally the `timeouts` block).
pub fn block(
    description: &str,
    attributes: HashMap<String, Attribute>,
    with_timeouts: bool,
) -> Block {
    let mut blocks = HashMap::new();
    if with_timeouts {
        blocks.insert("timeouts".to_owned(), timeouts_block());
    }
    Block {
        version: 1,
        description: Description::plain(description),
        attributes,
        blocks,
        deprecated: false,
    }
}

/// The `timeouts { create = "60m" update = "30m" delete = "30m" }` block Terraform users know
/// from SDKv2 providers (at most one).
fn timeouts_block() -> NestedBlock {
    let rows = [
        Row(
            "create",
            Ty::Str,
            Who::Optional,
            "How long create may take (Go duration: 60m, 1h30m).",
        ),
        Row(
            "update",
            Ty::Str,
            Who::Optional,
            "How long an update (resize, upgrade) may take.",
        ),
        Row(
            "delete",
            Ty::Str,
            Who::Optional,
            "How long delete may take.",
        ),
    ];
    NestedBlock::Optional(block("Operation timeouts.", attributes(&rows, &[]), false))
}

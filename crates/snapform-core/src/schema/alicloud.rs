//! Alibaba Cloud's catalogue: Elastic Desktop snapshots, ENS edge snapshots, and the
//! `provider "alicloud"` block.

use super::AttrType::String as Str;
use super::Mutability::{ForceNew, Updatable};
use super::{
    CA_FILE, Constraint, ENDPOINT, NO_URL, NOT_AUTO, Parent, ProviderSchema, RATE_LIMIT, REGION,
    ResourceSchema, STARTS_WITH_LETTER, arg, computed, secret,
};

/// `alicloud_ecd_snapshot`: an Elastic Desktop disk snapshot (ECD `CreateSnapshot`).
pub static ECD_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "alicloud_ecd_snapshot",
    provider: "alicloud",
    description: "A snapshot of one disk of an Elastic Desktop cloud computer.",
    id_prefixes: &["s-"],
    arguments: &[
        arg(
            "desktop_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "ecd-",
                what: "cloud computer",
                length: None,
            }],
            "The cloud computer, which must be Running or Stopped.",
        ),
        arg(
            "snapshot_name",
            Str,
            true,
            ForceNew,
            &[
                Constraint::Length { min: 2, max: 127 },
                STARTS_WITH_LETTER,
                Constraint::LettersDigitsAnd(&['_', '-']),
                NO_URL,
                NOT_AUTO,
            ],
            "2 to 127 characters: a letter first, then letters, digits, `_` and `-`.",
        ),
        arg(
            "source_disk_type",
            Str,
            true,
            ForceNew,
            &[Constraint::OneOf {
                values: &["system", "data"],
                ignore_case: true,
            }],
            "`system` or `data`, in any case.",
        ),
        arg(
            "description",
            Str,
            false,
            ForceNew,
            &[Constraint::Length { min: 0, max: 128 }],
            "Up to 128 characters.",
        ),
    ],
    computed: &[
        computed("status", Str),
        computed("progress", Str),
        computed("create_time", Str),
    ],
    parents: &[Parent {
        argument: "desktop_id",
        kind: "desktop",
    }],
    ordered_first: false,
    created_attribute: "create_time",
    name_argument: "snapshot_name",
    found_by_intent_tag: false,
    terraform_renames: &[],
};

/// `alicloud_ens_snapshot`: an ENS edge disk snapshot (ENS `CreateSnapshot`).
pub static ENS_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "alicloud_ens_snapshot",
    provider: "alicloud",
    description: "A snapshot of an ENS edge cloud disk.",
    id_prefixes: &["s-", "sp-"],
    arguments: &[
        arg(
            "ens_region_id",
            Str,
            true,
            ForceNew,
            &[Constraint::RegionId],
            "The edge node, such as cn-shenzhen-3.",
        ),
        arg(
            "disk_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "d-",
                what: "ENS disk",
                length: None,
            }],
            "The edge disk to snapshot.",
        ),
        arg(
            "snapshot_name",
            Str,
            false,
            Updatable,
            &[
                Constraint::Length { min: 2, max: 128 },
                STARTS_WITH_LETTER,
                Constraint::LettersDigitsAnd(&[':', '_', '-']),
                NO_URL,
                NOT_AUTO,
            ],
            "2 to 128 characters: a letter first, then letters, digits, `:`, `_` and `-`.",
        ),
        arg(
            "description",
            Str,
            false,
            Updatable,
            &[Constraint::Length { min: 2, max: 256 }, NO_URL],
            "2 to 256 characters, not starting with http:// or https://.",
        ),
    ],
    computed: &[computed("status", Str), computed("creation_time", Str)],
    parents: &[Parent {
        argument: "disk_id",
        kind: "ens-disk",
    }],
    ordered_first: false,
    created_attribute: "creation_time",
    name_argument: "snapshot_name",
    found_by_intent_tag: false,
    // The official provider's `create_time` (from `CreationTime`) is our `creation_time`.
    terraform_renames: &[("create_time", "creation_time")],
};

/// `provider "alicloud"`.
pub static PROVIDER: ProviderSchema = ProviderSchema {
    name: "alicloud",
    arguments: &[
        REGION,
        ENDPOINT,
        secret("access_key", "The AccessKey ID."),
        secret("secret_key", "The AccessKey secret."),
        secret("security_token", "A temporary credential's token."),
        RATE_LIMIT,
        CA_FILE,
    ],
};

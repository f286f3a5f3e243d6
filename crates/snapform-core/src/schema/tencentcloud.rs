//! Tencent Cloud's catalogue: CBS disk backup points, CBS snapshot groups, Lighthouse
//! snapshots, and the `provider "tencentcloud"` block.

use super::AttrType::{MapOfString, Number, SetOfString, String as Str};
use super::Mutability::{ForceNew, Updatable};
use super::{
    ArgumentSchema, AttrType, CA_FILE, Constraint, ENDPOINT, Parent, ProviderSchema, RATE_LIMIT,
    REGION, ResourceSchema, arg, computed, secret,
};

/// `tencentcloud_cbs_disk_backup`: a CBS disk backup point (`CreateDiskBackup`).
pub static CBS_DISK_BACKUP: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_cbs_disk_backup",
    provider: "tencentcloud",
    description: "A backup point of one CBS cloud disk.",
    id_prefixes: &["dbp-"],
    arguments: &[
        arg(
            "disk_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "disk-",
                what: "disk",
                length: Some(8),
            }],
            "The disk to back up.",
        ),
        arg(
            "disk_backup_name",
            Str,
            false,
            ForceNew,
            &[Constraint::Length { min: 0, max: 100 }],
            "The backup point's name, up to 100 characters.",
        ),
    ],
    computed: &[
        computed("disk_backup_state", Str),
        computed("percent", Number),
        computed("disk_size", Number),
        computed("create_time", Str),
    ],
    parents: &[Parent {
        argument: "disk_id",
        kind: "disk",
    }],
    ordered_first: false,
    created_attribute: "create_time",
    name_argument: "disk_backup_name",
    found_by_intent_tag: false,
    terraform_renames: &[],
};

/// `tencentcloud_cbs_snapshot_group`: a snapshot of several disks of one instance
/// (`CreateSnapshotGroup`).
pub static CBS_SNAPSHOT_GROUP: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_cbs_snapshot_group",
    provider: "tencentcloud",
    description: "A snapshot group of disks mounted on one instance.",
    id_prefixes: &["csnap-"],
    arguments: &[
        ArgumentSchema {
            item_constraints: &[Constraint::IdPrefix {
                prefix: "disk-",
                what: "disk",
                length: Some(8),
            }],
            ..arg(
                "disk_ids",
                SetOfString,
                true,
                ForceNew,
                &[Constraint::MinItems(1)],
                "The disks to snapshot, all mounted on one instance.",
            )
        },
        arg(
            "snapshot_group_name",
            Str,
            false,
            ForceNew,
            &[],
            "The group's name; its snapshots are named NAME_0, NAME_1, ...",
        ),
        arg(
            "tags",
            MapOfString,
            false,
            ForceNew,
            &[],
            "Tags bound at creation.",
        ),
    ],
    computed: &[
        computed("snapshot_group_state", Str),
        computed("snapshot_ids", AttrType::ListOfString),
        computed("percent", Number),
        computed("create_time", Str),
    ],
    parents: &[Parent {
        argument: "disk_ids",
        kind: "disk",
    }],
    ordered_first: true,
    created_attribute: "create_time",
    name_argument: "snapshot_group_name",
    found_by_intent_tag: false,
    terraform_renames: &[],
};

/// `tencentcloud_lighthouse_snapshot`: a Lighthouse instance snapshot
/// (`CreateInstanceSnapshot`).
pub static LIGHTHOUSE_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_lighthouse_snapshot",
    provider: "tencentcloud",
    description: "A system-disk snapshot of a Lighthouse instance.",
    id_prefixes: &["lhsnap-"],
    arguments: &[
        arg(
            "instance_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "lhins-",
                what: "Lighthouse instance",
                length: Some(8),
            }],
            "The Lighthouse instance to snapshot.",
        ),
        arg(
            "snapshot_name",
            Str,
            false,
            Updatable,
            &[Constraint::Length { min: 0, max: 60 }],
            "The snapshot's name, up to 60 characters; renamed in place.",
        ),
    ],
    computed: &[
        computed("snapshot_state", Str),
        computed("percent", Number),
        computed("created_time", Str),
    ],
    parents: &[Parent {
        argument: "instance_id",
        kind: "lighthouse",
    }],
    ordered_first: false,
    created_attribute: "created_time",
    name_argument: "snapshot_name",
    found_by_intent_tag: true,
    terraform_renames: &[],
};

/// `provider "tencentcloud"`.
pub static PROVIDER: ProviderSchema = ProviderSchema {
    name: "tencentcloud",
    arguments: &[
        REGION,
        ENDPOINT,
        secret("secret_id", "The API key's SecretId."),
        secret("secret_key", "The API key's SecretKey."),
        secret("security_token", "A temporary credential's token."),
        RATE_LIMIT,
        CA_FILE,
    ],
};

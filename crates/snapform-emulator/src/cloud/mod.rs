//! The emulated cloud: the inventory plus every snapshot-like resource, and the actions on them.
//!
//! A resource's state is derived from timestamps stored with it (`created_ms`, `ready_ms`,
//! `deleting`), never advanced by a timer, so a cloud saved to a file keeps progressing when
//! another process loads it. Handlers are synchronous and pure over `(&mut Cloud, Ctx)`; the
//! server holds the lock, persists and renders.

mod cbs;
mod ecd;
mod ens;
mod lighthouse;

use std::collections::{BTreeSet, HashMap};

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{ApiError, Call, CallParams, Service};
use crate::inventory::{CbsDisk, Desktop, EnsDisk, Inventory, LighthouseInstance};
use crate::params::{FlatParams, Tag, TcParams};

/// The kinds of snapshot-like resources, named as in the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// Tencent CBS disk backup point (`dbp-`).
    CbsDiskBackup,
    /// Tencent CBS snapshot group (`csnap-`).
    CbsSnapshotGroup,
    /// Tencent Lighthouse instance snapshot (`lhsnap-`).
    LighthouseSnapshot,
    /// Alibaba ECD desktop disk snapshot (`s-`).
    EcdSnapshot,
    /// Alibaba ENS edge disk snapshot (`sp-`).
    EnsSnapshot,
}

impl ResourceType {
    /// The control API name (`cbs_disk_backup`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::CbsDiskBackup => "cbs_disk_backup",
            ResourceType::CbsSnapshotGroup => "cbs_snapshot_group",
            ResourceType::LighthouseSnapshot => "lighthouse_snapshot",
            ResourceType::EcdSnapshot => "ecd_snapshot",
            ResourceType::EnsSnapshot => "ens_snapshot",
        }
    }

    /// Parses the control API name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            ResourceType::CbsDiskBackup,
            ResourceType::CbsSnapshotGroup,
            ResourceType::LighthouseSnapshot,
            ResourceType::EcdSnapshot,
            ResourceType::EnsSnapshot,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// When an asynchronously deleted resource is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Deleting {
    pub(crate) gone_ms: i64,
}

/// One snapshot-like resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Resource {
    #[serde(rename = "type")]
    pub(crate) kind: ResourceType,
    pub(crate) id: String,
    /// Tencent region, Alibaba region (ECD) or edge region (ENS).
    pub(crate) region: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    /// Disk, instance or desktop IDs the resource was made from.
    pub(crate) parents: Vec<String>,
    /// Creation order, a tie-breaker for equal creation times.
    pub(crate) seq: u64,
    pub(crate) created_ms: i64,
    pub(crate) ready_ms: i64,
    #[serde(default)]
    pub(crate) deleting: Option<Deleting>,
    /// A status set through the control API (drift); replaces the derived one.
    #[serde(default)]
    pub(crate) status_override: Option<String>,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
    /// GiB of the source disk.
    #[serde(default)]
    pub(crate) disk_size: u32,
    /// CBS `SYSTEM_DISK`/`DATA_DISK`; ECD `SYSTEM`/`DATA`; ENS `system`/`data`.
    #[serde(default)]
    pub(crate) disk_type: String,
    /// Snapshot group members (`snap-`), one per parent disk, in parent order.
    #[serde(default)]
    pub(crate) member_ids: Vec<String>,
    /// The instance an ENS snapshot's disk was attached to when it was taken.
    #[serde(default)]
    pub(crate) instance_id: String,
    /// The request that created it (Lighthouse `LatestOperationRequestId`).
    #[serde(default)]
    pub(crate) request_id: String,
}

/// Where a resource is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Creating { percent: u8 },
    Ready,
    Deleting,
    Gone,
}

impl Resource {
    pub(crate) fn phase(&self, now_ms: i64) -> Phase {
        if let Some(deleting) = self.deleting {
            return if now_ms >= deleting.gone_ms {
                Phase::Gone
            } else {
                Phase::Deleting
            };
        }
        if now_ms >= self.ready_ms {
            return Phase::Ready;
        }
        let total = (self.ready_ms - self.created_ms).max(1);
        let elapsed = (now_ms - self.created_ms).clamp(0, total);
        let percent = u8::try_from((elapsed * 100 / total).min(99)).unwrap_or(99);
        Phase::Creating { percent }
    }

    pub(crate) fn percent(&self, now_ms: i64) -> u8 {
        match self.phase(now_ms) {
            Phase::Creating { percent } => percent,
            _ => 100,
        }
    }

    pub(crate) fn is_creating(&self, now_ms: i64) -> bool {
        matches!(self.phase(now_ms), Phase::Creating { .. })
    }

    /// The status the cloud reports, in the service's own words.
    pub(crate) fn status(&self, now_ms: i64) -> String {
        if let Some(status) = &self.status_override {
            return status.clone();
        }
        let phase = self.phase(now_ms);
        let text = match (self.kind, phase) {
            (ResourceType::EcdSnapshot, Phase::Creating { .. }) => "PROGRESSING",
            (ResourceType::EcdSnapshot, _) => "ACCOMPLISHED",
            (ResourceType::EnsSnapshot, Phase::Creating { .. }) => "creating",
            (ResourceType::EnsSnapshot, Phase::Deleting | Phase::Gone) => "deleting",
            (ResourceType::EnsSnapshot, Phase::Ready) => "available",
            (_, Phase::Creating { .. }) => "CREATING",
            (_, _) => "NORMAL",
        };
        text.to_owned()
    }

    /// The control API view.
    pub(crate) fn summary(&self, now_ms: i64) -> Value {
        serde_json::json!({
            "type": self.kind.as_str(),
            "id": self.id,
            "region": self.region,
            "name": self.name,
            "description": self.description,
            "parents": self.parents,
            "status": self.status(now_ms),
            "progress": self.percent(now_ms),
            "created_at": iso_time(self.created_ms),
            "tags": self.tags,
            "member_ids": self.member_ids,
        })
    }
}

/// The whole emulated cloud, as persisted.
///
/// Invariants: `resources` is keyed by resource ID; `by_parent`, `by_kind`, `by_member`,
/// `group_members` and `gone_queue` are indexes derived from `resources`, and `parents` from
/// `inventory` (all rebuilt by [`Cloud::reindex`] after loading, `parents` also by
/// [`Cloud::set_inventory`]), so they hold exactly what is present. A fleet's cloud has a
/// parent and a snapshot per instance: every lookup by ID goes through an index, never a scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Cloud {
    inventory: Inventory,
    /// Hashed by ID: a fleet's reads look up every snapshot they name, and a sorted map's
    /// lookups compared IDs that share their prefix many times each. Written in ID order.
    #[serde(serialize_with = "in_id_order")]
    resources: HashMap<String, Resource>,
    next_seq: u64,
    #[serde(skip)]
    by_parent: HashMap<String, BTreeSet<String>>,
    /// Each kind's resources in creation order: (`created_ms`, `seq`, ID).
    #[serde(skip)]
    by_kind: HashMap<ResourceType, BTreeSet<(i64, u64, String)>>,
    /// The snapshot group of each member snapshot (`snap-`), by member ID.
    #[serde(skip)]
    by_member: HashMap<String, String>,
    /// The members of the snapshot groups of each region, counted against its snapshot quota.
    #[serde(skip)]
    group_members: HashMap<String, usize>,
    #[serde(skip)]
    gone_queue: BTreeSet<(i64, String)>,
    #[serde(skip)]
    parents: ParentIndex,
}

/// Where each parent of the inventory sits in its region's list, by region and ID; an ID that
/// a region lists twice has both positions, first one first.
#[derive(Debug, Clone, Default)]
struct ParentIndex {
    cbs_disks: RegionIndex,
    lighthouse_instances: RegionIndex,
    desktops: RegionIndex,
    ens_disks: RegionIndex,
}

type RegionIndex = HashMap<String, HashMap<String, Vec<usize>>>;

impl ParentIndex {
    fn new(inventory: &Inventory) -> ParentIndex {
        fn index<'a>(ids: impl Iterator<Item = &'a String>) -> HashMap<String, Vec<usize>> {
            let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
            for (position, id) in ids.enumerate() {
                by_id.entry(id.clone()).or_default().push(position);
            }
            by_id
        }
        let mut parents = ParentIndex::default();
        for (region, tencent) in &inventory.tencentcloud {
            parents.cbs_disks.insert(
                region.clone(),
                index(tencent.disks.iter().map(|disk| &disk.id)),
            );
            parents.lighthouse_instances.insert(
                region.clone(),
                index(
                    tencent
                        .lighthouse_instances
                        .iter()
                        .map(|instance| &instance.id),
                ),
            );
        }
        for (region, alicloud) in &inventory.alicloud.regions {
            parents.desktops.insert(
                region.clone(),
                index(alicloud.desktops.iter().map(|desktop| &desktop.id)),
            );
        }
        for (region, edge) in &inventory.alicloud.ens {
            parents.ens_disks.insert(
                region.clone(),
                index(edge.disks.iter().map(|disk| &disk.id)),
            );
        }
        parents
    }
}

/// The resources as a JSON object in ID order, so a saved cloud reads the same from save to
/// save.
fn in_id_order<S: serde::Serializer>(
    resources: &HashMap<String, Resource>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    let mut sorted: Vec<(&String, &Resource)> = resources.iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    ser.collect_map(sorted)
}

/// One region's list of a kind of parent, with the index of its IDs.
struct Listed<'a, 'r, T> {
    items: Option<&'a [T]>,
    index: &'a RegionIndex,
    region: &'r str,
}

impl<'a, T> Listed<'a, '_, T> {
    /// The first item with this ID.
    fn with_id(&self, id: &str) -> Option<&'a T> {
        let position = *self.index.get(self.region)?.get(id)?.first()?;
        self.items?.get(position)
    }

    /// The items whose IDs are among `ids`, in the list's order, each once.
    fn among<I: AsRef<str>>(&self, ids: &[I]) -> Vec<&'a T> {
        let (Some(items), Some(by_id)) = (self.items, self.index.get(self.region)) else {
            return Vec::new();
        };
        let mut positions: Vec<usize> = ids
            .iter()
            .filter_map(|id| by_id.get(id.as_ref()))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
            .into_iter()
            .filter_map(|position| items.get(position))
            .collect()
    }
}

impl Cloud {
    pub(crate) fn new(inventory: Inventory) -> Self {
        Self {
            parents: ParentIndex::new(&inventory),
            inventory,
            resources: HashMap::new(),
            next_seq: 1,
            by_parent: HashMap::new(),
            by_kind: HashMap::new(),
            by_member: HashMap::new(),
            group_members: HashMap::new(),
            gone_queue: BTreeSet::new(),
        }
    }

    /// The disks, instances and desktops snapshots are made from.
    pub(crate) fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Replaces the inventory (the control API's `PUT /_emulator/inventory`).
    pub(crate) fn set_inventory(&mut self, inventory: Inventory) {
        self.parents = ParentIndex::new(&inventory);
        self.inventory = inventory;
    }

    /// Rebuilds the derived indexes (after deserialising).
    pub(crate) fn reindex(&mut self) {
        self.by_parent.clear();
        self.by_kind.clear();
        self.by_member.clear();
        self.group_members.clear();
        self.gone_queue.clear();
        self.parents = ParentIndex::new(&self.inventory);
        let resources: Vec<Resource> = self.resources.values().cloned().collect();
        for resource in &resources {
            self.index(resource);
        }
    }

    fn index(&mut self, resource: &Resource) {
        self.by_kind.entry(resource.kind).or_default().insert((
            resource.created_ms,
            resource.seq,
            resource.id.clone(),
        ));
        for parent in &resource.parents {
            self.by_parent
                .entry(parent.clone())
                .or_default()
                .insert(resource.id.clone());
        }
        if resource.kind == ResourceType::CbsSnapshotGroup {
            for member in &resource.member_ids {
                self.by_member.insert(member.clone(), resource.id.clone());
            }
            *self
                .group_members
                .entry(resource.region.clone())
                .or_default() += resource.member_ids.len();
        }
        if let Some(deleting) = resource.deleting {
            self.gone_queue
                .insert((deleting.gone_ms, resource.id.clone()));
        }
    }

    fn cbs_disks_in<'r>(&self, region: &'r str) -> Listed<'_, 'r, CbsDisk> {
        Listed {
            items: self
                .inventory
                .tencentcloud
                .get(region)
                .map(|r| &r.disks[..]),
            index: &self.parents.cbs_disks,
            region,
        }
    }

    fn lighthouse_instances_in<'r>(&self, region: &'r str) -> Listed<'_, 'r, LighthouseInstance> {
        Listed {
            items: self
                .inventory
                .tencentcloud
                .get(region)
                .map(|r| &r.lighthouse_instances[..]),
            index: &self.parents.lighthouse_instances,
            region,
        }
    }

    fn desktops_in<'r>(&self, region: &'r str) -> Listed<'_, 'r, Desktop> {
        Listed {
            items: self
                .inventory
                .alicloud
                .regions
                .get(region)
                .map(|r| &r.desktops[..]),
            index: &self.parents.desktops,
            region,
        }
    }

    fn ens_disks_in<'r>(&self, ens_region: &'r str) -> Listed<'_, 'r, EnsDisk> {
        Listed {
            items: self
                .inventory
                .alicloud
                .ens
                .get(ens_region)
                .map(|r| &r.disks[..]),
            index: &self.parents.ens_disks,
            region: ens_region,
        }
    }

    /// The CBS disk with this ID in this region.
    pub(crate) fn cbs_disk(&self, region: &str, disk_id: &str) -> Option<&CbsDisk> {
        self.cbs_disks_in(region).with_id(disk_id)
    }

    /// The CBS disks of this region with these IDs, in the inventory's order.
    pub(crate) fn cbs_disks_among(&self, region: &str, ids: &[&str]) -> Vec<&CbsDisk> {
        self.cbs_disks_in(region).among(ids)
    }

    /// The Lighthouse instance with this ID in this region.
    pub(crate) fn lighthouse_instance(
        &self,
        region: &str,
        instance_id: &str,
    ) -> Option<&LighthouseInstance> {
        self.lighthouse_instances_in(region).with_id(instance_id)
    }

    /// The Lighthouse instances of this region with these IDs, in the inventory's order.
    pub(crate) fn lighthouse_instances_among(
        &self,
        region: &str,
        ids: &[&str],
    ) -> Vec<&LighthouseInstance> {
        self.lighthouse_instances_in(region).among(ids)
    }

    /// The desktop with this ID in this region.
    pub(crate) fn desktop(&self, region: &str, desktop_id: &str) -> Option<&Desktop> {
        self.desktops_in(region).with_id(desktop_id)
    }

    /// The desktops of this region with these IDs, in the inventory's order.
    pub(crate) fn desktops_among(&self, region: &str, ids: &[&str]) -> Vec<&Desktop> {
        self.desktops_in(region).among(ids)
    }

    /// The ENS disk with this ID in this edge region.
    pub(crate) fn ens_disk(&self, ens_region: &str, disk_id: &str) -> Option<&EnsDisk> {
        self.ens_disks_in(ens_region).with_id(disk_id)
    }

    /// The ENS disks of this edge region with these IDs, in the inventory's order.
    pub(crate) fn ens_disks_among(&self, ens_region: &str, ids: &[String]) -> Vec<&EnsDisk> {
        self.ens_disks_in(ens_region).among(ids)
    }

    /// The snapshot group that has this member snapshot.
    pub(crate) fn group_of_member(&self, member_id: &str) -> Option<&Resource> {
        self.resources.get(self.by_member.get(member_id)?)
    }

    /// The member snapshots of this region's snapshot groups, which its snapshot quota counts.
    pub(crate) fn group_members(&self, region: &str) -> usize {
        self.group_members.get(region).copied().unwrap_or(0)
    }

    pub(crate) fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.values()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Resource> {
        self.resources.get(id)
    }

    /// Applies `change` to a resource, keeping the indexes true.
    pub(crate) fn update(&mut self, id: &str, change: impl FnOnce(&mut Resource)) -> bool {
        let Some(mut resource) = self.remove(id) else {
            return false;
        };
        change(&mut resource);
        self.insert(resource);
        true
    }

    pub(crate) fn insert(&mut self, resource: Resource) {
        self.index(&resource);
        self.resources.insert(resource.id.clone(), resource);
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Resource> {
        let resource = self.resources.remove(id)?;
        if let Some(of_kind) = self.by_kind.get_mut(&resource.kind) {
            of_kind.remove(&(resource.created_ms, resource.seq, resource.id.clone()));
        }
        if resource.kind == ResourceType::CbsSnapshotGroup {
            for member in &resource.member_ids {
                self.by_member.remove(member);
            }
            if let Some(count) = self.group_members.get_mut(&resource.region) {
                *count = count.saturating_sub(resource.member_ids.len());
            }
        }
        for parent in &resource.parents {
            if let Some(children) = self.by_parent.get_mut(parent) {
                children.remove(id);
                if children.is_empty() {
                    self.by_parent.remove(parent);
                }
            }
        }
        if let Some(deleting) = resource.deleting {
            self.gone_queue
                .remove(&(deleting.gone_ms, resource.id.clone()));
        }
        Some(resource)
    }

    /// Drops resources whose asynchronous deletion has finished.
    pub(crate) fn purge(&mut self, now_ms: i64) {
        while let Some((gone_ms, id)) = self.gone_queue.first().cloned() {
            if gone_ms > now_ms {
                break;
            }
            self.remove(&id);
        }
    }

    /// Resources made from `parent` (a disk, instance or desktop).
    pub(crate) fn children<'a>(&'a self, parent: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.by_parent
            .get(parent)
            .into_iter()
            .flatten()
            .filter_map(|id| self.resources.get(id))
    }

    /// A fresh ID `prefix` + `len` lower-case letters and digits, unused in this cloud.
    pub(crate) fn new_id(&self, prefix: &str, len: usize, rng: &mut StdRng) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        loop {
            let suffix: String = (0..len)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            let id = format!("{prefix}{suffix}");
            let member_taken = prefix == "snap-" && self.by_member.contains_key(&id);
            if !self.resources.contains_key(&id) && !member_taken {
                return id;
            }
        }
    }

    /// A new resource in its creating state, ready after `ctx.ready_after_ms`.
    pub(crate) fn new_resource(
        &mut self,
        kind: ResourceType,
        id: String,
        region: &str,
        parents: Vec<String>,
        ctx: &Ctx<'_>,
    ) -> Resource {
        let seq = self.next_seq;
        self.next_seq += 1;
        Resource {
            kind,
            id,
            region: region.to_owned(),
            name: String::new(),
            description: String::new(),
            parents,
            seq,
            created_ms: ctx.now_ms,
            ready_ms: ctx.now_ms + ctx.ready_after_ms,
            deleting: None,
            status_override: None,
            tags: Vec::new(),
            disk_size: 0,
            disk_type: String::new(),
            member_ids: Vec::new(),
            instance_id: String::new(),
            request_id: ctx.request_id.to_owned(),
        }
    }

    /// Starts an asynchronous deletion that completes after half the readiness time.
    pub(crate) fn start_deletion(&mut self, id: &str, ctx: &Ctx<'_>) {
        let deleting = Deleting {
            gone_ms: ctx.now_ms + ctx.ready_after_ms / 2,
        };
        if deleting.gone_ms <= ctx.now_ms {
            self.remove(id);
        } else {
            self.update(id, |resource| resource.deleting = Some(deleting));
        }
    }

    /// Resources of one kind that are still there, in creation order: in `region` (any region
    /// when `None`), looking only at the given IDs or at the children of the given parents, so
    /// a describe by ID or by disk does not scan the whole cloud. The caller still applies its
    /// other filters.
    pub(crate) fn listed_among(
        &self,
        kind: ResourceType,
        region: Option<&str>,
        now_ms: i64,
        among: Among<'_>,
    ) -> Vec<&Resource> {
        let keep = |resource: &&Resource| {
            resource.kind == kind
                && region.is_none_or(|region| resource.region == region)
                && resource.phase(now_ms) != Phase::Gone
        };
        let mut listed: Vec<&Resource> = match among {
            Among::All => self
                .by_kind
                .get(&kind)
                .into_iter()
                .flatten()
                .filter_map(|(_, _, id)| self.resources.get(id))
                .filter(keep)
                .collect(),
            Among::Ids(ids) => ids
                .iter()
                .filter_map(|id| self.resources.get(*id))
                .filter(keep)
                .collect(),
            Among::ChildrenOf(parents) => parents
                .iter()
                .flat_map(|parent| self.children(parent))
                .filter(keep)
                .collect(),
        };
        listed.sort_by_key(|resource| (resource.created_ms, resource.seq));
        listed.dedup_by_key(|resource| resource.seq);
        listed
    }

    /// Like [`Cloud::listed_among`] over every resource of `kind` in `region`, newest first,
    /// lazily, and only those older than `before` (a `created_ms` and `seq`), so a listing
    /// paged by position costs what its pages hold, not the whole list per page.
    pub(crate) fn newest_first<'a>(
        &'a self,
        kind: ResourceType,
        region: &'a str,
        now_ms: i64,
        before: Option<(i64, u64)>,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        use std::ops::Bound;
        let upper = match before {
            // Every key of that resource is above `(created_ms, seq, "")`, seq being unique.
            Some((created_ms, seq)) => Bound::Excluded((created_ms, seq, String::new())),
            None => Bound::Unbounded,
        };
        self.by_kind
            .get(&kind)
            .into_iter()
            .flat_map(move |of_kind| of_kind.range((Bound::Unbounded, upper.clone())).rev())
            .filter_map(|(_, _, id)| self.resources.get(id))
            .filter(move |resource| {
                resource.region == region && resource.phase(now_ms) != Phase::Gone
            })
    }

    /// A live resource of this kind by ID, in any region.
    pub(crate) fn live(&self, kind: ResourceType, id: &str, now_ms: i64) -> Option<&Resource> {
        self.resources
            .get(id)
            .filter(|resource| resource.kind == kind && resource.phase(now_ms) != Phase::Gone)
    }

    /// Like [`Cloud::live`], only in `region`.
    pub(crate) fn live_in(
        &self,
        kind: ResourceType,
        region: &str,
        id: &str,
        now_ms: i64,
    ) -> Option<&Resource> {
        self.live(kind, id, now_ms)
            .filter(|resource| resource.region == region)
    }
}

/// Which resources a listing needs to look at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Among<'a> {
    All,
    Ids(&'a [&'a str]),
    ChildrenOf(&'a [&'a str]),
}

/// What a handler needs besides the cloud.
pub(crate) struct Ctx<'a> {
    pub(crate) now_ms: i64,
    pub(crate) ready_after_ms: i64,
    pub(crate) rng: &'a mut StdRng,
    pub(crate) request_id: &'a str,
}

/// Runs one authenticated call.
pub(crate) fn dispatch(
    cloud: &mut Cloud,
    call: &Call,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    cloud.purge(ctx.now_ms);
    let region = call.region.as_str();
    let action = call.action.as_str();
    match (&call.params, call.service) {
        (CallParams::Json(map), Service::Cbs) => {
            cbs::handle(cloud, region, action, TcParams::new(map), ctx)
        }
        (CallParams::Json(map), Service::Lighthouse) => {
            lighthouse::handle(cloud, region, action, TcParams::new(map), ctx)
        }
        (CallParams::Flat(params), Service::Ecd) => ecd::handle(cloud, region, action, params, ctx),
        (CallParams::Flat(params), Service::Ens) => ens::handle(cloud, action, params, ctx),
        _ => Err(ApiError::new(
            "InternalError",
            "The request reached a service in the wrong protocol.",
        )
        .with_status(500)),
    }
}

/// The busy answer of an action, for the `busy` fault; `None` for reads.
pub(crate) fn busy_error(service: Service, action: &str) -> Option<ApiError> {
    let code = match (service, action) {
        (Service::Cbs, "CreateDiskBackup") => "InvalidDisk.Busy",
        (Service::Cbs, "CreateSnapshotGroup") => "InvalidDisk.SnapshotCreating",
        (Service::Cbs, "DeleteDiskBackups") => "ResourceBusy",
        (Service::Cbs, "DeleteSnapshotGroup") => "UnsupportedOperation.StateError",
        (Service::Lighthouse, "CreateInstanceSnapshot") => {
            "UnsupportedOperation.LatestOperationUnfinished"
        }
        (Service::Lighthouse, "DeleteSnapshots" | "ModifySnapshotAttribute") => {
            "UnsupportedOperation.SnapshotBusy"
        }
        (Service::Ecd, "CreateSnapshot") => "IncorrectDiskStatus.CreatingSnapshot",
        (Service::Ecd, "DeleteSnapshot") => "IncorrectSnapshotStatus",
        (Service::Ens, "CreateSnapshot") => "IncorrectDiskStatus.CreatingSnapshot",
        (Service::Ens, "DeleteSnapshot" | "ModifySnapshotAttribute") => {
            "DISK_SNAPSHOT_STATUS_NOT_MATCH"
        }
        _ => return None,
    };
    Some(ApiError::new(
        code,
        "The resource is busy with another operation. Please try again later.",
    ))
}

/// `2024-05-20T08:30:00Z`.
pub(crate) fn iso_time(ms: i64) -> String {
    let time = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// `2024-05-20 16:30:00` in Beijing time (UTC+8), as the CBS console and API show times.
pub(crate) fn tencent_time(ms: i64) -> String {
    let time = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000) + 8 * 3600)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Builds a JSON object from `(key, value)` pairs.
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// Checks a Tencent `Offset`/`Limit` pair: Limit 0..=100 (default 20), Offset ≥ 0.
pub(crate) fn tencent_page(
    params: &TcParams<'_>,
    code_for: impl Fn(&str) -> &'static str,
) -> Result<(usize, usize), ApiError> {
    let offset = params.integer("Offset")?.unwrap_or(0);
    let limit = params.integer("Limit")?.unwrap_or(20);
    if offset < 0 {
        return Err(ApiError::new(
            code_for("negative"),
            "The value of `Offset` must not be negative.",
        ));
    }
    if !(0..=100).contains(&limit) {
        return Err(ApiError::new(
            code_for("range"),
            "The value of `Limit` must be between 0 and 100.",
        ));
    }
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(100),
    ))
}

/// True when an ID appears more than once.
pub(crate) fn has_duplicates(ids: &[&str]) -> bool {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    unique.len() != ids.len()
}

/// Alibaba `InvalidParameter.{name}`, shared by ECD and ENS.
pub(crate) fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(format!("InvalidParameter.{name}"), message)
}

/// One page of items.
pub(crate) fn page<T: Clone>(items: &[T], offset: usize, limit: usize) -> Vec<T> {
    items.iter().skip(offset).take(limit).cloned().collect()
}

/// A lower-case ID with a prefix and a body of letters and digits, of `len` chars when given.
pub(crate) fn id_like(id: &str, prefix: &str, len: Option<usize>) -> bool {
    id.strip_prefix(prefix).is_some_and(|body| {
        !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && len.is_none_or(|len| body.len() == len)
    })
}

/// Alibaba name rules shared by ECD and ENS (`extra` is the extra allowed punctuation).
pub(crate) fn alibaba_name_ok(name: &str, min: usize, max: usize, extra: &[char]) -> bool {
    let count = name.chars().count();
    let lower = name.to_ascii_lowercase();
    (min..=max).contains(&count)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !lower.starts_with("http://")
        && !lower.starts_with("https://")
        && !lower.starts_with("auto")
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || extra.contains(&c))
}

/// Shorthand for the flat parameters of Alibaba handlers.
pub(crate) type Flat<'a> = &'a FlatParams;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn progress_is_derived_from_time() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut cloud = Cloud::new(Inventory::default());
        let ctx = Ctx {
            now_ms: 10_000,
            ready_after_ms: 2_000,
            rng: &mut rng,
            request_id: "r",
        };
        let resource = cloud.new_resource(
            ResourceType::CbsDiskBackup,
            "dbp-aaaaaaaa".to_owned(),
            "ap-guangzhou",
            vec!["disk-a".to_owned()],
            &ctx,
        );
        assert_eq!(resource.phase(10_000), Phase::Creating { percent: 0 });
        assert_eq!(resource.phase(11_000), Phase::Creating { percent: 50 });
        assert_eq!(resource.status(11_000), "CREATING");
        assert_eq!(resource.phase(12_000), Phase::Ready);
        assert_eq!(resource.status(12_000), "NORMAL");
        cloud.insert(resource);
        assert_eq!(cloud.children("disk-a").count(), 1);
        cloud.start_deletion("dbp-aaaaaaaa", &ctx);
        assert_eq!(
            cloud.get("dbp-aaaaaaaa").map(|r| r.phase(10_500)),
            Some(Phase::Deleting)
        );
        cloud.purge(11_000);
        assert!(cloud.get("dbp-aaaaaaaa").is_none());
        assert_eq!(cloud.children("disk-a").count(), 0);
    }

    #[test]
    fn times_and_names() {
        assert_eq!(iso_time(1_716_193_800_000), "2024-05-20T08:30:00Z");
        assert_eq!(tencent_time(1_716_193_800_000), "2024-05-20 16:30:00");
        assert!(id_like("disk-qs100001", "disk-", Some(8)));
        assert!(!id_like("disk-QS100001", "disk-", Some(8)));
        assert!(!id_like("disk-qs1", "disk-", Some(8)));
        assert!(alibaba_name_ok("nightly-1", 2, 127, &[]));
        assert!(!alibaba_name_ok("auto-1", 2, 127, &[]));
        assert!(!alibaba_name_ok("1abc", 2, 127, &[]));
        assert!(!alibaba_name_ok("a", 2, 127, &[]));
        assert!(alibaba_name_ok("a:b", 2, 128, &[':']));
        assert!(!alibaba_name_ok("a:b", 2, 127, &[]));
    }
}

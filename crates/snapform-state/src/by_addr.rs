//! A collection keyed by resource instance address, for the state's records and intents.
//!
//! The state file lists records as a JSON array in address order, and a state of 100,000
//! records is changed one record at a time during apply: a sorted `Vec` made every insertion
//! move half the records (quadratic over a run), so the records live in a B-tree and are
//! written and read as the same array as before. The tree is a set ordered by each item's own
//! address rather than a map from a copy of it: a copy of every record's address (its strings
//! included) cost a fleet's state about 170 bytes per record.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::collections::btree_set;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use snapform_core::{InstanceKey, ResourceAddr, ResourceInstanceAddr};

/// Something stored at one resource instance address.
pub trait Addressed {
    /// Its address: the key it is stored under.
    fn addr(&self) -> &ResourceInstanceAddr;
}

/// An item ordered, compared and looked up by its address alone, so the set finds it by
/// address without keeping the address twice.
#[derive(Clone)]
struct ByItsAddr<T>(T);

impl<T: Addressed> PartialEq for ByItsAddr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.addr() == other.0.addr()
    }
}

impl<T: Addressed> Eq for ByItsAddr<T> {}

impl<T: Addressed> PartialOrd for ByItsAddr<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Addressed> Ord for ByItsAddr<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.addr().cmp(other.0.addr())
    }
}

/// Orders as the address does, which `Borrow` requires of a key.
impl<T: Addressed> Borrow<ResourceInstanceAddr> for ByItsAddr<T> {
    fn borrow(&self) -> &ResourceInstanceAddr {
        self.0.addr()
    }
}

/// Items of type `T`, at most one per address, iterated in address order.
///
/// Invariant: no item's address changes while it is stored (the set is ordered by them);
/// items come in only through [`ByAddr::insert`], [`Extend`] and [`FromIterator`] and are
/// never handed out mutably.
#[derive(Clone)]
pub struct ByAddr<T> {
    items: BTreeSet<ByItsAddr<T>>,
}

impl<T> Default for ByAddr<T> {
    fn default() -> ByAddr<T> {
        ByAddr {
            items: BTreeSet::new(),
        }
    }
}

/// Equal when they hold equal items, compared whole, not only by address.
impl<T: PartialEq> PartialEq for ByAddr<T> {
    fn eq(&self, other: &ByAddr<T>) -> bool {
        self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(&other.items)
                .all(|(mine, theirs)| mine.0 == theirs.0)
    }
}

impl<T: fmt::Debug> fmt::Debug for ByAddr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|item| &item.0))
            .finish()
    }
}

impl<T: Addressed> ByAddr<T> {
    /// An empty collection.
    pub fn new() -> ByAddr<T> {
        ByAddr::default()
    }

    /// The item at `addr`.
    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&T> {
        self.items.get(addr).map(|item| &item.0)
    }

    /// Adds `item` at its address; returns the item it replaced.
    pub fn insert(&mut self, item: T) -> Option<T> {
        self.items.replace(ByItsAddr(item)).map(|old| old.0)
    }

    /// Removes and returns the item at `addr`.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<T> {
        self.items.take(addr).map(|item| item.0)
    }

    /// Every item, in address order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            inner: self.items.iter(),
        }
    }

    /// The items of the instances of `resource`, in key order.
    pub fn instances_of<'a>(
        &'a self,
        resource: &ResourceAddr,
    ) -> impl Iterator<Item = &'a T> + use<'a, T> {
        // `InstanceKey::None` sorts before every other key, so the range starts at the first
        // instance of `resource`.
        let start = resource.instance(InstanceKey::None);
        let resource = start.resource.clone();
        self.items
            .range::<ResourceInstanceAddr, _>(start..)
            .map(|item| &item.0)
            .take_while(move |item| item.addr().resource == resource)
    }

    /// The items of `instance`'s address: the plain instance, then its series' generations
    /// oldest first (whatever generation `instance` names).
    pub fn generations_of<'a>(
        &'a self,
        instance: &ResourceInstanceAddr,
    ) -> impl Iterator<Item = &'a T> + use<'a, T> {
        // No generation sorts before every tick, so the range starts at the plain instance.
        let start = instance.instance();
        let (resource, key) = (start.resource.clone(), start.key.clone());
        self.items
            .range::<ResourceInstanceAddr, _>(start..)
            .map(|item| &item.0)
            .take_while(move |item| item.addr().resource == resource && item.addr().key == key)
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The items of a [`ByAddr`], in address order.
pub struct Iter<'a, T> {
    inner: btree_set::Iter<'a, ByItsAddr<T>>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|item| &item.0)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|item| &item.0)
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T: Addressed> IntoIterator for &'a ByAddr<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The items of a [`ByAddr`], taken out in address order.
pub struct IntoIter<T> {
    inner: btree_set::IntoIter<ByItsAddr<T>>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|item| item.0)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> DoubleEndedIterator for IntoIter<T> {
    fn next_back(&mut self) -> Option<T> {
        self.inner.next_back().map(|item| item.0)
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}

impl<T> IntoIterator for ByAddr<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            inner: self.items.into_iter(),
        }
    }
}

/// Later items replace earlier ones at the same address.
impl<T: Addressed> Extend<T> for ByAddr<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.insert(item);
        }
    }
}

/// Later items replace earlier ones at the same address. Built at once, the tree's nodes are
/// full, where items inserted in order leave them half empty: a fleet's state read from its
/// file takes a third less memory.
impl<T: Addressed> FromIterator<T> for ByAddr<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> ByAddr<T> {
        let mut items: Vec<ByItsAddr<T>> = items.into_iter().map(ByItsAddr).collect();
        // A stable sort keeps equal addresses in their order; of each run, the last item's
        // value is moved into the first's place and the others are dropped.
        items.sort();
        items.dedup_by(|later, kept| {
            let same = later == kept;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        ByAddr {
            items: items.into_iter().collect(),
        }
    }
}

/// A JSON array in address order, as the state file has always listed records.
impl<T: Serialize> Serialize for ByAddr<T> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.items.iter().map(|item| &item.0))
    }
}

/// An array in any order; a later item at an address replaces an earlier one.
impl<'de, T: Deserialize<'de> + Addressed> Deserialize<'de> for ByAddr<T> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<ByAddr<T>, D::Error> {
        let items: Vec<T> = Vec::deserialize(de)?;
        Ok(items.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Intent, Operation};

    fn intent(addr: &str, started_at: &str) -> Intent {
        Intent {
            id: String::new(),
            addr: addr.parse().expect("address"),
            provider: snapform_core::ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            operation: Operation::Create,
            arguments: Default::default(),
            started_at: started_at.to_owned(),
            sensitive: Default::default(),
        }
    }

    #[test]
    fn items_are_kept_by_address_in_order_and_later_ones_win() {
        let items: ByAddr<Intent> = [
            intent("tencentcloud_cbs_disk_backup.b[\"z\"]", "1"),
            intent("tencentcloud_cbs_disk_backup.a", "1"),
            intent("tencentcloud_cbs_disk_backup.b[\"a\"]", "1"),
            intent("tencentcloud_cbs_disk_backup.b[\"z\"]", "2"),
            intent("tencentcloud_cbs_disk_backup.c[0]", "1"),
        ]
        .into_iter()
        .collect();
        let order: Vec<String> = items.iter().map(|item| item.addr.to_string()).collect();
        assert_eq!(
            order,
            [
                "tencentcloud_cbs_disk_backup.a",
                "tencentcloud_cbs_disk_backup.b[\"a\"]",
                "tencentcloud_cbs_disk_backup.b[\"z\"]",
                "tencentcloud_cbs_disk_backup.c[0]",
            ]
        );
        let z = "tencentcloud_cbs_disk_backup.b[\"z\"]"
            .parse()
            .expect("address");
        assert_eq!(
            items.get(&z).map(|item| item.started_at.as_str()),
            Some("2")
        );
        let b = ResourceAddr::new("tencentcloud_cbs_disk_backup", "b");
        assert_eq!(items.instances_of(&b).count(), 2);
        let json = serde_json::to_value(&items).expect("serializes");
        assert_eq!(
            json.as_array().map(Vec::len),
            Some(4),
            "an array, as before"
        );
        let again: ByAddr<Intent> = serde_json::from_value(json).expect("reads back");
        assert_eq!(again, items);
    }

    #[test]
    fn generations_of_an_instance_are_the_plain_one_then_its_ticks_oldest_first() {
        let db = "tencentcloud_cbs_disk_backup.b[\"db\"]";
        let items: ByAddr<Intent> = [
            intent("tencentcloud_cbs_disk_backup.b[\"a\"]", "other key"),
            intent("tencentcloud_cbs_disk_backup.b[\"dbx\"]", "other key"),
            intent("tencentcloud_cbs_disk_backup.c[\"db\"]", "other resource"),
            intent(&format!("{db}@2026-12-02T00:00:00Z"), "second"),
            intent(db, "plain"),
            intent(&format!("{db}@2026-12-01T00:00:00Z"), "first"),
        ]
        .into_iter()
        .collect();
        for from in [db.to_owned(), format!("{db}@2026-12-02T00:00:00Z")] {
            let from: ResourceInstanceAddr = from.parse().expect("address");
            let found: Vec<&str> = items
                .generations_of(&from)
                .map(|item| item.started_at.as_str())
                .collect();
            assert_eq!(found, ["plain", "first", "second"], "from {from}");
        }
    }
}

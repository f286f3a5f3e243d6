//! A collection keyed by resource instance address, for the state's records and intents.
//!
//! The state file lists records as a JSON array in address order, and a state of 100,000
//! records is changed one record at a time during apply: a sorted `Vec` made every insertion
//! move half the records (quadratic over a run), so the records live in a `BTreeMap` and are
//! written and read as the same array as before.

use std::collections::BTreeMap;
use std::collections::btree_map;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use snapform_core::{InstanceKey, ResourceAddr, ResourceInstanceAddr};

/// Something stored at one resource instance address.
pub trait Addressed {
    /// Its address: the key it is stored under.
    fn addr(&self) -> &ResourceInstanceAddr;
}

/// Items of type `T`, at most one per address, iterated in address order.
///
/// Invariant: every item is stored under its own [`Addressed::addr`]; items come in only
/// through [`ByAddr::insert`], [`Extend`] and [`FromIterator`], which keep it.
#[derive(Clone, Debug, PartialEq)]
pub struct ByAddr<T> {
    items: BTreeMap<ResourceInstanceAddr, T>,
}

impl<T> Default for ByAddr<T> {
    fn default() -> ByAddr<T> {
        ByAddr {
            items: BTreeMap::new(),
        }
    }
}

impl<T: Addressed> ByAddr<T> {
    /// An empty collection.
    pub fn new() -> ByAddr<T> {
        ByAddr::default()
    }

    /// The item at `addr`.
    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&T> {
        self.items.get(addr)
    }

    /// Adds `item` at its address; returns the item it replaced.
    pub fn insert(&mut self, item: T) -> Option<T> {
        self.items.insert(item.addr().clone(), item)
    }

    /// Removes and returns the item at `addr`.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<T> {
        self.items.remove(addr)
    }

    /// Every item, in address order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            inner: self.items.values(),
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
            .range(start..)
            .take_while(move |(addr, _)| addr.resource == resource)
            .map(|(_, item)| item)
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
            .range(start..)
            .take_while(move |(addr, _)| addr.resource == resource && addr.key == key)
            .map(|(_, item)| item)
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
    inner: btree_map::Values<'a, ResourceInstanceAddr, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
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

impl<T> IntoIterator for ByAddr<T> {
    type Item = T;
    type IntoIter = btree_map::IntoValues<ResourceInstanceAddr, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_values()
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

/// Later items replace earlier ones at the same address. Built at once, the map's nodes are
/// full, where items inserted in order leave them half empty: a fleet's state read from its
/// file takes a third less memory.
impl<T: Addressed> FromIterator<T> for ByAddr<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> ByAddr<T> {
        // The map sorts its input stably and keeps the last item of equal addresses.
        ByAddr {
            items: items
                .into_iter()
                .map(|item| (item.addr().clone(), item))
                .collect(),
        }
    }
}

/// A JSON array in address order, as the state file has always listed records.
impl<T: Serialize> Serialize for ByAddr<T> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.items.values())
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

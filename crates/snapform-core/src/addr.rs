//! Typed addresses of resources, resource instances and provider configurations.
//!
//! Their `Display` form is what users see and type (`tencentcloud_cbs_disk_backup.nightly["disk-1"]`).

use std::fmt;

use crate::value::quote;

/// A resource block: its type and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    /// The resource type, such as `tencentcloud_cbs_disk_backup`.
    pub type_name: String,
    /// The name given in the block's second label.
    pub name: String,
}

impl ResourceAddr {
    /// The address of resource `type_name.name`.
    pub fn new(type_name: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr {
            type_name: type_name.into(),
            name: name.into(),
        }
    }

    /// The address of one instance of this resource.
    pub fn instance(&self, key: InstanceKey) -> ResourceInstanceAddr {
        ResourceInstanceAddr {
            resource: self.clone(),
            key,
            generation: None,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// Which instance of a resource with `count` or `for_each`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// A resource with neither `count` nor `for_each`.
    None,
    /// `count.index`.
    Int(u64),
    /// `each.key`.
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(index) => write!(f, "[{index}]"),
            InstanceKey::Str(key) => write!(f, "[{}]", quote(key)),
        }
    }
}

/// One instance of a resource, the unit that is created, updated and deleted; or, for a
/// resource with `rotation`, one generation of an instance's series (DESIGN §13), written
/// `ADDR@TICK` with the generation's schedule tick in UTC.
///
/// Addresses order by resource, key, then generation, the plain instance first and
/// generations oldest first, so the generations of a series are one range.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceInstanceAddr {
    /// The resource block.
    pub resource: ResourceAddr,
    /// The instance key.
    pub key: InstanceKey,
    /// The schedule tick of a series' generation; `None` for a plain instance.
    pub generation: Option<jiff::Timestamp>,
}

impl ResourceInstanceAddr {
    /// The generation of this instance's series made for `tick`.
    pub fn generation(&self, tick: jiff::Timestamp) -> ResourceInstanceAddr {
        ResourceInstanceAddr {
            generation: Some(tick),
            ..self.clone()
        }
    }

    /// The instance this address belongs to: itself without its generation.
    pub fn instance(&self) -> ResourceInstanceAddr {
        ResourceInstanceAddr {
            generation: None,
            ..self.clone()
        }
    }

    /// The same address shown without its generation: the instance, as the JSON plan's
    /// `address` field shows it.
    pub fn instance_text(&self) -> String {
        format!("{}{}", self.resource, self.key)
    }
}

impl fmt::Display for ResourceInstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)?;
        if let Some(tick) = &self.generation {
            write!(f, "@{}", tick.strftime("%Y-%m-%dT%H:%M:%SZ"))?;
        }
        Ok(())
    }
}

/// Why an address typed by a user could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrParseError {
    /// The address as typed.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for AddrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid resource address {:?}: {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for AddrParseError {}

impl std::str::FromStr for ResourceInstanceAddr {
    type Err = AddrParseError;

    /// Parses `type.name`, `type.name[3]` and `type.name["key"]`, each with an optional
    /// `@2026-12-05T18:00:00Z` generation.
    fn from_str(whole: &str) -> Result<ResourceInstanceAddr, AddrParseError> {
        let fail = |reason| AddrParseError {
            input: whole.to_owned(),
            reason,
        };
        // A generation follows the closing `]`, or the name when there is no key: an `@`
        // inside a quoted key is part of the key.
        let (input, generation) = match whole.rfind('@') {
            Some(at) if whole[..at].ends_with(']') || !whole[..at].contains('[') => {
                let tick: jiff::Timestamp = whole[at + 1..].parse().map_err(|_| {
                    fail("a generation is an RFC 3339 time, as in ADDR@2026-12-05T18:00:00Z")
                })?;
                (&whole[..at], Some(tick))
            }
            _ => (whole, None),
        };
        let (head, key) = match input.find('[') {
            Some(open) => {
                let inner = input[open..]
                    .strip_prefix('[')
                    .and_then(|rest| rest.strip_suffix(']'))
                    .ok_or_else(|| fail("an index must end with `]`"))?;
                let key =
                    if inner.starts_with('"') {
                        InstanceKey::Str(crate::value::unquote(inner).ok_or_else(|| {
                            fail("a string key must be one quoted string, as `[\"key\"]`")
                        })?)
                    } else {
                        InstanceKey::Int(inner.parse().map_err(|_| {
                            fail("an index must be a whole number or a quoted string")
                        })?)
                    };
                (&input[..open], key)
            }
            None => (input, InstanceKey::None),
        };
        let (type_name, name) = head
            .split_once('.')
            .ok_or_else(|| fail("expected TYPE.NAME"))?;
        if !crate::value::is_identifier(type_name) || !crate::value::is_identifier(name) {
            return Err(fail(
                "expected TYPE.NAME made of letters, digits, `_` and `-`",
            ));
        }
        let mut addr = ResourceAddr::new(type_name, name).instance(key);
        addr.generation = generation;
        Ok(addr)
    }
}

/// A provider configuration: `tencentcloud` or `tencentcloud.alias`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderAddr {
    /// `tencentcloud` or `alicloud`.
    pub name: String,
    /// The `alias` argument of the provider block, if any.
    pub alias: Option<String>,
}

impl ProviderAddr {
    /// The default configuration of provider `name`.
    pub fn default_for(name: impl Into<String>) -> ProviderAddr {
        ProviderAddr {
            name: name.into(),
            alias: None,
        }
    }
}

impl fmt::Display for ProviderAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.alias {
            Some(alias) => write!(f, "{}.{alias}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl std::str::FromStr for ResourceAddr {
    type Err = AddrParseError;

    /// Parses `type.name`.
    fn from_str(input: &str) -> Result<ResourceAddr, AddrParseError> {
        let instance: ResourceInstanceAddr = input.parse()?;
        if instance.key != InstanceKey::None || instance.generation.is_some() {
            return Err(AddrParseError {
                input: input.to_owned(),
                reason: "expected TYPE.NAME without an index",
            });
        }
        Ok(instance.resource)
    }
}

impl std::str::FromStr for ProviderAddr {
    type Err = AddrParseError;

    /// Parses `tencentcloud` and `tencentcloud.alias`.
    fn from_str(input: &str) -> Result<ProviderAddr, AddrParseError> {
        let (name, alias) = match input.split_once('.') {
            Some((name, alias)) => (name, Some(alias)),
            None => (input, None),
        };
        let valid = |part: &str| crate::value::is_identifier(part);
        if !valid(name) || alias.is_some_and(|alias| !valid(alias)) {
            return Err(AddrParseError {
                input: input.to_owned(),
                reason: "expected PROVIDER or PROVIDER.ALIAS",
            });
        }
        Ok(ProviderAddr {
            name: name.to_owned(),
            alias: alias.map(str::to_owned),
        })
    }
}

/// Addresses are written in state and plan files as users write them (`tencentcloud_lighthouse_snapshot.daily["web"]`).
macro_rules! serde_as_text {
    ($($addr:ty),*) => {$(
        impl serde::Serialize for $addr {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                ser.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $addr {
            fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(de)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_text!(ResourceAddr, ResourceInstanceAddr, ProviderAddr);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_display() {
        for text in [
            "a_b.c",
            "a_b.c[3]",
            r#"a_b.c["disk-1"]"#,
            r#"a_b.c["tab\there, \"quoted\" \\ and\nnewline\u0001"]"#,
            r#"a_b.c["web"]@2026-12-05T18:00:00Z"#,
            "a_b.c@2026-12-05T02:00:00Z",
            r#"a_b.c["x@y"]"#,
        ] {
            let addr: ResourceInstanceAddr = text.parse().expect("valid address");
            assert_eq!(addr.to_string(), text);
        }
        assert!("nodot".parse::<ResourceInstanceAddr>().is_err());
        assert!("a.b[x]".parse::<ResourceInstanceAddr>().is_err());
        assert!(r#"a.b["x"y"]"#.parse::<ResourceInstanceAddr>().is_err());
        assert!(r#"a.b["x\q"]"#.parse::<ResourceInstanceAddr>().is_err());
        let key = "tab\t, \"quote\", backslash \\, newline \n, bell \u{7}";
        let addr = ResourceAddr::new("a", "b").instance(InstanceKey::Str(key.to_owned()));
        assert_eq!(addr.to_string().parse::<ResourceInstanceAddr>(), Ok(addr));
    }
}

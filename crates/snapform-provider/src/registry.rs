//! One resource type, one unit (DESIGN §15): a type is one module of its cloud's crate
//! implementing [`ResourceType`] over the cloud's client, listed once in the cloud's registry;
//! [`CloudProvider`] is the one [`Provider`] every cloud shares, dispatching by the registry;
//! [`Cloud`] is the one entry per cloud that the command line and the benchmark loop over.
//!
//! Adding a resource type is one module, one registry line, its schema in snapform-core's
//! catalogue and its emulator handlers; nothing else names the type.

use std::sync::Arc;

use snapform_core::schema::{ProviderSchema, ResourceSchema};

use crate::settings::{CredentialArguments, ProfileReader, ProviderSettings};
use crate::{
    Attributes, BoxFuture, ConflictKey, CreateError, DiscoverFilter, Discovered, Error,
    LookupRequest, PlannedChanges, PreflightProblem, Provider, ReadRequest, ResourceState,
};

/// The behaviour of one resource type over the client `C` of its cloud.
pub trait ResourceType<C>: Send + Sync {
    /// Its schema, from snapform-core's catalogue.
    fn schema(&self) -> &'static ResourceSchema;

    /// Creates one resource; see [`Provider::create`].
    fn create<'a>(
        &'a self,
        client: &'a C,
        arguments: &'a Attributes,
        intent_id: &'a str,
    ) -> BoxFuture<'a, Result<String, CreateError>>;

    /// Reads resources in batches, handing over each state as its page is read; see
    /// [`Provider::read_each`].
    fn read_each<'a>(
        &'a self,
        client: &'a C,
        requests: &'a [ReadRequest<'a>],
        found: &'a mut (dyn FnMut(ResourceState) + Send),
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Changes updatable arguments in place; types whose arguments all force replacement keep
    /// the default, which refuses.
    fn update<'a>(
        &'a self,
        _client: &'a C,
        _id: &'a str,
        _arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let type_name = self.schema().type_name;
        Box::pin(async move {
            Err(Error::unsupported(
                "",
                format!("{type_name} cannot be changed in place"),
            ))
        })
    }

    /// Deletes resources in batches; see [`Provider::delete_many`].
    fn delete_many<'a>(
        &'a self,
        client: &'a C,
        ids: &'a [String],
    ) -> BoxFuture<'a, Vec<(String, Result<(), Error>)>>;

    /// Finds what creates with unknown outcomes made; see [`Provider::lookup_many`].
    fn lookup_many<'a>(
        &'a self,
        client: &'a C,
        requests: &'a [LookupRequest],
    ) -> BoxFuture<'a, Result<Vec<Vec<ResourceState>>, Error>>;

    /// Checks planned creates before any change; see [`Provider::preflight`].
    fn preflight<'a>(
        &'a self,
        client: &'a C,
        planned: &'a PlannedChanges<'a>,
    ) -> BoxFuture<'a, Result<Vec<Vec<PreflightProblem>>, Error>>;

    /// Lists what exists in the cloud, passing to the API the filters it takes; see
    /// [`Provider::discover`]. The caller checks every filter again, so a type may return more
    /// than `filter` asks for, never less.
    fn discover<'a>(
        &'a self,
        client: &'a C,
        filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Discovered, Error>>;

    /// What operations on a resource with these arguments touch, so that two never touch the
    /// same disk, instance or desktop at once. The schema declares the parents; a type with a
    /// rule of its own overrides this.
    fn conflict_keys(&self, arguments: &Attributes) -> Vec<ConflictKey> {
        self.schema()
            .conflict_keys(arguments)
            .into_iter()
            .map(ConflictKey)
            .collect()
    }
}

/// A cloud's resource types, each listed once.
pub type Registry<C> = [&'static dyn ResourceType<C>];

/// The provider of every cloud: the cloud's client and its registry.
pub struct CloudProvider<C: 'static> {
    name: &'static str,
    client: C,
    types: &'static Registry<C>,
}

impl<C: Send + Sync + 'static> CloudProvider<C> {
    /// The provider `name` (`tencentcloud`) serving `types` through `client`.
    pub fn new(name: &'static str, client: C, types: &'static Registry<C>) -> CloudProvider<C> {
        CloudProvider {
            name,
            client,
            types,
        }
    }

    fn resource_type(&self, type_name: &str) -> Result<&'static dyn ResourceType<C>, Error> {
        self.types
            .iter()
            .copied()
            .find(|resource_type| resource_type.schema().type_name == type_name)
            .ok_or_else(|| {
                Error::unsupported(
                    "",
                    format!("the {} provider does not manage {type_name}", self.name),
                )
            })
    }
}

impl<C: Send + Sync + 'static> Provider for CloudProvider<C> {
    fn read_each<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [ReadRequest<'a>],
        found: &'a mut (dyn FnMut(ResourceState) + Send),
    ) -> BoxFuture<'a, Result<(), Error>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.read_each(&self.client, requests, found),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn create<'a>(
        &'a self,
        type_name: &'a str,
        arguments: &'a Attributes,
        intent_id: &'a str,
    ) -> BoxFuture<'a, Result<String, CreateError>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.create(&self.client, arguments, intent_id),
            Err(error) => Box::pin(async move { Err(CreateError::Rejected(error)) }),
        }
    }

    fn update<'a>(
        &'a self,
        type_name: &'a str,
        id: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.update(&self.client, id, arguments),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn delete_many<'a>(
        &'a self,
        type_name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Vec<(String, Result<(), Error>)>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.delete_many(&self.client, ids),
            Err(error) => Box::pin(async move {
                ids.iter()
                    .map(|id| (id.clone(), Err(error.clone())))
                    .collect()
            }),
        }
    }

    fn lookup_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [LookupRequest],
    ) -> BoxFuture<'a, Result<Vec<Vec<ResourceState>>, Error>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.lookup_many(&self.client, requests),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn preflight<'a>(
        &'a self,
        type_name: &'a str,
        planned: &'a PlannedChanges<'a>,
    ) -> BoxFuture<'a, Result<Vec<Vec<PreflightProblem>>, Error>> {
        match self.resource_type(type_name) {
            Ok(resource_type) => resource_type.preflight(&self.client, planned),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    /// The type's listing, narrowed by every filter here and sorted by ID.
    fn discover<'a>(
        &'a self,
        type_name: &'a str,
        filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Discovered, Error>> {
        let resource_type = match self.resource_type(type_name) {
            Ok(resource_type) => resource_type,
            Err(error) => return Box::pin(async move { Err(error) }),
        };
        Box::pin(async move {
            let mut discovered = resource_type.discover(&self.client, filter).await?;
            let schema = resource_type.schema();
            discovered
                .found
                .retain(|state| filter.matches(schema, state));
            discovered
                .left_out
                .retain(|left_out| filter.matches_name(&left_out.name));
            discovered.found.sort_by(|a, b| a.id.cmp(&b.id));
            discovered.found.dedup_by(|a, b| a.id == b.id);
            discovered.left_out.sort_by(|a, b| a.id.cmp(&b.id));
            discovered.left_out.dedup_by(|a, b| a.id == b.id);
            Ok(discovered)
        })
    }
}

/// One cloud, as the command line and the benchmark see it: its provider block, its resource
/// types, where its credentials come from, and how to build a provider.
pub struct Cloud {
    /// The provider block's schema; its `name` is the cloud's (`tencentcloud`).
    pub schema: &'static ProviderSchema,
    /// The resource types it manages.
    pub resource_types: fn() -> Vec<&'static ResourceSchema>,
    /// What its provider block calls the credentials.
    pub credential_arguments: CredentialArguments,
    /// Reads the official CLI's profile (tccli's, aliyun's).
    pub profile: ProfileReader,
    /// How a user sets credentials up with the official CLI, for messages.
    pub profile_hint: &'static str,
    /// Builds a provider for one configuration.
    pub build: fn(ProviderSettings) -> Result<Arc<dyn Provider>, Error>,
}

impl Cloud {
    /// The cloud's name, as provider blocks and resource types are prefixed.
    pub fn name(&self) -> &'static str {
        self.schema.name
    }
}

/// The schemas of a registry's types, for [`Cloud::resource_types`].
pub fn schemas_of<C>(types: &Registry<C>) -> Vec<&'static ResourceSchema> {
    types
        .iter()
        .map(|resource_type| resource_type.schema())
        .collect()
}

/// Declares the unit struct `$name` implementing [`ResourceType`] over `$client` for the
/// schema `$schema`, by the async functions of the module it is invoked in, which keep the
/// trait's names: `create`, `read_each`, `delete_many`, `lookup_many`, `preflight`, `discover`,
/// and `update`
/// when the type has updatable arguments (`resource_type!(Name, Client, &SCHEMA, update)`).
#[macro_export]
macro_rules! resource_type {
    ($name:ident, $client:ty, $schema:expr $(, $update:ident)?) => {
        /// This module's resource type, for its cloud's registry.
        pub struct $name;

        impl $crate::ResourceType<$client> for $name {
            fn schema(&self) -> &'static snapform_core::schema::ResourceSchema {
                $schema
            }

            fn create<'a>(
                &'a self,
                client: &'a $client,
                arguments: &'a $crate::Attributes,
                intent_id: &'a str,
            ) -> $crate::BoxFuture<'a, Result<String, $crate::CreateError>> {
                Box::pin(create(client, arguments, intent_id))
            }

            fn read_each<'a>(
                &'a self,
                client: &'a $client,
                requests: &'a [$crate::ReadRequest<'a>],
                found: &'a mut (dyn FnMut($crate::ResourceState) + Send),
            ) -> $crate::BoxFuture<'a, Result<(), $crate::Error>> {
                Box::pin(read_each(client, requests, found))
            }

            $(
                fn $update<'a>(
                    &'a self,
                    client: &'a $client,
                    id: &'a str,
                    arguments: &'a $crate::Attributes,
                ) -> $crate::BoxFuture<'a, Result<(), $crate::Error>> {
                    Box::pin(update(client, id, arguments))
                }
            )?

            fn delete_many<'a>(
                &'a self,
                client: &'a $client,
                ids: &'a [String],
            ) -> $crate::BoxFuture<'a, Vec<(String, Result<(), $crate::Error>)>> {
                Box::pin(delete_many(client, ids))
            }

            fn lookup_many<'a>(
                &'a self,
                client: &'a $client,
                requests: &'a [$crate::LookupRequest],
            ) -> $crate::BoxFuture<'a, Result<Vec<Vec<$crate::ResourceState>>, $crate::Error>>
            {
                Box::pin(lookup_many(client, requests))
            }

            fn preflight<'a>(
                &'a self,
                client: &'a $client,
                planned: &'a $crate::PlannedChanges<'a>,
            ) -> $crate::BoxFuture<'a, Result<Vec<Vec<$crate::PreflightProblem>>, $crate::Error>>
            {
                Box::pin(preflight(client, planned))
            }

            fn discover<'a>(
                &'a self,
                client: &'a $client,
                filter: &'a $crate::DiscoverFilter,
            ) -> $crate::BoxFuture<'a, Result<$crate::Discovered, $crate::Error>> {
                Box::pin(discover(client, filter))
            }
        }
    };
}

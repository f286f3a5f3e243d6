//! Evaluating a resource's arguments and the outputs again, with the known values of other
//! resources. The planner calls this as it walks the graph, so `after-${x.id}` resolves once
//! `x` is recorded and unchanged, instead of staying unknown until apply.

use std::borrow::Cow;
use std::collections::BTreeMap;

use snapform_core::{Diagnostic, ResourceAddr, Value};

use super::Loader;
use super::outputs::sensitive_output_diagnostic;
use crate::eval::{self, ResourceValues, Scope};
use crate::model::{Config, ResourceInstance};

impl Config {
    /// The instances of the resource at `addr`, their arguments evaluated with `values`.
    pub fn evaluate_resource(
        &self,
        addr: &ResourceAddr,
        values: &dyn ResourceValues,
    ) -> (Vec<ResourceInstance>, Vec<Diagnostic>) {
        self.evaluate_resource_at(addr, values, None)
    }

    /// Like [`Config::evaluate_resource`], with `rotation.time` set to `tick`: the arguments
    /// of the generation a rotated resource makes at that tick.
    pub fn evaluate_resource_at(
        &self,
        addr: &ResourceAddr,
        values: &dyn ResourceValues,
        tick: Option<jiff::Timestamp>,
    ) -> (Vec<ResourceInstance>, Vec<Diagnostic>) {
        let Some(resource) = self.resource(addr) else {
            return (Vec::new(), Vec::new());
        };
        let mut loader = Loader {
            diagnostics: Vec::new(),
            allow_unset_variables: false,
            allow_insecure_http: true,
        };
        let locals = self.locals_with(values, &mut loader);
        let scope = self.scope(resource.span.file, &locals, values);
        let instances = loader.instances(addr, &resource.source, &scope, tick);
        (instances, loader.diagnostics)
    }

    /// Every output's value, evaluated with `values`.
    pub fn evaluate_outputs(
        &self,
        values: &dyn ResourceValues,
    ) -> (Vec<(String, Value)>, Vec<Diagnostic>) {
        let mut loader = Loader {
            diagnostics: Vec::new(),
            allow_unset_variables: false,
            allow_insecure_http: true,
        };
        let locals = self.locals_with(values, &mut loader);
        let mut outputs = Vec::with_capacity(self.context.outputs.len());
        for (name, file, expr) in &self.context.outputs {
            let scope = self.scope(*file, &locals, values);
            match eval::evaluate(expr, &scope) {
                Ok(value) => {
                    // Values read from other resources can be sensitive only now; an output
                    // that holds them must say so, as at load time.
                    let (value, marked) = value.unmark_deep();
                    if let Some(output) = self.outputs.iter().find(|output| &output.name == name)
                        && marked
                        && !output.sensitive
                    {
                        loader
                            .diagnostics
                            .push(sensitive_output_diagnostic(name, output.span));
                    }
                    outputs.push((name.clone(), value));
                }
                Err(diagnostic) => loader.diagnostics.push(*diagnostic),
            }
        }
        (outputs, loader.diagnostics)
    }

    fn scope<'a>(
        &'a self,
        file: snapform_core::FileId,
        locals: &'a BTreeMap<String, Value>,
        values: &'a dyn ResourceValues,
    ) -> Scope<'a> {
        Scope::new(
            file,
            &self.context.variables,
            locals,
            &self.context.declared_locals,
            &self.context.resources,
            &self.context.workspace,
        )
        .with_values(values)
    }

    /// The locals, with those that read resources evaluated again with `values`.
    fn locals_with(
        &self,
        values: &dyn ResourceValues,
        loader: &mut Loader,
    ) -> Cow<'_, BTreeMap<String, Value>> {
        if self.context.resource_locals.is_empty() {
            return Cow::Borrowed(&self.context.locals);
        }
        let mut locals = self.context.locals.clone();
        for (name, file, expr) in &self.context.resource_locals {
            let value = {
                let scope = self.scope(*file, &locals, values);
                eval::evaluate(expr, &scope)
            };
            match value {
                Ok(value) => {
                    locals.insert(name.clone(), value);
                }
                Err(diagnostic) => loader.diagnostics.push(*diagnostic),
            }
        }
        Cow::Owned(locals)
    }
}

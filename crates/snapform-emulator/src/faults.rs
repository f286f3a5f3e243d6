//! Fault injection: which API answers go wrong, and how.
//!
//! Every API request (never a `/_emulator/` route) takes exactly three draws from one seeded
//! generator, so a given seed and request order give the same faults every run:
//! the first picks at most one exclusive fault by cumulative bands (`reset`, `5xx`, `throttle`,
//! `busy`, `lost`, in that order), the second picks `InternalError` or `ServiceUnavailable` for a
//! `5xx`, the third decides the added latency. `busy` and `lost` only apply to actions that change
//! something (create, delete, modify); drawn for a read they do nothing.
//!
//! The `--faults` SPEC is a comma-separated list of `kind=rate`:
//! `5xx=0.05,throttle=0.05,busy=0.05,reset=0.02,lost=0.02,latency=0.1:200ms`.
//! `latency` takes `rate:duration` (a bare rate means 200ms). `none` or an empty SPEC turns
//! everything off. The exclusive rates must add up to at most 1.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::duration::parse_duration;
use crate::error::Error;

const DEFAULT_FAULT_LATENCY: Duration = Duration::from_millis(200);

/// Rates (0 to 1) of each fault kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaultConfig {
    /// `InternalError` (500) or `ServiceUnavailable` (503; Tencent answers both in its envelope).
    #[serde(rename = "5xx")]
    pub server_error: f64,
    /// The throttling answer, counted in stats like a real throttle.
    pub throttle: f64,
    /// The action's busy code, for create/delete/modify actions.
    pub busy: f64,
    /// The connection is closed before the action runs; no answer.
    pub reset: f64,
    /// The action runs and persists, then the connection is closed; no answer.
    pub lost: f64,
    /// Rate of the added latency.
    pub latency: f64,
    /// How much latency a `latency` fault adds, in milliseconds.
    pub latency_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            server_error: 0.0,
            throttle: 0.0,
            busy: 0.0,
            reset: 0.0,
            lost: 0.0,
            latency: 0.0,
            latency_ms: duration_ms(DEFAULT_FAULT_LATENCY),
        }
    }
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl FaultConfig {
    /// Parses the `--faults` SPEC (see the module documentation).
    pub fn parse_spec(spec: &str) -> Result<Self, Error> {
        let mut config = FaultConfig::default();
        let spec = spec.trim();
        if spec.is_empty() || spec == "none" {
            return Ok(config);
        }
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (kind, value) = item
                .split_once('=')
                .ok_or_else(|| Error::InvalidFaults(format!("`{item}` is not kind=rate")))?;
            if kind.trim() == "latency" {
                let (rate, amount) = match value.split_once(':') {
                    Some((rate, amount)) => (rate, Some(amount)),
                    None => (value, None),
                };
                config.latency = parse_rate(kind, rate)?;
                if let Some(amount) = amount {
                    let amount = parse_duration(amount)
                        .map_err(|_| Error::InvalidFaults(format!("bad latency `{amount}`")))?;
                    config.latency_ms = duration_ms(amount);
                }
            } else {
                let rate = parse_rate(kind, value)?;
                *config.rate_mut(kind.trim())? = rate;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Parses the JSON body of `POST /_emulator/faults`: either `{"spec": "..."}` or an object
    /// with the SPEC's kinds as keys (`"latency"` a rate or `"rate:duration"`, `"latency_ms"`).
    /// A `"seed"` key is allowed and ignored here (the caller reseeds).
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let object = value
            .as_object()
            .ok_or_else(|| Error::InvalidFaults("expected a JSON object".to_owned()))?;
        if let Some(spec) = object.get("spec") {
            let spec = spec
                .as_str()
                .ok_or_else(|| Error::InvalidFaults("`spec` must be a string".to_owned()))?;
            return Self::parse_spec(spec);
        }
        let mut config = FaultConfig::default();
        for (key, value) in object {
            match key.as_str() {
                "seed" => {}
                "latency_ms" => {
                    config.latency_ms = value.as_u64().ok_or_else(|| {
                        Error::InvalidFaults("`latency_ms` must be an integer".to_owned())
                    })?;
                }
                "latency" => match value {
                    Value::String(text) => {
                        let parsed = Self::parse_spec(&format!("latency={text}"))?;
                        config.latency = parsed.latency;
                        config.latency_ms = parsed.latency_ms;
                    }
                    _ => config.latency = json_rate(key, value)?,
                },
                kind => *config.rate_mut(kind)? = json_rate(key, value)?,
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// True when no fault can happen.
    pub fn is_off(&self) -> bool {
        self.server_error == 0.0
            && self.throttle == 0.0
            && self.busy == 0.0
            && self.reset == 0.0
            && self.lost == 0.0
            && self.latency == 0.0
    }

    fn rate_mut(&mut self, kind: &str) -> Result<&mut f64, Error> {
        Ok(match kind {
            "5xx" | "server_error" => &mut self.server_error,
            "throttle" => &mut self.throttle,
            "busy" => &mut self.busy,
            "reset" => &mut self.reset,
            "lost" => &mut self.lost,
            other => {
                return Err(Error::InvalidFaults(format!(
                    "unknown fault kind `{other}`"
                )));
            }
        })
    }

    fn validate(&self) -> Result<(), Error> {
        let exclusive = self.server_error + self.throttle + self.busy + self.reset + self.lost;
        if exclusive > 1.0 + 1e-9 {
            return Err(Error::InvalidFaults(format!(
                "the rates of 5xx, throttle, busy, reset and lost add up to {exclusive}, more than 1"
            )));
        }
        Ok(())
    }
}

fn parse_rate(kind: &str, value: &str) -> Result<f64, Error> {
    let rate: f64 = value
        .trim()
        .parse()
        .map_err(|_| Error::InvalidFaults(format!("bad rate `{value}` for `{kind}`")))?;
    check_rate(kind, rate)
}

fn json_rate(kind: &str, value: &Value) -> Result<f64, Error> {
    let rate = value
        .as_f64()
        .ok_or_else(|| Error::InvalidFaults(format!("`{kind}` must be a number")))?;
    check_rate(kind, rate)
}

fn check_rate(kind: &str, rate: f64) -> Result<f64, Error> {
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(Error::InvalidFaults(format!(
            "rate {rate} for `{kind}` is not between 0 and 1"
        )))
    }
}

/// What goes wrong with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Reset,
    ServerError { unavailable: bool },
    Throttle,
    Busy,
    Lost,
}

impl Fault {
    /// The name used in stats.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Reset => "reset",
            Fault::ServerError { .. } => "5xx",
            Fault::Throttle => "throttle",
            Fault::Busy => "busy",
            Fault::Lost => "lost",
        }
    }
}

/// The fault configuration plus its seeded generator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    config: FaultConfig,
    rng: StdRng,
}

impl FaultInjector {
    pub(crate) fn new(config: FaultConfig, seed: u64) -> Self {
        Self {
            config,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub(crate) fn config(&self) -> FaultConfig {
        self.config
    }

    /// Replaces the rates; with a seed, also restarts the generator.
    pub(crate) fn set(&mut self, config: FaultConfig, seed: Option<u64>) {
        self.config = config;
        if let Some(seed) = seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
    }

    /// Draws the fault and the added latency of one API request.
    pub(crate) fn draw(&mut self, mutating: bool) -> (Fault, Duration) {
        if self.config.is_off() {
            return (Fault::None, Duration::ZERO);
        }
        let pick: f64 = self.rng.random();
        let flavour: bool = self.rng.random();
        let slow: f64 = self.rng.random();
        let config = &self.config;
        let bands = [
            (config.reset, Fault::Reset),
            (
                config.server_error,
                Fault::ServerError {
                    unavailable: flavour,
                },
            ),
            (config.throttle, Fault::Throttle),
            (config.busy, Fault::Busy),
            (config.lost, Fault::Lost),
        ];
        let mut upper = 0.0;
        let mut fault = Fault::None;
        for (rate, candidate) in bands {
            upper += rate;
            if pick < upper {
                fault = candidate;
                break;
            }
        }
        if !mutating && matches!(fault, Fault::Busy | Fault::Lost) {
            fault = Fault::None;
        }
        let latency = if slow < config.latency {
            Duration::from_millis(config.latency_ms)
        } else {
            Duration::ZERO
        };
        (fault, latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_round_trip() {
        let config = FaultConfig::parse_spec(
            "5xx=0.05,throttle=0.05,busy=0.05,reset=0.02,lost=0.02,latency=0.1:200ms",
        )
        .expect("valid spec");
        assert_eq!(config.server_error, 0.05);
        assert_eq!(config.lost, 0.02);
        assert_eq!(config.latency, 0.1);
        assert_eq!(config.latency_ms, 200);
        let json = serde_json::to_value(config).expect("serialise");
        assert_eq!(FaultConfig::from_json(&json).expect("json form"), config);
        let spec = serde_json::json!({"spec": "throttle=1"});
        assert_eq!(
            FaultConfig::from_json(&spec).expect("spec form").throttle,
            1.0
        );
        let mixed = serde_json::json!({"reset": 0.5, "latency": "0.5:1s"});
        let mixed = FaultConfig::from_json(&mixed).expect("mixed form");
        assert_eq!(
            (mixed.reset, mixed.latency, mixed.latency_ms),
            (0.5, 0.5, 1000)
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        for spec in [
            "5xx",
            "5xx=2",
            "explode=0.1",
            "5xx=0.6,reset=0.6",
            "latency=0.1:soon",
        ] {
            assert!(FaultConfig::parse_spec(spec).is_err(), "{spec}");
        }
        assert!(FaultConfig::parse_spec("none").expect("none").is_off());
    }

    #[test]
    fn draws_are_reproducible_and_near_their_rates() {
        let config = FaultConfig::parse_spec("5xx=0.2,reset=0.1,latency=0.5").expect("spec");
        let run = |seed| {
            let mut injector = FaultInjector::new(config, seed);
            (0..2000).map(|_| injector.draw(true)).collect::<Vec<_>>()
        };
        let first = run(7);
        assert_eq!(first, run(7));
        assert_ne!(first, run(8));
        let errors = first
            .iter()
            .filter(|(fault, _)| matches!(fault, Fault::ServerError { .. }))
            .count();
        let resets = first
            .iter()
            .filter(|(fault, _)| *fault == Fault::Reset)
            .count();
        assert!((300..500).contains(&errors), "{errors}");
        assert!((120..280).contains(&resets), "{resets}");
    }

    #[test]
    fn reads_never_get_busy_or_lost() {
        let config = FaultConfig::parse_spec("busy=0.5,lost=0.5").expect("spec");
        let mut injector = FaultInjector::new(config, 1);
        assert!((0..200).all(|_| injector.draw(false).0 == Fault::None));
    }
}

//! Tenant templates (`tenants/*.toml`), compiled into the binary so that a deployment cannot drift from them.

use std::{collections::BTreeMap, sync::LazyLock};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub name: String,
    pub kind: String,
    pub time_zone: String,
    pub features: Vec<String>,
    /// Settings that later domains add (booking rules, tariffs), kept as TOML until their issue types them.
    #[serde(flatten)]
    pub settings: BTreeMap<String, toml::Value>,
}

const SOURCES: &[(&str, &str)] =
    &[("massage", include_str!("../../tenants/massage.toml")), ("water", include_str!("../../tenants/water.toml"))];

/// The template of this name, or `None` if there is none.
pub fn find(name: &str) -> Option<&'static Template> {
    static PARSED: LazyLock<Vec<(&str, Template)>> =
        LazyLock::new(|| SOURCES.iter().map(|(n, text)| (*n, parse(text))).collect());
    PARSED.iter().find(|(n, _)| *n == name).map(|(_, t)| t)
}

pub fn names() -> Vec<&'static str> {
    SOURCES.iter().map(|(n, _)| *n).collect()
}

fn parse(text: &str) -> Template {
    toml::from_str(text).expect("tenant templates are checked by a unit test")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses_with_a_known_time_zone() {
        for (name, text) in super::SOURCES {
            let t = super::parse(text);
            assert_eq!(&t.kind, name);
            assert!(t.time_zone.parse::<chrono_tz::Tz>().is_ok(), "{name}: {}", t.time_zone);
        }
    }
}

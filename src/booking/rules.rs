//! A tenant's booking rules, from its template's `[booking]` table; defaults where it says nothing.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::kernel::{TenantInfo, template};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingRules {
    /// Slot grid.
    pub slot_minutes: i64,
    /// Rest a therapist gets after each booking.
    pub buffer_minutes: i64,
    /// The earliest start is this long from now.
    pub lead_minutes: i64,
    /// The latest date is this many days ahead.
    pub horizon_days: i64,
    /// An unpaid order holds its slot this long, then expires.
    pub payment_minutes: i64,
    /// A consumer may cancel with a full refund until this long before the start.
    pub cancel_cutoff_hours: i64,
    /// After the cut-off, this share of what was paid is refunded.
    pub late_refund_percent: i64,
    /// Paid orders are confirmed without waiting for the shop.
    pub auto_confirm: bool,
}

impl Default for BookingRules {
    fn default() -> Self {
        BookingRules {
            slot_minutes: 15,
            buffer_minutes: 10,
            lead_minutes: 30,
            horizon_days: 14,
            payment_minutes: 15,
            cancel_cutoff_hours: 2,
            late_refund_percent: 50,
            auto_confirm: false,
        }
    }
}

impl BookingRules {
    /// Worked out once per template: availability asks on every request.
    pub fn for_tenant(t: &TenantInfo) -> BookingRules {
        static BY_TEMPLATE: LazyLock<Vec<(&str, BookingRules)>> = LazyLock::new(|| {
            let rules = |name| {
                template::find(name)
                    .and_then(|tpl| tpl.settings.get("booking").cloned())
                    .and_then(|v| v.try_into().ok())
                    .unwrap_or_default()
            };
            template::names().into_iter().map(|name| (name, rules(name))).collect()
        });
        BY_TEMPLATE.iter().find(|(name, _)| *name == t.template).map(|(_, r)| r.clone()).unwrap_or_default()
    }
}

pub use super::entity::order::RefundPolicy;

impl From<&BookingRules> for RefundPolicy {
    fn from(r: &BookingRules) -> Self {
        RefundPolicy { cancel_cutoff_hours: r.cancel_cutoff_hours, late_refund_percent: r.late_refund_percent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_massage_template_states_its_rules() {
        let tpl = template::find("massage").unwrap();
        let rules: BookingRules = tpl.settings["booking"].clone().try_into().unwrap();
        assert_eq!(rules, BookingRules::default());
    }
}

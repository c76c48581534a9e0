//! A day's free slots answered without the executor (`graphql::direct`): every booking of a tenant moves its
//! free slots to new cache keys, so most of these answers are computed, and a day holds dozens of slots.

use async_graphql::{ID, InputType, Name, ScalarType, Value, parser::types::ExecutableDocument};
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::service;
use crate::graphql::{
    direct::{self, Call, Flat, Root, Sel},
    id_of,
    scalars::Date,
};

/// A document that asks `availableSlots` alone: the fields of each slot, and of its therapist.
pub struct SlotsDocument {
    pub root: Root,
    fields: Vec<(Name, Sel<Flat>)>,
}

impl SlotsDocument {
    pub fn of(doc: &ExecutableDocument, root: Root) -> Option<SlotsDocument> {
        let fields =
            direct::select(doc, &root.field.node.selection_set.node, "AvailableSlot", &["start", "end"], &|f| {
                let therapist = || direct::flat(doc, &f.node.selection_set.node, "SlotTherapist", &["id", "name"]);
                (f.node.name.node == "therapist").then(therapist).flatten()
            })?;
        Some(SlotsDocument { root, fields })
    }

    /// The whole response body, or `None` when the executor must answer (an error among them).
    pub async fn answer(&self, call: &Call<'_>) -> Option<Bytes> {
        let vars = call.variables;
        let shop = <ID as InputType>::parse(self.root.argument("shopId", vars)?).ok()?;
        let service = <ID as InputType>::parse(self.root.argument("serviceItemId", vars)?).ok()?;
        let therapist = <Option<ID> as InputType>::parse(self.root.argument("therapistId", vars)?).ok()?;
        let date = <Date as InputType>::parse(self.root.argument("date", vars)?).ok()?;
        let therapist = therapist.map(|t| id_of(&t, "therapist")).transpose().ok()?;
        let (shop, service) = (id_of(&shop, "shop").ok()?, id_of(&service, "service item").ok()?);
        let slots =
            service::available_slots(call.state, call.who, call.tenant, shop, service, therapist, date.0).await.ok()?;
        // In the tenant's time zone, written as the `DateTime` scalar writes it.
        let local = |t: DateTime<Utc>| ScalarType::to_value(&t.with_timezone(&call.tenant.time_zone).fixed_offset());
        let mut out = self.root.open(256 + 180 * slots.len());
        direct::list(&mut out, &slots, |out, slot| {
            let times = |i| local(if i == 0 { slot.start } else { slot.end });
            direct::write(out, "AvailableSlot", &self.fields, times, |out, therapist| {
                direct::write_flat(out, "SlotTherapist", therapist, |i| match i {
                    0 => Value::from(slot.therapist_id.to_string()),
                    _ => Value::from(slot.therapist_name.as_str()),
                })
            })
        })?;
        Some(Root::close(out))
    }
}

//! A day's free slots answered without the executor (`graphql::direct`): every booking of a tenant moves its
//! free slots to new cache keys, so most of these answers are computed, and a day holds dozens of slots.

use async_graphql::{
    ID, InputType, Name, ScalarType, Value,
    parser::types::{ExecutableDocument, Field},
};
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::service;
use crate::graphql::{
    direct::{self, Call, Root},
    id_of,
    scalars::Date,
};

/// A field of `AvailableSlot` as the document selects it.
enum SlotField {
    Typename,
    Start,
    End,
    Therapist(Vec<(Name, TherapistField)>),
}

/// A field of `SlotTherapist`.
enum TherapistField {
    Typename,
    Id,
    Name,
}

/// A document that asks `availableSlots` alone.
pub struct SlotsDocument {
    pub root: Root,
    fields: Vec<(Name, SlotField)>,
}

impl SlotsDocument {
    pub fn of(doc: &ExecutableDocument, root: Root) -> Option<SlotsDocument> {
        let therapist = |f: &async_graphql::Positioned<Field>| {
            Some(match f.node.name.node.as_str() {
                "__typename" => TherapistField::Typename,
                "id" => TherapistField::Id,
                "name" => TherapistField::Name,
                _ => return None,
            })
        };
        let slot = |f: &async_graphql::Positioned<Field>| {
            Some(match f.node.name.node.as_str() {
                "__typename" => SlotField::Typename,
                "start" => SlotField::Start,
                "end" => SlotField::End,
                "therapist" => {
                    SlotField::Therapist(direct::fields(doc, &f.node.selection_set.node, "SlotTherapist", &therapist)?)
                }
                _ => return None,
            })
        };
        let fields = direct::fields(doc, &root.field.node.selection_set.node, "AvailableSlot", &slot)?;
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
            direct::object(out, &self.fields, |out, field| match field {
                SlotField::Typename => direct::value(out, &Value::from("AvailableSlot")),
                SlotField::Start => direct::value(out, &local(slot.start)),
                SlotField::End => direct::value(out, &local(slot.end)),
                SlotField::Therapist(fields) => direct::object(out, fields, |out, field| match field {
                    TherapistField::Typename => direct::value(out, &Value::from("SlotTherapist")),
                    TherapistField::Id => direct::value(out, &Value::from(slot.therapist_id.to_string())),
                    TherapistField::Name => direct::value(out, &Value::from(slot.therapist_name.as_str())),
                }),
            })
        })?;
        Some(Root::close(out))
    }
}

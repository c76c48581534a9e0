//! `availableSlots` for consumers and anonymous callers, written without the executor (`graphql::direct`): a
//! day's free slots are asked for at a new shop and date by nearly every consumer who books, and are many small
//! objects.

use async_graphql::{ID, ScalarType, futures_util::future::BoxFuture};

use super::{AvailableSlot, SlotTherapist};
use crate::{
    booking::service as booking,
    graphql::{
        direct::{self, Call, Fields, Object, leaf, sub_object},
        id_of,
        scalars::{Bounded, Date},
    },
};

/// `availableSlots(shopId, serviceItemId, therapistId, date)`, as the resolver answers it.
pub fn available_slots<'a>(call: &'a Call<'a>, fields: &'a Fields, out: &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>> {
    Box::pin(async move {
        let date = call.argument::<Date>("date")?.bounded("date").ok()?;
        let therapist = call.argument::<Option<ID>>("therapistId")?;
        let therapist = therapist.map(|t| id_of(&t, "therapist")).transpose().ok()?;
        let shop = id_of(&call.argument::<ID>("shopId")?, "shop").ok()?;
        let service = id_of(&call.argument::<ID>("serviceItemId")?, "service item").ok()?;
        let slots =
            booking::available_slots(call.state, call.who, call.tenant, shop, service, therapist, date.0).await.ok()?;
        let tz = call.tenant.time_zone;
        let slots = slots.into_iter().map(|s| AvailableSlot {
            start: s.start.with_timezone(&tz).fixed_offset(),
            end: s.end.with_timezone(&tz).fixed_offset(),
            therapist: SlotTherapist { id: ID(s.therapist_id.to_string()), name: s.therapist_name },
        });
        direct::list(out, slots, Some(fields))
    })
}

impl Object for AvailableSlot {
    const TYPE: &'static str = "AvailableSlot";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        match name {
            "start" => direct::value(out, &self.start.to_value()),
            "end" => direct::value(out, &self.end.to_value()),
            "therapist" => sub_object(out, &self.therapist, sub),
            _ => None,
        }
    }
}

impl Object for SlotTherapist {
    const TYPE: &'static str = "SlotTherapist";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "id" => leaf(out, self.id.as_str()),
            "name" => leaf(out, &self.name),
            _ => None,
        }
    }
}

//! A day's free slots, as GraphQL objects.

use async_graphql::{ContextSelectionSet, ID, ScalarType, SimpleObject, Value, parser::types::SelectionSet};
use chrono::{DateTime, FixedOffset};

use crate::graphql::plain::{self, Plain};

#[derive(SimpleObject)]
pub struct SlotTherapist {
    pub id: ID,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct AvailableSlot {
    /// In the tenant's time zone.
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// Who would serve (the first free one when the caller asked for any).
    pub therapist: SlotTherapist,
}

// A day's free slots are many: resolved as plain objects (`graphql::plain`), with the derived types' scalars.
impl Plain for AvailableSlot {
    fn field(&self, ctx: &ContextSelectionSet<'_>, name: &str, selection: &SelectionSet) -> Value {
        match name {
            "start" => self.start.to_value(),
            "end" => self.end.to_value(),
            "therapist" => plain::object(&self.therapist, ctx, selection),
            _ => Value::Null,
        }
    }
}

impl Plain for SlotTherapist {
    fn field(&self, _: &ContextSelectionSet<'_>, name: &str, _: &SelectionSet) -> Value {
        match name {
            "id" => self.id.to_value(),
            "name" => self.name.to_value(),
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use chrono::TimeZone;

    use super::*;
    use crate::graphql::plain::PlainList;

    fn slots() -> Vec<AvailableSlot> {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        (0..3)
            .map(|i| AvailableSlot {
                start: tz.with_ymd_and_hms(2030, 1, 2, 10 + i, 0, 0).unwrap(),
                end: tz.with_ymd_and_hms(2030, 1, 2, 11 + i, 15, 0).unwrap(),
                therapist: SlotTherapist { id: ID(format!("t{}", i % 2)), name: format!("张师傅{i}") },
            })
            .collect()
    }

    struct Query;

    #[Object]
    impl Query {
        async fn derived(&self) -> Vec<AvailableSlot> {
            slots()
        }
        async fn plain(&self) -> PlainList<AvailableSlot> {
            PlainList(slots())
        }
    }

    #[tokio::test]
    async fn plain_slots_are_declared_and_answered_as_the_derived_objects() {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let sdl = schema.sdl();
        assert!(sdl.contains("derived: [AvailableSlot!]!") && sdl.contains("plain: [AvailableSlot!]!"), "{sdl}");
        for (selection, fragments) in [
            ("start end therapist { id name }", ""),
            ("__typename from: start to: end who: therapist { __typename id } therapist { name } start", ""),
            (
                "...S therapist { ... on SlotTherapist { name } }",
                "fragment S on AvailableSlot { start therapist { id } }",
            ),
            ("... on AvailableSlot { end } ... { start } therapist { id } therapist { id name } end", ""),
            (
                "who: therapist { id } who: therapist { name } ...W",
                "fragment W on AvailableSlot { who: therapist { id } }",
            ),
        ] {
            let mut answers = vec![];
            for root in ["derived", "plain"] {
                let query = format!("{{ {root} {{ {selection} }} }} {fragments}");
                let response = schema.execute(query.as_str()).await;
                assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
                answers.push(response.data.into_json().unwrap()[root].clone());
            }
            let (derived, plain) = (&answers[0], &answers[1]);
            assert_eq!(plain, derived, "{selection}");
            assert_eq!(plain.as_array().map(Vec::len), Some(3));
        }
    }
}

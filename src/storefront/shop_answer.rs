//! `shop`: a published shop's profile answered without the executor (`graphql::direct`). A shop's profile is
//! computed once for each shop before it is cached, and executing it (its therapists, service items and
//! promotions: a few hundred fields) cost four times a cached answer; written here from the published
//! storefront the resolvers read, field by field in the executor's order.

use async_graphql::{
    ID, InputType, Name, Positioned, ScalarType, Value,
    parser::types::{ExecutableDocument, Field},
};
use bytes::Bytes;
use chrono::Utc;

use super::{
    graphql::{AccessibilityFacts, Promotion, Rating, SHOP_PROMOTIONS, ShopStatus, photo, week_out},
    index::TenantIndex,
    profile::{ShopProfile, TherapistProfile},
    service::{self, Gender},
};
use crate::graphql::{
    direct::{self, Call, Flat, Root, Sel},
    id_of,
};

const SHOP: &[&str] =
    &["id", "name", "intro", "address", "district", "phone", "callUrl", "closedDates", "tags", "status"];
const THERAPIST: &[&str] =
    &["id", "shopId", "name", "gender", "title", "yearsOfPractice", "specialties", "intro", "hasOwnSchedule", "active"];
const SERVICE: &[&str] = &["id", "shopId", "name", "description", "category", "durationMinutes", "priceFen", "active"];
pub(super) const PROMOTION: &[&str] = &[
    "id",
    "title",
    "body",
    "kind",
    "percentOff",
    "amountOffFen",
    "startsAt",
    "endsAt",
    "status",
    "shopIds",
    "callUrl",
];
const LOCATION: &[&str] = &["lat", "lng"];
const HOURS: &[&str] = &["weekday", "opens", "closes"];
const ACCESSIBILITY: &[&str] = &["stepFree", "guideDogs", "braillePriceList", "audioPriceList"];
const PHOTO: &[&str] = &["id", "url", "thumbUrl"];
const RATING: &[&str] = &["average", "count"];

/// The fields of `Shop` with a selection of their own.
enum ShopObject {
    Location(Flat),
    OpeningHours(Flat),
    Accessibility(Flat),
    Photos(Flat),
    Rating(Flat),
    Therapists(Therapists),
    Services(Vec<(Name, Sel<Therapists>)>),
    Promotions(Flat),
}

/// The fields of `Therapist` with a selection of their own.
enum TherapistObject {
    Photo(Flat),
    Schedule(Flat),
}

type Therapists = Vec<(Name, Sel<TherapistObject>)>;

/// A document that asks `shop` alone.
pub struct ShopDocument {
    pub root: Root,
    fields: ShopFields,
}

impl ShopDocument {
    pub fn of(doc: &ExecutableDocument, root: Root) -> Option<ShopDocument> {
        let fields = ShopFields::of(doc, &root.field)?;
        Some(ShopDocument { root, fields })
    }

    /// The whole response body, or `None` when the executor must answer (a shop that is not published, an id
    /// that is not one, among them).
    pub async fn answer(&self, call: &Call<'_>) -> Option<Bytes> {
        let id = <ID as InputType>::parse(self.root.argument("id", call.variables)?).ok()?;
        let id = id_of(&id, "shop").ok()?;
        let index = call.state.storefront.get(call.state, call.tenant).await.ok()?;
        let mut out = self.root.open(8192);
        self.fields.write(&mut out, &index, call, index.shop(id)?)?;
        Some(Root::close(out))
    }
}

/// The selection of a `Shop` field in a document, as the writer writes it.
pub struct ShopFields(Vec<(Name, Sel<ShopObject>)>);

impl ShopFields {
    /// `None` when the executor must resolve it (see `graphql::direct`).
    pub fn of(doc: &ExecutableDocument, field: &Positioned<Field>) -> Option<ShopFields> {
        let flat = |f: &Positioned<Field>, ty, plain| direct::flat(doc, &f.node.selection_set.node, ty, plain);
        let therapists = |f: &Positioned<Field>| {
            direct::select(
                doc,
                &f.node.selection_set.node,
                "Therapist",
                THERAPIST,
                &|f| match f.node.name.node.as_str() {
                    "photo" => flat(f, "Photo", PHOTO).map(TherapistObject::Photo),
                    "schedule" => flat(f, "OpeningHours", HOURS).map(TherapistObject::Schedule),
                    _ => None,
                },
            )
        };
        let services = |f: &Positioned<Field>| {
            direct::select(doc, &f.node.selection_set.node, "ServiceItem", SERVICE, &|f| {
                (f.node.name.node == "therapists").then(|| therapists(f)).flatten()
            })
        };
        let fields = direct::select(doc, &field.node.selection_set.node, "Shop", SHOP, &|f| {
            Some(match f.node.name.node.as_str() {
                "location" => ShopObject::Location(flat(f, "Location", LOCATION)?),
                "openingHours" => ShopObject::OpeningHours(flat(f, "OpeningHours", HOURS)?),
                "accessibility" => ShopObject::Accessibility(flat(f, "AccessibilityFacts", ACCESSIBILITY)?),
                "photos" => ShopObject::Photos(flat(f, "Photo", PHOTO)?),
                "rating" => ShopObject::Rating(flat(f, "Rating", RATING)?),
                "therapists" => ShopObject::Therapists(therapists(f)?),
                "services" => ShopObject::Services(services(f)?),
                "promotions" => ShopObject::Promotions(flat(f, "Promotion", PROMOTION)?),
                _ => return None,
            })
        })?;
        Some(ShopFields(fields))
    }

    /// Writes the published `shop` of `index`, the storefront the request reads.
    pub fn write(&self, out: &mut Vec<u8>, index: &TenantIndex, call: &Call<'_>, shop: &ShopProfile) -> Option<()> {
        Page { index, call }.shop(out, shop, &self.0)
    }
}

/// What the fields of a published shop are read from.
struct Page<'a> {
    index: &'a TenantIndex,
    call: &'a Call<'a>,
}

fn id(id: impl ToString) -> Value {
    Value::String(id.to_string())
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::from(s.as_str())).collect())
}

fn optional<T>(v: Option<T>, value: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Null, value)
}

impl Page<'_> {
    fn shop(&self, out: &mut Vec<u8>, shop: &ShopProfile, fields: &[(Name, Sel<ShopObject>)]) -> Option<()> {
        let m = &shop.model;
        let slug = &self.call.tenant.slug;
        let plain = |i| match i {
            0 => id(m.id),
            1 => Value::from(m.name.as_str()),
            2 => Value::from(m.intro.as_str()),
            3 => Value::from(m.address.as_str()),
            4 => Value::from(m.district.as_str()),
            5 => Value::from(m.phone.as_str()),
            6 => Value::from(service::call_url(&m.phone)),
            7 => strings(&shop.closed_dates),
            8 => strings(&shop.tags),
            _ => ShopStatus::of(m).to_value(),
        };
        direct::write(out, "Shop", fields, plain, |out, object| match object {
            ShopObject::Location(f) => {
                direct::write_flat(out, "Location", f, |i| ScalarType::to_value(if i == 0 { &m.lat } else { &m.lng }))
            }
            ShopObject::OpeningHours(f) => hours(out, f, &shop.hours),
            ShopObject::Accessibility(f) => {
                let a = AccessibilityFacts::of(m);
                let facts = [a.step_free, a.guide_dogs, a.braille_price_list, a.audio_price_list];
                direct::write_flat(out, "AccessibilityFacts", f, |i| Value::from(facts[i]))
            }
            ShopObject::Photos(f) => direct::list(out, &shop.photo_ids, |out, p| {
                let p = photo(slug, p);
                direct::write_flat(out, "Photo", f, |i| photo_field(&p, i))
            }),
            ShopObject::Rating(f) => {
                let r = Rating::of(m);
                direct::write_flat(out, "Rating", f, |i| match i {
                    0 => optional(r.average, |a| ScalarType::to_value(&a)),
                    _ => Value::from(r.count),
                })
            }
            ShopObject::Therapists(f) => {
                direct::list(out, self.index.therapists_of(m.id), |out, t| self.therapist(out, t, f))
            }
            ShopObject::Services(f) => direct::list(out, self.index.services_of(m.id), |out, s| {
                let plain = |i| match i {
                    0 => id(s.id),
                    1 => id(s.shop_id),
                    2 => Value::from(s.name.as_str()),
                    3 => Value::from(s.description.as_str()),
                    4 => Value::from(s.category.as_str()),
                    5 => Value::from(s.duration_minutes),
                    6 => Value::from(s.price_fen),
                    _ => Value::from(s.active),
                };
                direct::write(out, "ServiceItem", f, plain, |out, f| {
                    direct::list(out, self.index.performers_of(s.id), |out, t| self.therapist(out, t, f))
                })
            }),
            ShopObject::Promotions(f) => {
                let rows = self.index.promotions(Some(m.id), None, SHOP_PROMOTIONS as usize, Utc::now()).ok()?;
                let tz = self.call.tenant.time_zone;
                direct::list(out, rows, |out, row| {
                    let p = Promotion::of(row, tz);
                    direct::write_flat(out, "Promotion", f, |i| promotion_field(&p, i))
                })
            }
        })
    }

    fn therapist(&self, out: &mut Vec<u8>, t: &TherapistProfile, fields: &Therapists) -> Option<()> {
        let m = &t.model;
        let plain = |i| match i {
            0 => id(m.id),
            1 => id(m.shop_id),
            2 => Value::from(m.name.as_str()),
            3 => Gender::parse(&m.gender).to_value(),
            4 => Value::from(m.title.as_str()),
            5 => Value::from(m.years_of_practice),
            6 => strings(&t.specialties),
            7 => Value::from(m.intro.as_str()),
            8 => Value::from(t.schedule.is_some()),
            _ => Value::from(m.active),
        };
        direct::write(out, "Therapist", fields, plain, |out, object| match object {
            TherapistObject::Photo(f) => match m.photo_id {
                None => direct::value(out, &Value::Null),
                Some(p) => {
                    let p = photo(&self.call.tenant.slug, &p.to_string());
                    direct::write_flat(out, "Photo", f, |i| photo_field(&p, i))
                }
            },
            // Their own hours, or else their shop's.
            TherapistObject::Schedule(f) => match &t.schedule {
                Some(week) => hours(out, f, week),
                None => hours(out, f, &self.index.shop(m.shop_id)?.hours),
            },
        })
    }
}

fn hours(out: &mut Vec<u8>, fields: &Flat, week: &super::hours::Week) -> Option<()> {
    direct::list(out, week_out(week), |out, h| {
        direct::write_flat(out, "OpeningHours", fields, |i| match i {
            0 => Value::from(h.weekday),
            1 => Value::from(h.opens.as_str()),
            _ => Value::from(h.closes.as_str()),
        })
    })
}

fn photo_field(p: &super::graphql::Photo, i: usize) -> Value {
    match i {
        0 => Value::from(p.id.as_str()),
        1 => Value::from(p.url.as_str()),
        _ => Value::from(p.thumb_url.as_str()),
    }
}

pub(super) fn promotion_field(p: &Promotion, i: usize) -> Value {
    match i {
        0 => Value::from(p.id.as_str()),
        1 => Value::from(p.title.as_str()),
        2 => Value::from(p.body.as_str()),
        3 => p.kind.to_value(),
        4 => optional(p.percent_off, Value::from),
        5 => optional(p.amount_off_fen, Value::from),
        6 => ScalarType::to_value(&p.starts_at),
        7 => ScalarType::to_value(&p.ends_at),
        8 => p.status.to_value(),
        9 => Value::List(p.shop_ids.iter().map(|s| Value::from(s.as_str())).collect()),
        _ => optional(p.call_url.as_deref(), Value::from),
    }
}

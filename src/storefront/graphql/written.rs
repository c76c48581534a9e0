//! `shop`, `promotions` and `nearestShops` for consumers and anonymous callers, written without the executor
//! (`graphql::direct`) from the published storefront the resolvers read: each object's fields by name, as the
//! resolvers of this module's siblings make them.

use async_graphql::{ID, InputType, ScalarType, futures_util::future::BoxFuture};
use chrono::{DateTime, Utc};

use super::{
    promotion::Promotion,
    shop::{AccessibilityFacts, Rating, SHOP_PROMOTIONS, ShopStatus},
    values::{GeoPointInput, Location, OpeningHours, Photo, photo, week_out},
};
use crate::{
    graphql::{
        direct::{self, Call, Fields, Object, leaf, list, sub_object},
        id_of,
        pagination::Page,
        response_cache::FixedDocument,
    },
    storefront::{
        card::CardKey,
        entity::service_item,
        hours::Week,
        index::{self, TenantIndex},
        nearest,
        profile::{ShopProfile, TherapistProfile},
        service::{self, Gender},
    },
};

/// `shop(id)`: a published shop's profile.
pub fn shop<'a>(call: &'a Call<'a>, fields: &'a Fields, out: &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>> {
    Box::pin(async move {
        let id = id_of(&call.argument::<ID>("id")?, "shop").ok()?;
        let index = index::of(call.state).get(call.state, call.tenant).await.ok()?;
        let read = Read { index: &index, slug: &call.tenant.slug, tz: call.tenant.time_zone, now: call.state.now() };
        direct::object(out, &ShopOut { read: &read, p: index.shop(id)? }, fields)
    })
}

/// `promotions(shopId, first, after)`: the running promotions of the tenant or of one published shop.
pub fn promotions<'a>(call: &'a Call<'a>, fields: &'a Fields, out: &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>> {
    Box::pin(async move {
        let shop = call.argument::<Option<ID>>("shopId")?;
        let page = Page::parse(call.argument("first")?, call.argument("after")?).ok()?;
        let shop = shop.map(|s| id_of(&s, "shop")).transpose().ok()?;
        let index = index::of(call.state).get(call.state, call.tenant).await.ok()?;
        let rows = index.promotions(shop, page.after, page.fetch() as usize, call.state.now()).ok()?;
        let tz = call.tenant.time_zone;
        // The page as the resolver makes it.
        let conn = page.connection(rows.into_iter().map(|r| (r.model.id, Promotion::of(r, tz))).collect());
        direct::object(out, &Connection(&conn), fields)
    })
}

/// `nearestShops(near, radiusMeters, first)`: the published shops nearest a point, nearest first.
pub fn nearest_shops<'a>(call: &'a Call<'a>, fields: &'a Fields, out: &'a mut Vec<u8>) -> BoxFuture<'a, Option<()>> {
    Box::pin(async move {
        let near = call.argument::<GeoPointInput>("near")?;
        let (radius, first) = (call.argument::<f64>("radiusMeters")?, call.argument::<Option<i32>>("first")?);
        let (index, shops) = nearest::nearest_shops(call.state, call.tenant, &near, radius, first).await.ok()?;
        let read = Read { index: &index, slug: &call.tenant.slug, tz: call.tenant.time_zone, now: call.state.now() };
        let near = shops.iter().map(|(p, meters)| ShopDistance {
            shop: ShopOut { read: &read, p },
            meters: *meters,
            document: call.document,
            consumer: call.consumer,
        });
        direct::list(out, near, Some(fields))
    })
}

struct ShopDistance<'a> {
    shop: ShopOut<'a>,
    meters: f64,
    document: FixedDocument,
    consumer: bool,
}

impl Object for ShopDistance<'_> {
    const TYPE: &'static str = "ShopDistance";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        match name {
            "distanceMeters" => direct::value(out, &ScalarType::to_value(&self.meters)),
            "shop" => self.card(out, sub?),
            _ => None,
        }
    }
}

impl ShopDistance<'_> {
    /// The shop's card as written the first time this selection of this document asked for it (`card`).
    fn card(&self, out: &mut Vec<u8>, sub: &Fields) -> Option<()> {
        let key = CardKey::at(self.document, sub.at, self.consumer);
        let cards = &self.shop.p.cards;
        match cards.json(&key) {
            Some(card) => out.extend_from_slice(&card),
            None => {
                let start = out.len();
                direct::object(out, &self.shop, sub)?;
                cards.put_json(key, &out[start..], self.shop.read.now);
            }
        }
        Some(())
    }
}

/// What the fields of a published shop are read from.
struct Read<'a> {
    index: &'a TenantIndex,
    slug: &'a str,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
}

struct ShopOut<'a> {
    read: &'a Read<'a>,
    p: &'a ShopProfile,
}

impl Object for ShopOut<'_> {
    const TYPE: &'static str = "Shop";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        let (m, read) = (&self.p.model, self.read);
        match name {
            "id" => leaf(out, &m.id.to_string()),
            "name" => leaf(out, &m.name),
            "intro" => leaf(out, &m.intro),
            "address" => leaf(out, &m.address),
            "district" => leaf(out, &m.district),
            "phone" => leaf(out, &m.phone),
            "callUrl" => leaf(out, &service::call_url(&m.phone)),
            "closedDates" => leaf(out, &self.p.closed_dates),
            "tags" => leaf(out, &self.p.tags),
            "status" => direct::value(out, &InputType::to_value(&ShopStatus::of(m))),
            "location" => sub_object(out, &Location { lat: m.lat, lng: m.lng }, sub),
            "openingHours" => hours(out, &self.p.hours, sub),
            "accessibility" => sub_object(out, &AccessibilityFacts::of(m), sub),
            "rating" => sub_object(out, &Rating::of(m), sub),
            "photos" => list(out, self.p.photo_ids.iter().map(|p| photo(read.slug, p)), sub),
            "therapists" => list(out, read.index.therapists_of(m.id).iter().map(|t| TherapistOut { read, p: t }), sub),
            "services" => list(out, read.index.services_of(m.id).iter().map(|s| ServiceOut { read, m: s }), sub),
            "promotions" => {
                let rows = read.index.promotions(Some(m.id), None, SHOP_PROMOTIONS as usize, read.now).ok()?;
                list(out, rows.into_iter().map(|r| Promotion::of(r, read.tz)), sub)
            }
            _ => None,
        }
    }
}

struct TherapistOut<'a> {
    read: &'a Read<'a>,
    p: &'a TherapistProfile,
}

impl Object for TherapistOut<'_> {
    const TYPE: &'static str = "Therapist";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        let m = &self.p.model;
        match name {
            "id" => leaf(out, &m.id.to_string()),
            "shopId" => leaf(out, &m.shop_id.to_string()),
            "name" => leaf(out, &m.name),
            "gender" => direct::value(out, &InputType::to_value(&Gender::parse(&m.gender))),
            "title" => leaf(out, &m.title),
            "yearsOfPractice" => leaf(out, &m.years_of_practice),
            "specialties" => leaf(out, &self.p.specialties),
            "intro" => leaf(out, &m.intro),
            "hasOwnSchedule" => leaf(out, &self.p.schedule.is_some()),
            "active" => leaf(out, &m.active),
            "photo" => match m.photo_id {
                None => leaf(out, &()),
                Some(p) => sub_object(out, &photo(self.read.slug, &p.to_string()), sub),
            },
            // Their own hours, or else their shop's.
            "schedule" => match &self.p.schedule {
                Some(week) => hours(out, week, sub),
                None => hours(out, &self.read.index.shop(m.shop_id)?.hours, sub),
            },
            _ => None,
        }
    }
}

struct ServiceOut<'a> {
    read: &'a Read<'a>,
    m: &'a service_item::Model,
}

impl Object for ServiceOut<'_> {
    const TYPE: &'static str = "ServiceItem";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        let (m, read) = (self.m, self.read);
        match name {
            "id" => leaf(out, &m.id.to_string()),
            "shopId" => leaf(out, &m.shop_id.to_string()),
            "name" => leaf(out, &m.name),
            "description" => leaf(out, &m.description),
            "category" => leaf(out, &m.category),
            "durationMinutes" => leaf(out, &m.duration_minutes),
            "priceFen" => leaf(out, &m.price_fen),
            "active" => leaf(out, &m.active),
            "therapists" => list(out, read.index.performers_of(m.id).iter().map(|t| TherapistOut { read, p: t }), sub),
            _ => None,
        }
    }
}

fn hours(out: &mut Vec<u8>, week: &Week, sub: Option<&Fields>) -> Option<()> {
    list(out, week_out(week), sub)
}

impl Object for OpeningHours {
    const TYPE: &'static str = "OpeningHours";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "weekday" => leaf(out, &self.weekday),
            "opens" => leaf(out, &self.opens),
            "closes" => leaf(out, &self.closes),
            _ => None,
        }
    }
}

impl Object for Location {
    const TYPE: &'static str = "Location";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "lat" => direct::value(out, &ScalarType::to_value(&self.lat)),
            "lng" => direct::value(out, &ScalarType::to_value(&self.lng)),
            _ => None,
        }
    }
}

impl Object for AccessibilityFacts {
    const TYPE: &'static str = "AccessibilityFacts";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "stepFree" => leaf(out, &self.step_free),
            "guideDogs" => leaf(out, &self.guide_dogs),
            "braillePriceList" => leaf(out, &self.braille_price_list),
            "audioPriceList" => leaf(out, &self.audio_price_list),
            _ => None,
        }
    }
}

impl Object for Rating {
    const TYPE: &'static str = "Rating";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "average" => {
                direct::value(out, &self.average.map_or(async_graphql::Value::Null, |a| ScalarType::to_value(&a)))
            }
            "count" => leaf(out, &self.count),
            _ => None,
        }
    }
}

impl Object for Photo {
    const TYPE: &'static str = "Photo";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "id" => leaf(out, self.id.as_str()),
            "url" => leaf(out, &self.url),
            "thumbUrl" => leaf(out, &self.thumb_url),
            _ => None,
        }
    }
}

impl Object for Promotion {
    const TYPE: &'static str = "Promotion";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        match name {
            "id" => leaf(out, self.id.as_str()),
            "title" => leaf(out, &self.title),
            "body" => leaf(out, &self.body),
            "kind" => direct::value(out, &InputType::to_value(&self.kind)),
            "percentOff" => leaf(out, &self.percent_off),
            "amountOffFen" => leaf(out, &self.amount_off_fen),
            "startsAt" => direct::value(out, &ScalarType::to_value(&self.starts_at)),
            "endsAt" => direct::value(out, &ScalarType::to_value(&self.ends_at)),
            "status" => direct::value(out, &InputType::to_value(&self.status)),
            "shopIds" => leaf(out, &self.shop_ids.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
            "callUrl" => leaf(out, &self.call_url),
            _ => None,
        }
    }
}

type PromotionConnection = async_graphql::connection::Connection<String, Promotion>;

struct Connection<'a>(&'a PromotionConnection);

impl Object for Connection<'_> {
    const TYPE: &'static str = "PromotionConnection";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        let conn = self.0;
        match name {
            "pageInfo" => sub_object(out, &PageInfo(conn), sub),
            "edges" => list(out, conn.edges.iter().map(Edge), sub),
            "nodes" => list(out, conn.edges.iter().map(|e| &e.node), sub),
            _ => None,
        }
    }
}

struct PageInfo<'a>(&'a PromotionConnection);

impl Object for PageInfo<'_> {
    const TYPE: &'static str = "PageInfo";

    fn field(&self, out: &mut Vec<u8>, name: &str, _: Option<&Fields>) -> Option<()> {
        let conn = self.0;
        match name {
            "hasPreviousPage" => leaf(out, &conn.has_previous_page),
            "hasNextPage" => leaf(out, &conn.has_next_page),
            "startCursor" => leaf(out, &conn.edges.first().map(|e| &e.cursor)),
            "endCursor" => leaf(out, &conn.edges.last().map(|e| &e.cursor)),
            _ => None,
        }
    }
}

struct Edge<'a>(&'a async_graphql::connection::Edge<String, Promotion, async_graphql::connection::EmptyFields>);

impl Object for Edge<'_> {
    const TYPE: &'static str = "PromotionEdge";

    fn field(&self, out: &mut Vec<u8>, name: &str, sub: Option<&Fields>) -> Option<()> {
        match name {
            "cursor" => leaf(out, &self.0.cursor),
            "node" => sub_object(out, &self.0.node, sub),
            _ => None,
        }
    }
}

//! The `Promotion` object and its input.

use async_graphql::{Context, ID, InputObject, SimpleObject};
use chrono::{DateTime, FixedOffset, Utc};

use crate::{
    graphql::context::CtxExt,
    storefront::service::{self, PromotionKind, PromotionRow},
};

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PromotionStatus {
    Draft,
    Published,
}

#[derive(SimpleObject)]
pub struct Promotion {
    pub id: ID,
    pub title: String,
    pub body: String,
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    /// In the tenant's time zone.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub status: PromotionStatus,
    /// The shops (that the caller sees) it runs in.
    pub shop_ids: Vec<ID>,
    /// `tel:` link: the promotion's own number, or else its first shop's.
    pub call_url: Option<String>,
}

impl Promotion {
    pub(super) fn new(ctx: &Context<'_>, row: PromotionRow) -> async_graphql::Result<Promotion> {
        Ok(Promotion::of(row, ctx.tenant()?.time_zone))
    }

    /// With its times in the tenant's time zone `tz`.
    pub(super) fn of(row: PromotionRow, tz: chrono_tz::Tz) -> Promotion {
        let PromotionRow { model: p, shop_ids: shops, call_phone } = row;
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).fixed_offset();
        Promotion {
            id: ID(p.id.to_string()),
            title: p.title,
            body: p.body,
            kind: PromotionKind::parse(&p.kind),
            percent_off: p.percent_off,
            amount_off_fen: p.amount_off_fen,
            starts_at: local(p.starts_at),
            ends_at: local(p.ends_at),
            status: if p.status == service::PUBLISHED { PromotionStatus::Published } else { PromotionStatus::Draft },
            shop_ids: shops.iter().map(|s| ID(s.to_string())).collect(),
            call_url: call_phone.as_deref().map(service::call_url),
        }
    }
}

#[derive(InputObject)]
pub struct CreatePromotionInput {
    pub shop_id: ID,
    /// More shops it runs in.
    #[graphql(default)]
    pub more_shop_ids: Vec<ID>,
    pub title: String,
    pub body: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[graphql(default_with = "PromotionKind::Notice")]
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    /// A number to call about it; the shop's otherwise.
    pub call_phone: Option<String>,
    /// Publish at once (default: a draft).
    #[graphql(default)]
    pub publish: bool,
}

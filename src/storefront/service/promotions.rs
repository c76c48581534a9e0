//! Promotions: offers and notices that run in one or more shops for a while.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{DRAFT, PUBLISHED, View, check_write, parse_phone, text, writable_shop};
use crate::{
    db::TenantTx,
    db::audit_scope,
    error::{AppError, AppResult},
    kernel::{Area, Principal, Shape, TenantId, TenantInfo},
    state::AppState,
    storefront::entity::{promotion, promotion_shop, shop},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum PromotionKind {
    PercentOff,
    AmountOff,
    MembersOnly,
    Notice,
}

impl PromotionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionKind::PercentOff => "PERCENT_OFF",
            PromotionKind::AmountOff => "AMOUNT_OFF",
            PromotionKind::MembersOnly => "MEMBERS_ONLY",
            PromotionKind::Notice => "NOTICE",
        }
    }

    pub fn parse(s: &str) -> PromotionKind {
        match s {
            "PERCENT_OFF" => PromotionKind::PercentOff,
            "AMOUNT_OFF" => PromotionKind::AmountOff,
            "MEMBERS_ONLY" => PromotionKind::MembersOnly,
            _ => PromotionKind::Notice,
        }
    }
}

/// A promotion with the shops (that the caller sees) it runs in, and the number to call about it: its own, or
/// else its first shop's.
#[derive(Clone)]
pub struct PromotionRow {
    pub model: promotion::Model,
    pub shop_ids: Vec<Uuid>,
    pub call_phone: Option<String>,
}

pub struct PromotionFields {
    pub shop_ids: Vec<Uuid>,
    pub title: String,
    pub body: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub kind: PromotionKind,
    pub percent_off: Option<i32>,
    pub amount_off_fen: Option<i64>,
    pub call_phone: Option<String>,
    pub publish: bool,
}

pub async fn create_promotion(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    f: PromotionFields,
) -> AppResult<PromotionRow> {
    if f.shop_ids.is_empty() || f.shop_ids.len() > 200 {
        return Err(AppError::invalid_field("input.shopIds", "a promotion runs in 1-200 shops"));
    }
    if f.starts_at >= f.ends_at {
        return Err(AppError::invalid_field("input.endsAt", "startsAt must come before endsAt"));
    }
    let (percent, amount) = match (f.kind, f.percent_off, f.amount_off_fen) {
        (PromotionKind::PercentOff, Some(p), None) if (1..=99).contains(&p) => (Some(p), None),
        (PromotionKind::AmountOff, None, Some(a)) if (1..=10_000_000).contains(&a) => (None, Some(a)),
        (PromotionKind::MembersOnly | PromotionKind::Notice, None, None) => (None, None),
        _ => {
            return Err(AppError::validation(
                "PERCENT_OFF takes percentOff (1-99), AMOUNT_OFF takes amountOffFen; other kinds take neither",
            ));
        }
    };
    let call_phone = f.call_phone.as_deref().map(parse_phone).transpose().map_err(|_| {
        AppError::invalid_field(
            "input.callPhone",
            "phone must be a telephone number such as 010-64012345 or 13800138000",
        )
    })?;
    let tx = state.db.begin(tenant).await?;
    let mut first_phone = None;
    for shop_id in &f.shop_ids {
        let s = writable_shop(&tx, who, *shop_id).await?;
        first_phone.get_or_insert(s.phone);
    }
    let now = state.now();
    let model = tx
        .insert(promotion::ActiveModel {
            tenant_id: Set(tenant.0),
            id: Set(audit_scope::new_target()),
            title: Set(text("title", &f.title, Shape::line(100))?),
            body: Set(text("body", &f.body, Shape::paragraph(2000).or_empty())?),
            kind: Set(f.kind.as_str().into()),
            percent_off: Set(percent),
            amount_off_fen: Set(amount),
            call_phone: Set(call_phone),
            starts_at: Set(f.starts_at),
            ends_at: Set(f.ends_at),
            status: Set(if f.publish { PUBLISHED } else { DRAFT }.into()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut seen = std::collections::HashSet::new();
    let shop_ids: Vec<Uuid> = f.shop_ids.iter().copied().filter(|s| seen.insert(*s)).collect();
    for shop_id in &shop_ids {
        tx.insert(promotion_shop::ActiveModel {
            tenant_id: Set(tenant.0),
            id: Set(Uuid::now_v7()),
            promotion_id: Set(model.id),
            shop_id: Set(*shop_id),
        })
        .await?;
    }
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    let call_phone = model.call_phone.clone().or(first_phone);
    Ok(PromotionRow { model, shop_ids, call_phone })
}

async fn promotion_shop_ids(tx: &TenantTx, promotion_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(tx
        .all(
            tx.select::<promotion_shop::Entity>()
                .map(|q| q.filter(promotion_shop::Column::PromotionId.eq(promotion_id))),
        )
        .await?
        .into_iter()
        .map(|l| l.shop_id)
        .collect())
}

/// Publishes or withdraws a promotion; the caller must be allowed to change every shop it runs in.
pub async fn set_promotion_status(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    publish: bool,
) -> AppResult<PromotionRow> {
    change_promotion(state, who, tenant, id, |_, row| {
        row.status = Set(if publish { PUBLISHED } else { DRAFT }.into());
        Ok(())
    })
    .await
}

/// Ends a published promotion that is running: it stops now. One not yet started is withdrawn instead
/// (`set_promotion_status`); one not running is refused (`CONFLICT`, reason `PROMOTION_NOT_RUNNING`).
pub async fn end_promotion(state: &AppState, who: &Principal, tenant: TenantId, id: Uuid) -> AppResult<PromotionRow> {
    let now = state.now();
    change_promotion(state, who, tenant, id, |current, row| {
        if current.status != PUBLISHED || current.starts_at >= now || current.ends_at <= now {
            return Err(AppError::conflict_because(
                "PROMOTION_NOT_RUNNING",
                "only a published promotion that is running can be ended",
            ));
        }
        row.ends_at = Set(now);
        Ok(())
    })
    .await
}

/// Changes a promotion by `change`; the caller must be allowed to change every shop it runs in.
async fn change_promotion(
    state: &AppState,
    who: &Principal,
    tenant: TenantId,
    id: Uuid,
    change: impl FnOnce(&promotion::Model, &mut promotion::ActiveModel) -> AppResult<()>,
) -> AppResult<PromotionRow> {
    let tx = state.db.begin(tenant).await?;
    let current = tx.get::<promotion::Entity>(id).await?.ok_or(AppError::NotFound("promotion"))?;
    let shop_ids = promotion_shop_ids(&tx, id).await?;
    for shop_id in &shop_ids {
        check_write(who, *shop_id)
            .map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("promotion") } else { e })?;
    }
    let first_phone = match shop_ids.first() {
        Some(s) => tx.get::<shop::Entity>(*s).await?.map(|s| s.phone),
        None => None,
    };
    let mut row = current.clone().into_active_model();
    change(&current, &mut row)?;
    row.updated_at = Set(state.now());
    let model = tx.update(row).await?;
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    let call_phone = model.call_phone.clone().or(first_phone);
    Ok(PromotionRow { model, shop_ids, call_phone })
}

/// Promotions the caller sees, newest first: for public views, published ones running now in a published
/// shop; for staff, every promotion of the shops they see. `shop` narrows to one shop.
pub async fn promotions(
    state: &AppState,
    view: &View,
    tenant: &TenantInfo,
    shop: Option<Uuid>,
    before: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<PromotionRow>> {
    let now = state.now();
    if view.is_public() {
        return crate::storefront::index::of(state).get(state, tenant).await?.promotions(
            shop,
            before,
            limit as usize,
            now,
        );
    }
    let tx = state.db.read(tenant.id).await?;
    let phones: HashMap<Uuid, String> = tx
        .all(tx.select::<shop::Entity>().map(|q| view.restrict(q)))
        .await?
        .into_iter()
        .map(|s| (s.id, s.phone))
        .collect();
    let wanted: Vec<Uuid> = match shop {
        Some(s) if phones.contains_key(&s) => vec![s],
        Some(_) => return Err(AppError::NotFound("shop")),
        None => phones.keys().copied().collect(),
    };
    let links = tx
        .all(
            tx.select::<promotion_shop::Entity>()
                .map(|q| q.filter(promotion_shop::Column::ShopId.is_in(wanted.clone()))),
        )
        .await?;
    let mut shops_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut links = links;
    links.sort_by_key(|l| l.id);
    for l in links {
        shops_of.entry(l.promotion_id).or_default().push(l.shop_id);
    }
    let ids: Vec<Uuid> = shops_of.keys().copied().collect();
    let public = view.is_public();
    let rows = tx
        .all(tx.select::<promotion::Entity>().map(|q| {
            let mut q = q.filter(promotion::Column::Id.is_in(ids)).order_by_desc(promotion::Column::Id).limit(limit);
            if let Some(b) = before {
                q = q.filter(promotion::Column::Id.lt(b));
            }
            if public {
                q = q
                    .filter(promotion::Column::Status.eq(PUBLISHED))
                    .filter(promotion::Column::StartsAt.lte(now))
                    .filter(promotion::Column::EndsAt.gt(now));
            }
            q
        }))
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|model| {
            let shop_ids = shops_of.remove(&model.id).unwrap_or_default();
            let call_phone = model.call_phone.clone().or_else(|| shop_ids.first().and_then(|s| phones.get(s).cloned()));
            PromotionRow { model, shop_ids, call_phone }
        })
        .collect())
}

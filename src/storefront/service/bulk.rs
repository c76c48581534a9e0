//! The bulk load: volume data for load tests.

use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::{
    PUBLISHED,
    promotions::PromotionKind,
    shops::{ShopFields, apply_fields, new_shop_row},
    therapists::Gender,
};
use crate::{
    error::AppResult,
    infra::geo::GeoPoint,
    kernel::{Area, TenantId},
    state::AppState,
    storefront::entity::{promotion, promotion_shop, service_item, service_therapist, therapist},
};

/// One shop of a bulk load (volume data for load tests): published, with its therapists, services and one
/// running promotion.
pub struct BulkShop {
    pub name: String,
    pub address: String,
    pub district: String,
    pub phone: String,
    pub location: GeoPoint,
    pub therapists: Vec<(String, Vec<String>)>,
    /// (name, category, minutes, price in fen); every therapist performs every service.
    pub services: Vec<(String, String, i32, i64)>,
    pub promotion: Option<(String, i32)>,
}

/// Loads many shops in one transaction with one generation raise: fast enough for 200 shops a tenant.
pub async fn bulk_load(state: &AppState, tenant: TenantId, shops: Vec<BulkShop>) -> AppResult<usize> {
    let now = state.now();
    let t = tenant.0;
    let (mut shop_rows, mut therapist_rows, mut service_rows, mut link_rows, mut promo_rows, mut promo_links) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let n = shops.len();
    for s in shops {
        let shop_id = Uuid::now_v7();
        let mut row = new_shop_row(t, shop_id, PUBLISHED, now);
        let fields = ShopFields {
            name: s.name,
            address: s.address,
            phone: s.phone,
            location: s.location,
            intro: Some("盲人按摩店（压测数据）".into()),
            district: Some(s.district),
            hours: None,
            closed_dates: None,
            tags: None,
            accessibility: None,
            photo_ids: None,
        };
        apply_fields(&mut row, fields, true)?;
        shop_rows.push(row);
        let mut therapist_ids = vec![];
        for (name, specialties) in s.therapists {
            let id = Uuid::now_v7();
            therapist_ids.push(id);
            therapist_rows.push(therapist::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                shop_id: Set(shop_id),
                name: Set(name),
                photo_id: Set(None),
                gender: Set(Gender::Unspecified.as_str().into()),
                title: Set("按摩师".into()),
                years_of_practice: Set(5),
                specialties: Set(serde_json::json!(specialties)),
                intro: Set(String::new()),
                schedule: Set(None),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for (name, category, minutes, price) in s.services {
            let id = Uuid::now_v7();
            service_rows.push(service_item::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                shop_id: Set(shop_id),
                name: Set(name),
                description: Set(String::new()),
                category: Set(category),
                duration_minutes: Set(minutes),
                price_fen: Set(price),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for therapist_id in &therapist_ids {
                link_rows.push(service_therapist::ActiveModel {
                    tenant_id: Set(t),
                    id: Set(Uuid::now_v7()),
                    service_item_id: Set(id),
                    therapist_id: Set(*therapist_id),
                });
            }
        }
        if let Some((title, percent)) = s.promotion {
            let id = Uuid::now_v7();
            promo_rows.push(promotion::ActiveModel {
                tenant_id: Set(t),
                id: Set(id),
                title: Set(title),
                body: Set("到店即享".into()),
                kind: Set(PromotionKind::PercentOff.as_str().into()),
                percent_off: Set(Some(percent)),
                amount_off_fen: Set(None),
                call_phone: Set(None),
                starts_at: Set(now - chrono::Duration::days(1)),
                ends_at: Set(now + chrono::Duration::days(365)),
                status: Set(PUBLISHED.into()),
                created_at: Set(now),
                updated_at: Set(now),
            });
            promo_links.push(promotion_shop::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                promotion_id: Set(id),
                shop_id: Set(shop_id),
            });
        }
    }
    let tx = state.db.begin(tenant).await?;
    tx.insert_many(shop_rows).await?;
    tx.insert_many(therapist_rows).await?;
    tx.insert_many(service_rows).await?;
    tx.insert_many(link_rows).await?;
    tx.insert_many(promo_rows).await?;
    tx.insert_many(promo_links).await?;
    tx.bump_generation(Area::Storefront).await?;
    tx.commit().await?;
    Ok(n)
}

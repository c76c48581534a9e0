//! The embedded text search: an in-memory index over a tenant's published shops, with their therapists and
//! service items. Matching is by substring on lower-cased text, which suits Chinese (no word boundaries):
//! "推拿" finds "中医推拿 60 分钟". Every word of the query must match somewhere; fields weigh differently.

use std::collections::HashMap;

use uuid::Uuid;

use super::{
    entity::{promotion, promotion_shop, service_item, service_therapist, shop, therapist},
    profile::strings,
};

struct Doc {
    shop_id: Uuid,
    name: String,
    /// (weight, lower-cased text)
    fields: Vec<(u32, String)>,
}

#[derive(Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
}

/// What the index is built from: one published shop with its active therapists and service items.
pub struct ShopText<'a> {
    pub shop_id: Uuid,
    pub name: &'a str,
    pub address: &'a str,
    pub district: &'a str,
    pub intro: &'a str,
    pub tags: Vec<String>,
    pub therapist_names: Vec<&'a str>,
    pub specialties: Vec<String>,
    pub service_names: Vec<&'a str>,
    pub service_categories: Vec<&'a str>,
}

/// A tenant's published shops with their active therapists and service items: what the indexes hold.
pub struct Catalog {
    pub shops: Vec<shop::Model>,
    pub therapists: Vec<therapist::Model>,
    pub services: Vec<service_item::Model>,
    /// Who performs which service item.
    pub links: Vec<service_therapist::Model>,
    /// Published promotions and the shops they run in.
    pub promotions: Vec<promotion::Model>,
    pub promotion_shops: Vec<promotion_shop::Model>,
}

impl Catalog {
    pub async fn load(tx: &crate::db::TenantTx) -> Result<Catalog, sea_orm::DbErr> {
        use sea_orm::{ColumnTrait, QueryFilter};
        Ok(Catalog {
            shops: tx
                .all(tx.select::<shop::Entity>().map(|q| q.filter(shop::Column::Status.eq(super::service::PUBLISHED))))
                .await?,
            therapists: tx
                .all(tx.select::<therapist::Entity>().map(|q| q.filter(therapist::Column::Active.eq(true))))
                .await?,
            services: tx
                .all(tx.select::<service_item::Entity>().map(|q| q.filter(service_item::Column::Active.eq(true))))
                .await?,
            links: tx.all(tx.select::<service_therapist::Entity>()).await?,
            promotions: tx
                .all(
                    tx.select::<promotion::Entity>()
                        .map(|q| q.filter(promotion::Column::Status.eq(super::service::PUBLISHED))),
                )
                .await?,
            promotion_shops: tx.all(tx.select::<promotion_shop::Entity>()).await?,
        })
    }

    pub fn texts(&self) -> Vec<ShopText<'_>> {
        texts(&self.shops, &self.therapists, &self.services)
    }
}

/// The searchable text of each shop, with its own therapists and service items.
pub fn texts<'a>(
    shops: &'a [shop::Model],
    therapists: &'a [therapist::Model],
    services: &'a [service_item::Model],
) -> Vec<ShopText<'a>> {
    let mut therapists_of: HashMap<Uuid, Vec<&therapist::Model>> = HashMap::new();
    for t in therapists {
        therapists_of.entry(t.shop_id).or_default().push(t);
    }
    let mut services_of: HashMap<Uuid, Vec<&service_item::Model>> = HashMap::new();
    for s in services {
        services_of.entry(s.shop_id).or_default().push(s);
    }
    shops
        .iter()
        .map(|s| {
            let ts = therapists_of.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            let ss = services_of.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            ShopText {
                shop_id: s.id,
                name: &s.name,
                address: &s.address,
                district: &s.district,
                intro: &s.intro,
                tags: strings(&s.tags),
                therapist_names: ts.iter().map(|t| t.name.as_str()).collect(),
                specialties: ts.iter().flat_map(|t| strings(&t.specialties)).collect(),
                service_names: ss.iter().map(|x| x.name.as_str()).collect(),
                service_categories: ss.iter().map(|x| x.category.as_str()).collect(),
            }
        })
        .collect()
}

impl ShopText<'_> {
    /// The Meilisearch document of this shop.
    pub fn to_doc(&self, tenant: Uuid) -> crate::infra::meili::ShopDoc {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        crate::infra::meili::ShopDoc {
            id: self.shop_id.to_string(),
            tenant_id: tenant.to_string(),
            name: self.name.to_owned(),
            address: self.address.to_owned(),
            district: self.district.to_owned(),
            intro: self.intro.to_owned(),
            tags: self.tags.clone(),
            therapist_names: owned(&self.therapist_names),
            specialties: self.specialties.clone(),
            service_names: owned(&self.service_names),
            categories: owned(&self.service_categories),
        }
    }
}

const NAME: u32 = 10;
const SERVICE: u32 = 6;
const THERAPIST: u32 = 5;
const SPECIALTY: u32 = 4;
const TAG: u32 = 3;
const PLACE: u32 = 2;
const INTRO: u32 = 1;

impl SearchIndex {
    pub fn build<'a>(shops: impl IntoIterator<Item = ShopText<'a>>) -> SearchIndex {
        let docs = shops
            .into_iter()
            .map(|s| {
                let mut fields = vec![
                    (NAME, s.name.to_lowercase()),
                    (PLACE, s.address.to_lowercase()),
                    (PLACE, s.district.to_lowercase()),
                    (INTRO, s.intro.to_lowercase()),
                ];
                fields.extend(s.tags.iter().map(|t| (TAG, t.to_lowercase())));
                fields.extend(s.therapist_names.iter().map(|t| (THERAPIST, t.to_lowercase())));
                fields.extend(s.specialties.iter().map(|t| (SPECIALTY, t.to_lowercase())));
                fields.extend(s.service_names.iter().map(|t| (SERVICE, t.to_lowercase())));
                fields.extend(s.service_categories.iter().map(|t| (SERVICE, t.to_lowercase())));
                Doc { shop_id: s.shop_id, name: s.name.to_owned(), fields }
            })
            .collect();
        SearchIndex { docs }
    }

    /// Shop ids, best match first (ties by name), at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Uuid> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return vec![];
        }
        let mut hits: Vec<(u32, &Doc)> = self
            .docs
            .iter()
            .filter_map(|d| {
                let mut score = 0;
                for w in &words {
                    let best = d
                        .fields
                        .iter()
                        .filter(|(_, text)| text.contains(w.as_str()))
                        .map(|(weight, _)| *weight)
                        .max()?;
                    score += best;
                }
                Some((score, d))
            })
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        hits.into_iter().take(limit).map(|(_, d)| d.shop_id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop<'a>(id: u128, name: &'a str, services: Vec<&'a str>, therapists: Vec<&'a str>) -> ShopText<'a> {
        ShopText {
            shop_id: Uuid::from_u128(id),
            name,
            address: "北京市东城区东直门内大街 1 号",
            district: "东城区",
            intro: "盲人按摩师傅手法专业",
            tags: vec![],
            therapist_names: therapists,
            specialties: vec!["颈椎调理".into()],
            service_names: services,
            service_categories: vec![],
        }
    }

    #[test]
    fn chinese_substrings_and_every_word_must_match() {
        let ix = SearchIndex::build([
            shop(1, "康乐盲人按摩", vec!["中医推拿 60 分钟"], vec!["张建国"]),
            shop(2, "推拿之家", vec!["足疗 45 分钟"], vec!["李秀英"]),
            shop(3, "明目养生馆", vec!["拔罐"], vec!["王师傅"]),
        ]);
        assert_eq!(
            ix.search("推拿", 10),
            [Uuid::from_u128(2), Uuid::from_u128(1)],
            "a name match outranks a service match"
        );
        assert_eq!(ix.search("张建国", 10), [Uuid::from_u128(1)]);
        assert_eq!(ix.search("足疗 李秀英", 10), [Uuid::from_u128(2)]);
        assert!(ix.search("足疗 张建国", 10).is_empty());
        assert_eq!(ix.search("颈椎", 2).len(), 2);
        assert!(ix.search("   ", 10).is_empty());
    }
}

//! `nearestShops`: the search the resolver and the direct answer share, and the direct answer
//! (`graphql::direct`). A phone's position is asked once, so these answers are seldom cached whole, but the
//! shops in them repeat: each shop's card is written once (`shop_answer`) and kept as JSON (`card`).

use std::sync::Arc;

use async_graphql::{InputType, Name, Pos, Value, parser::types::ExecutableDocument};
use bytes::Bytes;

use super::{card::CardKey, graphql::GeoPointInput, index::TenantIndex, profile::ShopProfile, shop_answer::ShopFields};
use crate::{
    error::{AppError, AppResult},
    graphql::direct::{self, Call, Root, Sel},
    state::AppState,
    tenancy::TenantInfo,
};

/// Published shops within `radius_meters` of `near`, nearest first, at most `first` (default 20, at most 100),
/// with their distances in meters: what `nearestShops` lists; and the storefront they were found in.
pub async fn nearest_shops(
    state: &AppState,
    tenant: &TenantInfo,
    near: &GeoPointInput,
    radius_meters: f64,
    first: Option<i32>,
) -> AppResult<(Arc<TenantIndex>, Vec<(Arc<ShopProfile>, f64)>)> {
    let center = near.point()?;
    if !(radius_meters.is_finite() && radius_meters > 0.0 && radius_meters <= 100_000.0) {
        return Err(AppError::validation("radiusMeters must be more than 0 and at most 100000"));
    }
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(AppError::validation("first must be between 1 and 100"));
    }
    let index = state.storefront.get(state, tenant).await?;
    let hits = index.nearest.within(center, radius_meters, first as usize);
    let shops = hits.into_iter().filter_map(|(id, meters)| Some((Arc::clone(index.shop(id)?), meters))).collect();
    Ok((index, shops))
}

/// A document that asks `nearestShops` alone (see `graphql::direct`).
pub struct NearestDocument {
    pub root: Root,
    /// The fields of each listed `ShopDistance`; its shop's card is kept under the `shop` field's position in
    /// the document.
    items: Vec<(Name, Sel<(Pos, ShopFields)>)>,
}

impl NearestDocument {
    pub fn of(doc: &ExecutableDocument, root: Root) -> Option<NearestDocument> {
        let set = &root.field.node.selection_set.node;
        let items = direct::select(doc, set, "ShopDistance", &["distanceMeters"], &|f| {
            (f.node.name.node == "shop").then(|| Some((f.pos, ShopFields::of(doc, f)?))).flatten()
        })?;
        Some(NearestDocument { root, items })
    }

    /// The whole response body, or `None` when the executor must answer. Each shop's card is copied from the
    /// one kept, or written and kept.
    pub async fn answer(&self, call: &Call<'_>) -> Option<Bytes> {
        let vars = call.variables;
        let near = <GeoPointInput as InputType>::parse(self.root.argument("near", vars)?).ok()?;
        let radius = f64::parse(self.root.argument("radiusMeters", vars)?).ok()?;
        let first = Option::<i32>::parse(self.root.argument("first", vars)?).ok()?;
        let (index, shops) = nearest_shops(call.state, call.tenant, &near, radius, first).await.ok()?;
        let mut out = self.root.open(512 + 400 * shops.len());
        direct::list(&mut out, &shops, |out, (shop, meters)| {
            let card = |out: &mut Vec<u8>, (pos, fields): &(Pos, ShopFields)| {
                let key = CardKey::at(call.document, *pos, call.consumer);
                match shop.cards.json(&key) {
                    Some(card) => out.extend_from_slice(&card),
                    None => {
                        let start = out.len();
                        fields.write(out, &index, call, shop)?;
                        shop.cards.put_json(key, &out[start..]);
                    }
                }
                Some(())
            };
            direct::write(out, "ShopDistance", &self.items, |_| Value::from(*meters), card)
        })?;
        Some(Root::close(out))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Variables, parser::parse_query};

    use super::*;
    use crate::graphql::direct::Direct;

    fn plan(q: &str) -> Option<NearestDocument> {
        match Direct::of(&parse_query(q).unwrap()) {
            Some(Direct::Nearest(d)) => Some(d),
            _ => None,
        }
    }

    fn keys(d: &NearestDocument) -> Vec<String> {
        let name = |i: &Sel<(Pos, ShopFields)>| match i {
            Sel::Typename => "__typename",
            Sel::Plain(_) => "distanceMeters",
            Sel::Object(_) => "shop",
        };
        d.items.iter().map(|(k, i)| format!("{k}={}", name(i))).collect()
    }

    #[test]
    fn the_fields_of_an_item_are_listed_in_the_executors_order_with_fragments_spread_in_place() {
        let d = plan(
            "query N($p: GeoPointInput!) { near: nearestShops(near: $p, radiusMeters: 100) {
               __typename ... on ShopDistance { m: distanceMeters } ...S } }
             fragment S on ShopDistance { shop { id } }",
        )
        .unwrap();
        assert_eq!(keys(&d), ["__typename=__typename", "m=distanceMeters", "shop=shop"]);
        assert_eq!(d.root.field.node.response_key().node, "near");
    }

    #[test]
    fn anything_else_is_left_to_the_executor() {
        for other in [
            // Another root field beside it, or another operation.
            "{ nearestShops(near: {lat: 1, lng: 1}, radiusMeters: 1) { distanceMeters } shops { pageInfo { hasNextPage } } }",
            "query A { nearestShops(near: {lat: 1, lng: 1}, radiusMeters: 1) { distanceMeters } } query B { shops { pageInfo { hasNextPage } } }",
            // A field selected twice (the executor merges them).
            "{ nearestShops(near: {lat: 1, lng: 1}, radiusMeters: 1) { shop { id } shop { name } } }",
            "{ nearestShops(near: {lat: 1, lng: 1}, radiusMeters: 1) { distanceMeters ... on ShopDistance { distanceMeters } } }",
            // A fragment on another type, another root field alone, and a mutation.
            "{ nearestShops(near: {lat: 1, lng: 1}, radiusMeters: 1) { ... on Shop { id } } }",
            "{ searchShops(query: \"x\") { id } }",
            "mutation { nearestShops { id } }",
        ] {
            assert!(Direct::of(&parse_query(other).unwrap()).is_none(), "{other}");
        }
    }

    #[test]
    fn arguments_take_the_requests_variables_then_the_documents_defaults() {
        let d = plan(
            "query($p: GeoPointInput!, $r: Float = 500, $f: Int) { nearestShops(near: $p, radiusMeters: $r, first: $f) { distanceMeters } }",
        )
        .unwrap();
        let vars = Variables::from_json(serde_json::json!({ "p": { "lat": 39.9, "lng": 116.4 } }));
        let arg = |name, vars: &Variables| d.root.argument(name, vars);
        assert_eq!(arg("radiusMeters", &vars), Some(Some(Value::from(500))));
        assert_eq!(arg("first", &vars), Some(Some(Value::Null)), "a nullable variable left out is null");
        assert!(arg("near", &vars).unwrap().is_some());
        assert_eq!(arg("near", &Variables::default()), None, "a required variable missing");
        let literal = plan("{ nearestShops(near: {lat: 1, lng: 2}, radiusMeters: 3) { distanceMeters } }").unwrap();
        assert_eq!(literal.root.argument("first", &Variables::default()), Some(None), "not in the document");
    }
}

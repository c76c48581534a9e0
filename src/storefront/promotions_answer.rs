//! `promotions`: the running promotions of a tenant or of one shop, answered without the executor
//! (`graphql::direct`) from the published storefront the resolver reads. A consumer asks them shop by shop,
//! and each shop's answer is computed once before it is cached.

use async_graphql::{
    ID, InputType, Name, Positioned, Value,
    parser::types::{ExecutableDocument, Field},
};
use bytes::Bytes;
use chrono::Utc;

use super::{
    graphql::Promotion,
    shop_answer::{PROMOTION, promotion_field},
};
use crate::graphql::{
    direct::{self, Call, Flat, Root, Sel},
    id_of,
    pagination::Page,
};

const PAGE_INFO: &[&str] = &["hasPreviousPage", "hasNextPage", "startCursor", "endCursor"];

/// The fields of `PromotionConnection`.
enum ConnectionObject {
    PageInfo(Flat),
    Edges(Vec<(Name, Sel<Flat>)>),
    Nodes(Flat),
}

/// A document that asks `promotions` alone.
pub struct PromotionsDocument {
    pub root: Root,
    fields: Vec<(Name, Sel<ConnectionObject>)>,
}

impl PromotionsDocument {
    pub fn of(doc: &ExecutableDocument, root: Root) -> Option<PromotionsDocument> {
        let flat = |f: &Positioned<Field>, ty, plain| direct::flat(doc, &f.node.selection_set.node, ty, plain);
        let fields = direct::select(doc, &root.field.node.selection_set.node, "PromotionConnection", &[], &|f| {
            Some(match f.node.name.node.as_str() {
                "pageInfo" => ConnectionObject::PageInfo(flat(f, "PageInfo", PAGE_INFO)?),
                "edges" => ConnectionObject::Edges(direct::select(
                    doc,
                    &f.node.selection_set.node,
                    "PromotionEdge",
                    &["cursor"],
                    &|f| (f.node.name.node == "node").then(|| flat(f, "Promotion", PROMOTION)).flatten(),
                )?),
                "nodes" => ConnectionObject::Nodes(flat(f, "Promotion", PROMOTION)?),
                _ => return None,
            })
        })?;
        Some(PromotionsDocument { root, fields })
    }

    /// The whole response body, or `None` when the executor must answer (an argument it refuses, a shop that
    /// is not published).
    pub async fn answer(&self, call: &Call<'_>) -> Option<Bytes> {
        let vars = call.variables;
        let shop = <Option<ID> as InputType>::parse(self.root.argument("shopId", vars)?).ok()?;
        let first = <Option<i32> as InputType>::parse(self.root.argument("first", vars)?).ok()?;
        let after = <Option<String> as InputType>::parse(self.root.argument("after", vars)?).ok()?;
        let page = Page::parse(first, after).ok()?;
        let shop = shop.map(|s| id_of(&s, "shop")).transpose().ok()?;
        let index = call.state.storefront.get(call.state, call.tenant).await.ok()?;
        let rows = index.promotions(shop, page.after, page.fetch() as usize, Utc::now()).ok()?;
        let tz = call.tenant.time_zone;
        // The page as the resolver makes it.
        let conn = page.connection(rows.into_iter().map(|r| (r.model.id, Promotion::of(r, tz))).collect());
        let promotion = |out: &mut Vec<u8>, fields: &Flat, p: &Promotion| {
            direct::write_flat(out, "Promotion", fields, |i| promotion_field(p, i))
        };
        let cursor = |c: Option<&String>| c.map_or(Value::Null, |c| Value::from(c.as_str()));
        let mut out = self.root.open(512 + 600 * conn.edges.len());
        direct::write(
            &mut out,
            "PromotionConnection",
            &self.fields,
            |_| Value::Null,
            |out, object| match object {
                ConnectionObject::PageInfo(f) => direct::write_flat(out, "PageInfo", f, |i| match i {
                    0 => Value::from(conn.has_previous_page),
                    1 => Value::from(conn.has_next_page),
                    2 => cursor(conn.edges.first().map(|e| &e.cursor)),
                    _ => cursor(conn.edges.last().map(|e| &e.cursor)),
                }),
                ConnectionObject::Edges(f) => direct::list(out, &conn.edges, |out, e| {
                    let cursor = |_| Value::from(e.cursor.as_str());
                    direct::write(out, "PromotionEdge", f, cursor, |out, node| promotion(out, node, &e.node))
                }),
                ConnectionObject::Nodes(f) => direct::list(out, &conn.edges, |out, e| promotion(out, f, &e.node)),
            },
        )?;
        Some(Root::close(out))
    }
}

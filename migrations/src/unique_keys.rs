//! Every unique index and constraint of the schema, besides primary keys, by the name PostgreSQL reports and the
//! table and columns SQLite reports (`UNIQUE constraint failed: staff.tenant_id, staff.username`). The service
//! tells which one a write violated by them (`error::violated_unique`); a test checks this list against the
//! migrated schema, so a new unique index that is not listed fails it.

/// A unique index or constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UniqueKey {
    /// Its name: the index's, or PostgreSQL's `{table}_{column}_key` for a column's own `UNIQUE`.
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

const fn key(name: &'static str, table: &'static str, columns: &'static [&'static str]) -> UniqueKey {
    UniqueKey { name, table, columns }
}

pub const UNIQUE_KEYS: &[UniqueKey] = &[
    key("tenants_slug_key", "tenants", &["slug"]),
    key("tenants_api_key_hash_key", "tenants", &["api_key_hash"]),
    key("ux_staff_username", "staff", &["tenant_id", "username"]),
    key("ux_sign_in_throttles_hash", "sign_in_throttles", &["tenant_id", "key_hash"]),
    key("ux_consumers_openid", "consumers", &["tenant_id", "app_id", "openid_hash"]),
    key("ux_service_therapists", "service_therapists", &["tenant_id", "service_item_id", "therapist_id"]),
    key("ux_promotion_shops", "promotion_shops", &["tenant_id", "promotion_id", "shop_id"]),
    key("ux_slot_claims_cell", "slot_claims", &["tenant_id", "therapist_id", "cell_start"]),
    key("ux_payments_idempotency", "payments", &["tenant_id", "idempotency_key"]),
    key("ux_payment_events_txn", "payment_events", &["tenant_id", "provider", "provider_txn_id"]),
    key("ux_refunds_no", "refunds", &["tenant_id", "refund_no"]),
    key("ux_reviews_order", "reviews", &["tenant_id", "order_id"]),
    key("ux_notices_dedupe", "notices", &["tenant_id", "dedupe_key"]),
];

/// The key PostgreSQL names `name`.
pub fn unique_key_named(name: &str) -> Option<&'static UniqueKey> {
    UNIQUE_KEYS.iter().find(|k| k.name == name)
}

/// The key on `table(columns…)`, in the order of its definition.
pub fn unique_key_on(table: &str, columns: &[&str]) -> Option<&'static UniqueKey> {
    UNIQUE_KEYS.iter().find(|k| k.table == table && k.columns == columns)
}

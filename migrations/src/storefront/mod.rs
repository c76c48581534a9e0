pub mod m20261124_000001_storefront;
pub mod m20261124_000002_search_outbox;

pub mod promotion;
pub mod promotion_shop;
pub mod search_outbox;
pub mod service_item;
pub mod service_therapist;
pub mod shop;
pub mod therapist;

crate::tenant_entity!(promotion, promotion_shop, search_outbox, service_item, service_therapist, shop, therapist);

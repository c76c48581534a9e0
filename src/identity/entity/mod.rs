pub mod consumer;
pub mod oauth_state;
pub mod sign_in_throttle;
pub mod staff;

crate::tenant_entity!(consumer, oauth_state, sign_in_throttle, staff);

//! Notices, a capability every domain uses: one outbox (`outbox::enqueue`, in the caller's transaction, once
//! per dedupe key), delivered at least once by one dispatcher with back-off (`dispatch`); channels (SMS, voice
//! call, WeChat template and subscribe messages) and recipients by reference, never by phone number.

pub mod channel;
pub mod dispatch;
pub mod entity;
pub mod outbox;

pub use channel::{
    Channel, LogNotifier, Notifier, Outbox, Outgoing, Recipient, RecipientKind, outbox, take_woken, wake,
};
pub use outbox::{Notice, enqueue};

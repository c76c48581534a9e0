//! Notices, a capability every domain uses: one outbox, written in the caller's transaction and delivered at
//! least once by one dispatcher; channels (SMS, voice call, WeChat messages) and the notifier behind them.

pub mod channel;

pub use channel::{LogNotifier, Notifier, Outbox, SMS, VOICE, WECHAT, outbox, take_woken, wake};

//! The vocabulary every layer shares: who calls (`caller`), the tenant as a request sees it (`tenant`), money
//! (`money`), time (`clock`), human text (`text`) and ids. No I/O and no domain rules live here.

pub mod caller;
pub mod clock;
pub mod money;
pub mod tenant;
pub mod text;

pub use caller::{Principal, Role, StaffRole};
pub use clock::Clock;
pub use money::Fen;
pub use tenant::{Area, Generations, KeyHash, TenantId, TenantInfo};
pub use text::{Shape, Text};
pub mod template;

//! Relay connections: `first` (1–100, default 20) and `after` (an opaque cursor: the last row's id).

use async_graphql::{
    OutputType,
    connection::{Connection, Edge},
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

/// What a list field costs in the schema's complexity limit: its selection once for every item it may hold,
/// so that an operation is refused before it runs when its answer would be large (`first` multiplies, and
/// lists nest). A `first` out of range costs as the largest page; the resolver refuses it with its own error.
pub fn page_cost(first: Option<i32>, children: usize) -> usize {
    let items = first.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    list_cost(items, children)
}

/// The cost of a list of at most `items` entries (or about that many, for lists a parent holds few of).
pub fn list_cost(items: usize, children: usize) -> usize {
    items.saturating_mul(children).saturating_add(1)
}

/// Entries assumed in a list without `first` that a parent holds few of: a shop's photos, therapists, services
/// or promotions; a service's therapists; an order's payments.
pub const FEW: usize = 10;

pub struct Page {
    pub after: Option<Uuid>,
    pub first: u64,
}

impl Page {
    pub fn parse(first: Option<i32>, after: Option<String>) -> AppResult<Page> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(AppError::invalid_field("first", format!("first must be between 1 and {MAX_PAGE}")));
        }
        let after = after
            .map(|c| {
                Uuid::parse_str(&c).map_err(|_| AppError::invalid_field("after", "after is not a cursor of this list"))
            })
            .transpose()?;
        Ok(Page { after, first: first as u64 })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.first + 1
    }

    /// Builds the connection from up to `fetch()` rows, each with its id.
    pub fn connection<T: OutputType>(&self, rows: Vec<(Uuid, T)>) -> Connection<String, T> {
        let has_next = rows.len() as u64 > self.first;
        let mut conn = Connection::new(self.after.is_some(), has_next);
        conn.edges.extend(rows.into_iter().take(self.first as usize).map(|(id, node)| Edge::new(id.to_string(), node)));
        conn
    }
}

//! Relay connections: `first` (1–100, default 20) and `after` (an opaque cursor: the last row's id).

use async_graphql::{
    OutputType,
    connection::{Connection, Edge},
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

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

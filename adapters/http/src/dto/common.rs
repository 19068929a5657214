//! Shapes shared by every area: pages and counts.

use medsync_core::store::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The default page size when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 50;

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Paged<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows skipped.
    pub offset: u64,
    /// Page size in force (after clamping to 1..=500).
    pub limit: u32,
}

impl<T> Paged<T> {
    /// A page of `items` converted from core rows.
    pub fn of<U>(rows: Vec<U>, page: Page) -> Self
    where
        T: From<U>,
    {
        Self {
            items: rows.into_iter().map(T::from).collect(),
            offset: page.offset,
            limit: page.limit,
        }
    }
}

/// The page asked for by `offset` / `limit` query parameters (defaults 0 / 50), clamped.
pub fn page(offset: Option<u64>, limit: Option<u32>) -> Page {
    Page {
        offset: offset.unwrap_or(0),
        limit: limit.unwrap_or(DEFAULT_LIMIT),
    }
    .clamped()
}

/// A count.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Count {
    /// How many.
    pub count: u64,
}

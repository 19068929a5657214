//! Offset pagination over already-ordered rows.

use medsync_core::store::Page;

/// The rows of `page` from `rows` (already filtered and ordered).
pub(crate) fn paginate<T>(rows: impl Iterator<Item = T>, page: Page) -> Vec<T> {
    let skip = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit).unwrap_or(usize::MAX);
    rows.skip(skip).take(take).collect()
}

/// Whether `haystack` contains `needle_lower` (already lower-cased), ignoring case.
pub(crate) fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    haystack.to_lowercase().contains(needle_lower)
}

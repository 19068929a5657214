//! Compare-and-set replacement of versioned documents inside a transaction.

use bson::{doc, Bson, Document};
use medsync_core::Error;
use mongodb::{ClientSession, Collection};
use serde::Serialize;
use uuid::Uuid;

use crate::convert::{bid, i64_of, u64_of};
use crate::txn::{Attempt, Fail};

/// Replaces the document `id` of `coll` with `next` if its `version` is still `expected`
/// (`next` carries `expected + 1`). `NotFound` if absent, `PreconditionFailed` if the version
/// moved.
pub(crate) async fn replace_versioned<T>(
    coll: &Collection<T>,
    session: &mut ClientSession,
    entity: &'static str,
    id: Uuid,
    expected: u64,
    next: &T,
) -> Attempt<()>
where
    T: Serialize + Send + Sync,
{
    let filter = doc! {"_id": bid(id), "version": i64_of(expected)};
    let r = coll
        .replace_one(filter, next)
        .session(&mut *session)
        .await?;
    if r.matched_count == 1 {
        return Ok(());
    }
    Err(miss(
        &coll.clone_with_type(),
        session,
        entity,
        id,
        "version",
        expected,
    )
    .await)
}

/// Why a compare-and-set on `field` of document `id` matched nothing: `NotFound` if the
/// document is absent, else `PreconditionFailed` naming the stored value.
pub(crate) async fn miss(
    coll: &Collection<Document>,
    session: &mut ClientSession,
    entity: &'static str,
    id: Uuid,
    field: &str,
    expected: u64,
) -> Fail {
    let found = coll
        .find_one(doc! {"_id": bid(id)})
        .projection(doc! {field: 1})
        .session(session)
        .await;
    match found {
        Err(e) => Fail::Driver(e),
        Ok(None) => Fail::Domain(Error::not_found(entity, id)),
        Ok(Some(d)) => {
            let current = match d.get(field) {
                Some(Bson::Int64(v)) => u64_of(*v),
                Some(Bson::Int32(v)) => u64_of(i64::from(*v)),
                _ => 0,
            };
            Fail::Domain(Error::PreconditionFailed {
                entity,
                expected,
                current,
            })
        }
    }
}

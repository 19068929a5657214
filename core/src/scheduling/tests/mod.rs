//! Tests of the scheduling module.

mod dst;
mod fits;
mod fixtures;
mod lifecycle;
mod props;
mod slots;
mod validation;

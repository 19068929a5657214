//! Criterion benchmarks of core scaling (being written).
fn main() {}

//! Throughput of `transform::apply` on 1M rows × 30 input columns (20 numeric, 10
//! categorical) giving 95 features. Native; the wasm32 twin is `tests/transform_apply_wasm.rs`.
//!
//!     cargo bench -p lockstep-core --bench transform_apply
//!
//! The table is generated in memory from a fixed-seed generator; the pipeline is
//! fitted on the first 100 000 rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/transform_data.rs"]
mod transform_data;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use criterion::{Criterion, Throughput, criterion_group};
    use lockstep_core::transform;

    use super::transform_data::{ROWS, spec, table};

    fn apply_1m(c: &mut Criterion) {
        let full = table(ROWS);
        let train = table(100_000);
        let fitted = transform::fit(&spec(), &train).unwrap();
        assert_eq!(fitted.feature_names().len(), 95);
        let mut group = c.benchmark_group("transform_apply");
        group.sample_size(10);
        group.throughput(Throughput::Elements(ROWS as u64));
        group.bench_function("1M rows x 30 columns -> 95 features", |b| {
            b.iter(|| transform::apply(&fitted, &full).unwrap());
        });
        group.finish();
    }

    criterion_group!(benches, apply_1m);
}

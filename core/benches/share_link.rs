//! Encode and decode time of share links: the demo notebook, and the same with 100
//! tagged errors and notes (figures in docs/share-links.md).
//!
//!     cargo bench -p lockstep-core --bench share_link

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/share_states.rs"]
mod share_states;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::Duration;

    use criterion::{Criterion, criterion_group};
    use lockstep_core::share::{decode, encode};

    use super::share_states::{commented_config_state, demo_state, tagged_state};

    fn share_link(c: &mut Criterion) {
        for (name, state) in [
            ("demo", demo_state()),
            ("demo_eval_toml", commented_config_state()),
            ("tagged_100", tagged_state()),
        ] {
            let link = encode(&state);
            println!("{name}: {} characters", link.len());
            c.bench_function(&format!("encode_{name}"), |b| {
                b.iter(|| encode(black_box(&state)))
            });
            c.bench_function(&format!("decode_{name}"), |b| {
                b.iter(|| decode(black_box(&link)).unwrap())
            });
        }
    }

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        targets = share_link
    }
}

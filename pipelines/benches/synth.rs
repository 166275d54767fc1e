//! Synthesis of whole lakes, validation included: build every stack, audit its IAM policies,
//! render and validate each template, order the stacks. Targets: the example lake under 5 ms,
//! a lake of 20 teams × 4 pipelines × 10 datasets per team (302 stacks) under 50 ms.

use criterion::{Criterion, criterion_group, criterion_main};

// The allocator the `sdlf` binary uses, so the figures are what a user gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::output::synth_environment;

fn bench(c: &mut Criterion) {
    let example = sdlf_pipelines::lake();
    c.bench_function("example lake, one environment (7 stacks)", |b| {
        b.iter(|| synth_environment(&example, "dev", &StandInFingerprints).expect("synthesizes"))
    });
    let large = sdlf_pipelines::generated_lake(20, 4, 10);
    let mut group = c.benchmark_group("large");
    group.sample_size(20);
    group.bench_function("20 teams x 4 pipelines x 10 datasets (302 stacks)", |b| {
        b.iter(|| synth_environment(&large, "dev", &StandInFingerprints).expect("synthesizes"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The stacks every team, pipeline and dataset stack reads from, built for real: the
//! foundations and catalog builders are pure and fast, so the tests of later stacks import
//! exactly what the lake publishes.

use sdlf_lake::Stack;
use sdlf_lake::stacks::{CatalogOutputs, Ctx, FoundationsOutputs, catalog, foundations};

/// The foundations and catalog stacks of the context's environment, with their outputs.
pub fn shared(ctx: &Ctx) -> (Stack, FoundationsOutputs, Stack, CatalogOutputs) {
    let (f_stack, f) = foundations::build(ctx).expect("the foundations stack builds");
    let (c_stack, c) = catalog::build(ctx, &f).expect("the catalog stack builds");
    (f_stack, f, c_stack, c)
}

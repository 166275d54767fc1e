//! Order-preserving parallel map over scoped threads: synthesis of independent stacks uses
//! every core, and the output is the same as a sequential run's, item for item.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `items.iter().map(f).collect()`, computed on up to `available_parallelism` threads, the
/// calling one included; results come back in input order. Each thread takes the next item
/// as soon as it is free, so items of uneven cost (teams of different sizes, a first item
/// slowed by a cold cache) still keep every thread busy to the end.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    // Each thread's results, with the index of their item.
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { return done };
            done.push((i, f(item)));
        }
    };
    let mut results = thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut results = work();
        for helper in helpers {
            results.extend(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        results
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(super::map(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[] as &[u32], |i| *i), Vec::<u32>::new());
        assert_eq!(super::map(&[7u32], |i| *i + 1), vec![8]);
        // Uneven costs: threads take items as they come, the order stays.
        let uneven = super::map(&items, |i| if i % 7 == 0 { (0..20_000).fold(*i, |a, b| a ^ b) } else { *i });
        let expected: Vec<u32> =
            items.iter().map(|i| if i % 7 == 0 { (0..20_000).fold(*i, |a, b| a ^ b) } else { *i }).collect();
        assert_eq!(uneven, expected);
    }
}

//! Training allocates its buffers once per run: the number of heap
//! allocations made by autotune does not grow with the number of epochs or
//! mini-batches.
//!
//! `matrixmultiply::sgemm` itself allocates a packing buffer on every call
//! (it has no API to pass one in). Those requests ask for SIMD alignment
//! (16, 32 or 64 bytes), while every vector autotune allocates has the
//! alignment of `f32`, `f64` or `usize` (at most 8), so the counter below
//! counts allocations of alignment at most 8 and leaves the packing buffers
//! out; the test also checks that they are the only difference.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use autotune::nn::{
    BatchSize, Control, MatRef, Optimizer, Regularizer, Targets, TrainConfig, TrainData, Training,
    train,
};

/// The system allocator, counting allocations made by threads that opted in.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALIGNED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNT_HERE: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: defers every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNT_HERE.with(Cell::get) {
            let counter = if layout.align() <= 8 {
                &ALLOCATIONS
            } else {
                &ALIGNED
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made by this thread while training `config`: those of
/// alignment at most 8, and the SIMD-aligned ones.
fn allocations(config: &TrainConfig, data: &TrainData<'_>) -> (usize, usize) {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    ALIGNED.store(0, Ordering::Relaxed);
    COUNT_HERE.with(|c| c.set(true));
    let report = train(config, data, |_| Control::Continue);
    COUNT_HERE.with(|c| c.set(false));
    let n = (
        ALLOCATIONS.load(Ordering::Relaxed),
        ALIGNED.load(Ordering::Relaxed),
    );
    drop(report.expect("the configuration trains"));
    n
}

#[test]
fn allocations_do_not_grow_with_epochs_or_batches() {
    let (n, d) = (200, 6);
    let x: Vec<f32> = (0..n * d)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
        .collect();
    let y: Vec<usize> = (0..n).map(|i| i % 4).collect();
    let xv = x[..60 * d].to_vec();
    let data = TrainData::new(MatRef::new(&x, n, d).unwrap(), Targets::classes(&y, 4))
        .with_validation(
            MatRef::new(&xv, 60, d).unwrap(),
            Targets::classes(&y[..60], 4),
        );
    let base = TrainConfig::default()
        .hidden([16, 8])
        .dropout(0.1)
        .regularizer(Regularizer::L2 { lambda: 1e-3 })
        .batch_size(BatchSize::Random { min: 4, max: 16 })
        .patience(1000);
    for opt in [
        Optimizer::adam(),
        Optimizer::nesterov(0.9),
        Optimizer::rmsprop(),
    ] {
        let config = base.clone().optimizer(opt);
        let (one, packing_one) = allocations(&config.clone().epochs(1), &data);
        let (many, packing_many) = allocations(&config.clone().epochs(12), &data);
        // 12 epochs of up to 50 mini-batches each: not one allocation more
        // than a single epoch.
        assert_eq!(
            one,
            many,
            "{}: {one} allocations for 1 epoch, {many} for 12",
            opt.name()
        );
        assert!(one > 0, "the counter counts");
        // The packing buffers: one per matrix product (8 per mini-batch for
        // this 3-layer network), so they do grow: 12 epochs of random batch
        // sizes make about 12 times as many (measured 2060 against 155,
        // 13.3x); 8x is well above the 1x of buffers allocated once.
        assert!(
            packing_many > 8 * packing_one,
            "{packing_one} vs {packing_many}"
        );
    }
    resumed_epochs_allocate_nothing();
}

/// A paused and resumed training's epochs allocate nothing either: every
/// buffer, the history's room for the epochs to come included, exists once
/// `Training::resume` returns. (Called from the one `#[test]`: tests run on
/// parallel threads and the counters are shared.)
fn resumed_epochs_allocate_nothing() {
    let (n, d) = (120, 5);
    let x: Vec<f32> = (0..n * d)
        .map(|i| ((i * 53 % 97) as f32 / 48.0) - 1.0)
        .collect();
    let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let data = TrainData::new(MatRef::new(&x, n, d).unwrap(), Targets::classes(&y, 3))
        .with_validation(
            MatRef::new(&x[..30 * d], 30, d).unwrap(),
            Targets::classes(&y[..30], 3),
        );
    let config = TrainConfig::default()
        .hidden([8])
        .dropout(0.2)
        .regularizer(Regularizer::L1 { lambda: 1e-3 })
        .batch_size(BatchSize::Random { min: 4, max: 12 })
        .patience(1000)
        .epochs(10);
    let mut first = Training::new(&config, &data).unwrap();
    first.run_epochs(3, |_| Control::Continue).unwrap();
    let snapshot = first.snapshot().unwrap();
    let mut resumed = Training::resume(snapshot, &config, &data).unwrap();
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNT_HERE.with(|c| c.set(true));
    let outcome = resumed.run_epochs(7, |_| Control::Continue);
    COUNT_HERE.with(|c| c.set(false));
    assert!(outcome.unwrap().is_some(), "all 10 epochs ran");
    assert_eq!(resumed.epochs_done(), 10);
    assert_eq!(
        ALLOCATIONS.load(Ordering::Relaxed),
        0,
        "7 resumed epochs of up to 30 mini-batches"
    );
}

// SPDX-License-Identifier: GPL-2.0-or-later
//! rust-chain cpu [SCALE] | mem: a single file, no crates, which
//! tests/run-rust.sh compiles with -C force-frame-pointers=no (and Rust
//! 1.63 or later, Debian 12's).  "cpu" spends its time in a frameless
//! leaf, Walker<u64>::step, under main -> run_cpu -> drive (generic, called
//! with a closure) -> the closure -> <Walker<u64> as Stage>::advance ->
//! step; SCALE 1 is ~1 s of CPU here.  "mem" allocates through a Vec, a
//! String and a boxed slice in Builder::build, under main -> run_mem ->
//! fill::<Builder> -> <Builder as Fill>::fill -> build: 5 rounds of
//! 7919 + 4099 + 4 * 1021 bytes (the test counts them), after half a
//! second (see nm-chain-o2.c).  Every call in the chains is followed by
//! work, so that none becomes a jump.  Each prints "ok".

use std::sync::atomic::{AtomicU64, Ordering};

// Results go here, so that no work is optimized away (std::hint::black_box
// is younger than Rust 1.63).
static SINK: AtomicU64 = AtomicU64::new(0);

trait Stage {
    fn advance(&mut self, rounds: u64) -> u64;
}

struct Walker<T> {
    state: T,
}

impl Walker<u64> {
    #[inline(never)]
    fn step(&mut self, n: u64) -> u64 {
        let mut x = self.state;
        for _ in 0..n {
            x ^= x >> 31;
            x = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        self.state = x;
        x
    }
}

impl Stage for Walker<u64> {
    #[inline(never)]
    fn advance(&mut self, rounds: u64) -> u64 {
        let mut acc = 0u64;
        for _ in 0..rounds {
            acc = acc.wrapping_add(self.step(1 << 20));
        }
        acc
    }
}

#[inline(never)]
fn drive<F: FnMut(u64) -> u64>(times: u64, mut f: F) -> u64 {
    let mut acc = 0u64;
    for i in 0..times {
        acc ^= f(i);
    }
    acc
}

#[inline(never)]
fn run_cpu(scale: u64) {
    let mut walker = Walker { state: scale | 1 };
    // The walker is used through a trait object: its calls stay calls.
    let stage: &mut dyn Stage = &mut walker;
    let r = drive(40 * scale, #[inline(never)] |i| stage.advance(16 + (i & 1)) ^ i);
    SINK.fetch_add(r, Ordering::Relaxed);
}

trait Fill {
    fn fill(&mut self, rounds: usize) -> usize;
}

struct Builder {
    kept: Vec<Box<[u32]>>,
}

impl Builder {
    // 7919 bytes of Vec, 4099 of String, 4084 of boxed slice: all exact
    // capacities, nothing grows.
    #[inline(never)]
    fn build(&mut self, seed: usize) -> usize {
        let mut bytes: Vec<u8> = Vec::with_capacity(7919);
        bytes.extend((0..7919).map(|i| (i ^ seed) as u8));
        let mut text = String::with_capacity(4099);
        while text.len() + 7 <= 4099 {
            text.push_str("abcdefg");
        }
        let slice: Box<[u32]> = vec![seed as u32; 1021].into_boxed_slice();
        let n = bytes.iter().map(|&b| b as usize).sum::<usize>() + text.len() + slice.len();
        self.kept.push(slice);
        n
    }
}

impl Fill for Builder {
    #[inline(never)]
    fn fill(&mut self, rounds: usize) -> usize {
        (0..rounds).map(|r| self.build(r)).sum()
    }
}

#[inline(never)]
fn fill<F: Fill>(what: &mut F, rounds: usize) -> usize {
    what.fill(rounds) + rounds
}

#[inline(never)]
fn run_mem() {
    // Room for every slice, reserved first so that it is not regrown
    // under build.
    let mut builder = Builder { kept: Vec::with_capacity(8) };
    let n = fill(&mut builder, 5);
    SINK.fetch_add(n as u64 + builder.kept.len() as u64, Ordering::Relaxed);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(|s| s.as_str()) {
        Some("cpu") => {
            let scale = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
            run_cpu(scale);
        }
        Some("mem") => run_mem(),
        _ => {
            eprintln!("usage: rust-chain cpu [SCALE] | mem");
            std::process::exit(2);
        }
    }
    println!("ok");
}

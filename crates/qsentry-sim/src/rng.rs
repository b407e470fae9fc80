//! The simulator's only source of randomness: a seeded xoshiro256** generator, split into independent
//! streams per system and day, so the same seed always yields the same bytes and one part of the
//! model does not shift another's draws.

use std::cell::Cell;

/// SplitMix64 step, used to seed and to derive streams.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman and Vigna), small and fast.
/// The state sits in a `Cell` so that draws need only `&self`: model code can draw while it builds
/// arguments for another call on the same context. One `Rng` belongs to one thread.
#[derive(Clone, Debug)]
pub struct Rng {
    s: Cell<[u64; 4]>,
}

impl Rng {
    /// A generator for `seed` and a stream label (system index, day number, purpose ...).
    pub fn new(seed: u64, stream: &[u64]) -> Rng {
        let mut st = seed ^ 0x5157_454E_5452_5953; // "QSENTRYS"
        for &x in stream {
            st = splitmix(&mut st) ^ x.wrapping_mul(0xA24B_AED4_963E_E407);
        }
        let mut s = [0u64; 4];
        for v in &mut s {
            *v = splitmix(&mut st);
        }
        Rng { s: Cell::new(s) }
    }

    pub fn next_u64(&self) -> u64 {
        let mut s = self.s.get();
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.s.set(s);
        result
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index chosen with the given weights (all zero: index 0).
    pub fn weighted(&self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w as u64 {
                return i;
            }
            x -= w as u64;
        }
        0
    }

    /// A Poisson-distributed count with mean `mean` (Knuth for small means, normal approximation above).
    pub fn poisson(&self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean < 30.0 {
            let l = (-mean).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.unit();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        // Box-Muller.
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        (mean + z * mean.sqrt()).round().max(0.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(1, &[2, 3]).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::new(1, &[2, 3]).next_u64(), Rng::new(1, &[2, 4]).next_u64());
        assert_ne!(Rng::new(1, &[2, 3]).next_u64(), Rng::new(2, &[2, 3]).next_u64());
    }

    #[test]
    fn ranges_hold() {
        let r = Rng::new(7, &[]);
        for _ in 0..10_000 {
            let v = r.range(5, 9);
            assert!((5..=9).contains(&v));
            assert!(r.below(3) < 3);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.below(0), 0);
        let mean = (0..2000).map(|_| r.poisson(4.0)).sum::<u64>() as f64 / 2000.0;
        assert!((3.5..4.5).contains(&mean), "{mean}");
    }
}

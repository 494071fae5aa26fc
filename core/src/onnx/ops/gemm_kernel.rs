//! The f32 matrix product behind MatMul and Gemm: `out = epilogue(A · B)`.
//!
//! B is packed once (at load when it is an initializer) into column panels of [`NR`]
//! columns, k-major, zero-padded; A is packed `MR` rows at a time into a stack buffer; an
//! `MR × NR` micro-kernel keeps its accumulator tile in registers. Loops are blocked by
//! [`KC`] rows of B and [`NC`] columns so that a block of B stays in the L2 cache while
//! every row of A streams past it.
//!
//! The kernel is plain fixed-size array arithmetic that LLVM vectorises for the target's
//! baseline (SSE2 on x86_64: A is packed pre-broadcast so each step is whole-vector
//! multiplies and adds, no shuffles); no `unsafe`, no `std::arch`, no runtime dispatch.
//! Outputs of one or two columns (a binary classifier's last layer) take a row-interleaved
//! path instead of tiles that would be mostly padding.
//!
//! Why no AVX2 or FMA: runtime dispatch needs `unsafe` (`#[target_feature]` functions) or a
//! crate that holds it. We measured this kernel compiled for AVX2 through `pulp`'s dispatch
//! (safe for us, builds for wasm32): 8-wide with separate multiply and add, and with
//! `mul_add` (FMA); on the project's machine (AMD Zen 1, which splits 256-bit operations
//! in two and has the same 16 flop/cycle peak with SSE2) neither was faster than this
//! SSE2 build. FMA would also change the bits, and wasm32 has no FMA (it would fall back to
//! software `fmaf`). The `gemm` crate uses FMA and its own summation order, and is a larger
//! dependency; `multiversion` emits `unsafe` blocks into our crate.
//!
//! **Exactness.** Every output element is accumulated in f32 in k order,
//! `((0 + a0·b0) + a1·b1) + …`, one rounded multiply and one rounded add per step (Rust
//! never contracts them into an FMA), so the result is the textbook triple loop's, bit for
//! bit, whatever the tile, blocking, batch size or the row's position in the batch: the
//! same on wasm32 and x86_64. The [`Epilogue`] then applies `alpha`, `beta · C` and the
//! activation to each finished sum in the order the unfused ONNX nodes would, so fusing
//! them changes no bit.

use super::elementwise::UnaryKind;

/// Columns of B per packed panel and per micro-kernel tile.
pub(crate) const NR: usize = 8;
/// Depth of one block of the inner dimension.
const KC: usize = 256;
/// Columns of B per L2-resident block (a multiple of [`NR`]).
const NC: usize = 256;

/// B (`k × n`) packed into panels: for each block of [`KC`] rows, for each panel of [`NR`]
/// columns, `kc` rows of `NR` values (columns past `n` are zero).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PackedB {
    k: usize,
    n: usize,
    panels: Vec<[f32; NR]>,
}

impl PackedB {
    /// Packs row-major `b`: `k × n`, or `n × k` read transposed when `transposed`.
    /// `b` must hold `k * n` values (checked by the callers against the shapes).
    pub(crate) fn pack(b: &[f32], k: usize, n: usize, transposed: bool) -> Self {
        let n_panels = n.div_ceil(NR);
        let mut panels = Vec::with_capacity(k * n_panels);
        let at = |p: usize, j: usize| {
            let i = if transposed { j * k + p } else { p * n + j };
            b.get(i).copied().unwrap_or(0.0)
        };
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            for jp in 0..n_panels {
                let j0 = jp * NR;
                for p in k0..k0 + kc {
                    let mut row = [0.0f32; NR];
                    for (j, v) in row.iter_mut().enumerate().take(n.saturating_sub(j0)) {
                        *v = at(p, j0 + j);
                    }
                    panels.push(row);
                }
            }
        }
        Self { k, n, panels }
    }

    pub(crate) fn k(&self) -> usize {
        self.k
    }

    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Element `(p, j)` of B (0 outside `k × n`).
    pub(crate) fn get(&self, p: usize, j: usize) -> f32 {
        if p >= self.k || j >= self.n {
            return 0.0;
        }
        let k0 = p / KC * KC;
        let kc = KC.min(self.k - k0);
        self.panel(k0, kc, j / NR)
            .get(p - k0)
            .map_or(0.0, |row| row[j % NR])
    }

    /// The `kc` packed rows of panel `jp` in the block starting at row `k0`.
    #[inline(always)]
    fn panel(&self, k0: usize, kc: usize, jp: usize) -> &[[f32; NR]] {
        let start = k0 * self.n.div_ceil(NR) + jp * kc;
        self.panels.get(start..start + kc).unwrap_or(&[])
    }
}

/// An addend `beta · C` with C broadcast to `m × n`: `rows` is 1 or m, `cols` 1 or n.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Addend<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub beta: f32,
}

/// What happens to each finished sum `s` of output element `(i, j)`, in this order:
/// `s *= alpha` (only when `alpha != 1`, as ONNX Runtime skips it), `s += beta · C[i, j]`,
/// then the activation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Epilogue<'a> {
    pub alpha: f32,
    pub addend: Option<Addend<'a>>,
    pub activation: Option<UnaryKind>,
}

impl Epilogue<'_> {
    pub(crate) const NONE: Epilogue<'static> = Epilogue {
        alpha: 1.0,
        addend: None,
        activation: None,
    };

    /// Applies the epilogue to a full tile, rows `i0..i0 + MR` and columns `j0..j0 + NR`:
    /// the same operations as [`Epilogue::apply`], as fixed-size loops that vectorise.
    #[inline(always)]
    fn apply_tile<const MR: usize>(&self, acc: &mut [[f32; NR]; MR], i0: usize, j0: usize) {
        if self.alpha != 1.0 {
            for row in acc.iter_mut() {
                for v in row.iter_mut() {
                    *v *= self.alpha;
                }
            }
        }
        if let Some(c) = self.addend {
            for (i, row) in acc.iter_mut().enumerate() {
                let base = if c.rows == 1 { 0 } else { (i0 + i) * c.cols };
                let cs: [f32; NR] = if c.cols == 1 {
                    [c.data.get(base).copied().unwrap_or(0.0); NR]
                } else {
                    c.data
                        .get(base + j0..base + j0 + NR)
                        .and_then(|s| <[f32; NR]>::try_from(s).ok())
                        .unwrap_or([0.0; NR])
                };
                for j in 0..NR {
                    row[j] += c.beta * cs[j];
                }
            }
        }
        match self.activation {
            None => {}
            Some(UnaryKind::Relu) => {
                for row in acc.iter_mut() {
                    for v in row.iter_mut() {
                        *v = if *v > 0.0 { *v } else { 0.0 };
                    }
                }
            }
            Some(act) => {
                for row in acc.iter_mut() {
                    act.apply_f32(row);
                }
            }
        }
    }

    /// Applies the epilogue to `vals`, the elements `(i, j0..j0 + vals.len())`.
    #[inline(always)]
    fn apply(&self, vals: &mut [f32], i: usize, j0: usize) {
        if self.alpha != 1.0 {
            vals.iter_mut().for_each(|v| *v *= self.alpha);
        }
        if let Some(c) = self.addend {
            let row = if c.rows == 1 { 0 } else { i };
            let base = row * c.cols;
            if c.cols == 1 {
                let cv = c.data.get(base).copied().unwrap_or(0.0);
                vals.iter_mut().for_each(|v| *v += c.beta * cv);
            } else if let Some(cs) = c.data.get(base + j0..base + j0 + vals.len()) {
                vals.iter_mut()
                    .zip(cs)
                    .for_each(|(v, &cv)| *v += c.beta * cv);
            }
        }
        match self.activation {
            None => {}
            // Inline so that it vectorises with the rest; the same expression as
            // `UnaryKind::apply_f32`.
            Some(UnaryKind::Relu) => vals
                .iter_mut()
                .for_each(|a| *a = if *a > 0.0 { *a } else { 0.0 }),
            Some(act) => act.apply_f32(vals),
        }
    }
}

/// Lanes of the vectors the kernel is written for (SSE2, the x86_64 baseline; simd128).
pub(crate) const LANES: usize = 4;
/// Rows of A per micro-kernel tile.
pub(crate) const MR: usize = 6;

/// `acc[i][j] += Σ_p a[p][i] · b[p][j]`, p in order: the register-blocked micro-kernel.
/// A is packed pre-broadcast (`a[p][i]` is `LANES` copies of one value), so each step is
/// whole-vector multiplies and adds with no shuffles.
#[inline(always)]
pub(crate) fn micro_kernel(a: &[[[f32; LANES]; MR]], b: &[[f32; NR]], acc: &mut [[f32; NR]; MR]) {
    for (av, bv) in a.iter().zip(b) {
        for i in 0..MR {
            for jv in 0..NR / LANES {
                for l in 0..LANES {
                    acc[i][jv * LANES + l] += av[i][l] * bv[jv * LANES + l];
                }
            }
        }
    }
}

/// `out = epilogue(A · B)` for row-major `a` (`m × b.k()`) into row-major `out`
/// (`m × b.n()`). `a` and `out` must hold at least `m * k` and `m * n` values.
pub(crate) fn gemm(a: &[f32], m: usize, b: &PackedB, out: &mut [f32], epilogue: &Epilogue<'_>) {
    gemm_tiles(a, m, b, out, epilogue);
}

/// Outputs this narrow or narrower (a binary classifier's last layer) skip the tiles,
/// which would compute mostly padding.
const NARROW: usize = 2;
/// Rows advanced together by [`narrow`]: independent sums that hide the add latency.
const NARROW_ROWS: usize = 8;

/// `out = epilogue(A · B)` for `n <= NARROW`: each output element is still one sum in k
/// order; [`NARROW_ROWS`] rows advance together so that their additions overlap.
fn narrow(a: &[f32], k: usize, b: &PackedB, out: &mut [f32], epilogue: &Epilogue<'_>) {
    let n = b.n;
    // Column j of B, contiguous (the packed panels hold it with stride NR).
    let columns: Vec<Vec<f32>> = (0..n)
        .map(|j| (0..k).map(|p| b.get(p, j)).collect())
        .collect();
    for (block, (a_rows, out_rows)) in a
        .chunks(NARROW_ROWS * k)
        .zip(out.chunks_mut(NARROW_ROWS * n))
        .enumerate()
    {
        let rows = a_rows.len() / k;
        for (j, col) in columns.iter().enumerate() {
            let mut acc = [0.0f32; NARROW_ROWS];
            if rows == NARROW_ROWS {
                for (p, &bv) in col.iter().enumerate() {
                    for (r, s) in acc.iter_mut().enumerate() {
                        *s += a_rows[r * k + p] * bv;
                    }
                }
            } else {
                for (p, &bv) in col.iter().enumerate() {
                    for (r, s) in acc.iter_mut().enumerate().take(rows) {
                        *s += a_rows[r * k + p] * bv;
                    }
                }
            }
            for (r, &s) in acc.iter().enumerate().take(rows) {
                out_rows[r * n + j] = s;
            }
        }
        for r in 0..rows {
            let i = block * NARROW_ROWS + r;
            epilogue.apply(&mut out_rows[r * n..(r + 1) * n], i, 0);
        }
    }
}

#[inline(always)]
fn gemm_tiles(a: &[f32], m: usize, b: &PackedB, out: &mut [f32], epilogue: &Epilogue<'_>) {
    let (k, n) = (b.k, b.n);
    if m == 0 || n == 0 {
        return;
    }
    let out = &mut out[..m * n];
    if k == 0 {
        out.fill(0.0);
        for (i, row) in out.chunks_exact_mut(n).enumerate() {
            epilogue.apply(row, i, 0);
        }
        return;
    }
    let a = &a[..m * k];
    if n <= NARROW {
        narrow(a, k, b, out, epilogue);
        return;
    }
    let mut a_pack = [[[0.0f32; LANES]; MR]; KC];
    for k0 in (0..k).step_by(KC) {
        let kc = KC.min(k - k0);
        let (first, last) = (k0 == 0, k0 + kc == k);
        for j_block in (0..n).step_by(NC) {
            let j_end = (j_block + NC).min(n);
            for i0 in (0..m).step_by(MR) {
                let mr = MR.min(m - i0);
                // Pack A[i0..i0 + mr, k0..k0 + kc], k-major; missing rows are zero.
                for (i, row) in a.chunks_exact(k).skip(i0).take(MR).enumerate() {
                    for (dst, &v) in a_pack.iter_mut().zip(&row[k0..k0 + kc]) {
                        dst[i] = [v; LANES];
                    }
                }
                if mr < MR {
                    for dst in &mut a_pack[..kc] {
                        dst[mr..].fill([0.0; LANES]);
                    }
                }
                for j0 in (j_block..j_end).step_by(NR) {
                    let nr = NR.min(n - j0);
                    tile(
                        &a_pack[..kc],
                        b,
                        out,
                        epilogue,
                        [i0, j0, k0],
                        [mr, nr],
                        first,
                        last,
                    );
                }
            }
        }
    }
}

/// One `MR × NR` tile at rows `i0..i0 + mr`, columns `j0..j0 + nr` of `out`, block `k0` of
/// the inner dimension: adds `A · B` to what the earlier blocks left in `out` (nothing when
/// `first`), then the epilogue when `last`.
///
/// `acc` is only ever indexed with fixed bounds, never sliced to the tile's `mr × nr`: a
/// slice would keep it in memory, and on wasm32 its zeroing and the copies in and out
/// become `memory.fill` / `memory.copy` calls, which V8 runs as calls into the runtime.
#[inline(always)]
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
fn tile(
    a_pack: &[[[f32; LANES]; MR]],
    b: &PackedB,
    out: &mut [f32],
    epilogue: &Epilogue<'_>,
    [i0, j0, k0]: [usize; 3],
    [mr, nr]: [usize; 2],
    first: bool,
    last: bool,
) {
    let n = b.n;
    let kc = a_pack.len();
    let mut acc = [[0.0f32; NR]; MR];
    if !first {
        for i in 0..MR {
            for j in 0..NR {
                if i < mr && j < nr {
                    acc[i][j] = out[(i0 + i) * n + j0 + j];
                }
            }
        }
    }
    micro_kernel(a_pack, b.panel(k0, kc, j0 / NR), &mut acc);
    if last {
        if mr == MR && nr == NR {
            epilogue.apply_tile(&mut acc, i0, j0);
        } else {
            for i in 0..MR {
                if i < mr {
                    let mut row = acc[i];
                    epilogue.apply(&mut row[..nr], i0 + i, j0);
                    acc[i] = row;
                }
            }
        }
    }
    for i in 0..MR {
        if i < mr {
            let o = (i0 + i) * n + j0;
            match out.get_mut(o..o + NR) {
                // A full row of the tile: a fixed-size copy, no memcpy call.
                Some(dst) if nr == NR => dst.copy_from_slice(&acc[i]),
                _ => {
                    for j in 0..NR {
                        if j < nr {
                            out[o + j] = acc[i][j];
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook triple loop, accumulating in k order.
    fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f32;
                for p in 0..k {
                    s += a[i * k + p] * b[p * n + j];
                }
                out[i * n + j] = s;
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32) * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn bit_identical_to_the_triple_loop_for_every_tile_remainder() {
        // Shapes straddling MR, NR, KC and NC, including empty dimensions.
        let dims = [
            (0, 3, 5),
            (3, 0, 5),
            (1, 1, 1),
            (3, 7, 5),
            (4, 8, 8),
            (5, 30, 64),
            (9, 64, 32),
            (7, 32, 1),
            (13, 40, 2),
            (17, 300, 1),
            (2, 300, 9),
            (6, 3, 270),
            (5, 513, 17),
        ];
        for (m, k, n) in dims {
            let a = values(m * k, 1);
            let b = values(k * n, 2);
            let mut out = vec![f32::NAN; m * n];
            gemm(
                &a,
                m,
                &PackedB::pack(&b, k, n, false),
                &mut out,
                &Epilogue::NONE,
            );
            let want = reference(&a, &b, m, k, n);
            assert!(
                out.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "m={m} k={k} n={n}"
            );
        }
    }

    #[test]
    fn transposed_packing_reads_b_as_n_by_k() {
        let (m, k, n) = (3, 5, 11);
        let a = values(m * k, 3);
        let b = values(k * n, 4);
        let bt: Vec<f32> = (0..n)
            .flat_map(|j| (0..k).map(move |p| (j, p)))
            .map(|(j, p)| b[p * n + j])
            .collect();
        let mut out = vec![0.0; m * n];
        gemm(
            &a,
            m,
            &PackedB::pack(&bt, k, n, true),
            &mut out,
            &Epilogue::NONE,
        );
        assert_eq!(out, reference(&a, &b, m, k, n));
    }

    #[test]
    fn epilogue_matches_the_unfused_sequence() {
        let (m, k, n) = (6, 10, 12);
        let a = values(m * k, 5);
        let b = values(k * n, 6);
        let bias = values(n, 7);
        let c_full = values(m * n, 8);
        let packed = PackedB::pack(&b, k, n, false);
        let plain = reference(&a, &b, m, k, n);
        let cases: [(f32, Addend<'_>, UnaryKind); 4] = [
            (
                1.0,
                Addend {
                    data: &bias,
                    rows: 1,
                    cols: n,
                    beta: 1.0,
                },
                UnaryKind::Relu,
            ),
            (
                0.5,
                Addend {
                    data: &c_full,
                    rows: m,
                    cols: n,
                    beta: 2.0,
                },
                UnaryKind::Tanh,
            ),
            (
                1.0,
                Addend {
                    data: &bias[..1],
                    rows: 1,
                    cols: 1,
                    beta: -1.5,
                },
                UnaryKind::Sigmoid,
            ),
            (
                -2.0,
                Addend {
                    data: &c_full[..m],
                    rows: m,
                    cols: 1,
                    beta: 1.0,
                },
                UnaryKind::Relu,
            ),
        ];
        for (alpha, c, act) in cases {
            let mut want = plain.clone();
            for i in 0..m {
                for j in 0..n {
                    let v = &mut want[i * n + j];
                    if alpha != 1.0 {
                        *v *= alpha;
                    }
                    let cv = c.data[if c.rows == 1 { 0 } else { i } * c.cols
                        + if c.cols == 1 { 0 } else { j }];
                    *v += c.beta * cv;
                }
            }
            act.apply_f32(&mut want);
            let mut out = vec![0.0; m * n];
            let ep = Epilogue {
                alpha,
                addend: Some(c),
                activation: Some(act),
            };
            gemm(&a, m, &packed, &mut out, &ep);
            assert_eq!(out, want, "alpha {alpha}, {act:?}");
        }
    }
}

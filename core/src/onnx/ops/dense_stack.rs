//! A stack of dense layers (an MLP's hidden layers and its output layer) run as one op,
//! with the activations between layers kept **feature-major**.
//!
//! A lone [`FusedDense`] multiplies activations (`m × k`, row-major) by packed weights, so
//! every call re-packs its A operand (each value broadcast to a vector) before the kernel
//! can use it. In a stack the roles swap: the *weights* are the broadcast operand, packed
//! once at load, and the activations are the vector operand, stored in blocks of [`ROWS`]
//! rows (`[f32; ROWS]` per feature). The kernel then writes each layer's output straight
//! into the layout the next layer reads: nothing is packed or transposed per batch between
//! layers, only the stack's input (to blocks) and its output (back to rows).
//!
//! **Exactness.** The micro-kernel is `gemm_kernel`'s: element `(i, j)` of each layer is
//! still `((0 + x₀·w₀) + x₁·w₁) + …` in k order, then `alpha`, `beta · C` and the
//! activation in the order of the unfused nodes, so the stack's outputs are the unstacked
//! layers' bit for bit (tested below against `FusedDense`).

use super::elementwise::UnaryKind;
use super::gemm_kernel::LANES;
use super::matmul::{DenseShape, FusedDense};
use super::{Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

/// Rows per block of the feature-major layout: the kernel tile's width.
const ROWS: usize = 8;

/// Output features per kernel tile (the tile's height).
#[cfg(not(target_arch = "wasm32"))]
const FEATS: usize = 6;
#[cfg(target_arch = "wasm32")]
const FEATS: usize = 4;

/// One weight as the kernel reads it. Natively (SSE2) pre-broadcast to a vector, so that
/// each kernel step is whole-vector arithmetic with no shuffles; on wasm32 a single value,
/// which simd128 broadcasts as it loads it (`v128.load32_splat`), so the weights take a
/// quarter of the cache.
#[cfg(not(target_arch = "wasm32"))]
type Weight = [f32; LANES];
#[cfg(target_arch = "wasm32")]
type Weight = f32;

/// Lane `l` of a [`Weight`].
#[inline(always)]
#[cfg(not(target_arch = "wasm32"))]
fn lane(w: &Weight, l: usize) -> f32 {
    w[l]
}
#[inline(always)]
#[cfg(target_arch = "wasm32")]
fn lane(w: &Weight, _l: usize) -> f32 {
    *w
}

#[inline(always)]
#[cfg(not(target_arch = "wasm32"))]
fn weight(v: f32) -> Weight {
    [v; LANES]
}
#[inline(always)]
#[cfg(target_arch = "wasm32")]
fn weight(v: f32) -> Weight {
    v
}

/// `acc[i][r] += Σ_p w[p][i] · x[p][r]`, p in order: the register-blocked micro-kernel,
/// `gemm_kernel::micro_kernel` with the weights as its broadcast operand.
#[inline(always)]
fn micro_kernel(w: &[[Weight; FEATS]], x: &[[f32; ROWS]], acc: &mut [[f32; ROWS]; FEATS]) {
    for (wv, xv) in w.iter().zip(x) {
        for i in 0..FEATS {
            for jv in 0..ROWS / LANES {
                for l in 0..LANES {
                    acc[i][jv * LANES + l] += lane(&wv[i], l) * xv[jv * LANES + l];
                }
            }
        }
    }
}

/// One layer: `activation(alpha · (X · W) + beta · c)` with `c` one value per output
/// feature (or one for all).
#[derive(Debug)]
struct Layer {
    k: usize,
    n: usize,
    /// `n.div_ceil(FEATS)` tiles of `k` entries: the weights of features
    /// `FEATS·t .. FEATS·t + FEATS` for input feature `p` (zero past `n`).
    weights: Vec<[Weight; FEATS]>,
    alpha: f32,
    bias: Option<(f32, Vec<f32>)>,
    activation: Option<UnaryKind>,
}

impl Layer {
    /// The layer of a fused MatMul/Gemm whose A is not transposed and whose addend is the
    /// same for every row; `None` otherwise.
    fn new(f: &FusedDense) -> Option<Layer> {
        if matches!(f.shape, DenseShape::Gemm { trans_a: true }) {
            return None;
        }
        let (k, n) = (f.packed.k(), f.packed.n());
        if k == 0 || n == 0 {
            return None;
        }
        let bias = match &f.addend {
            None => None,
            Some(c) => {
                let cols = match c.shape.as_slice() {
                    [] => 1,
                    [x] | [1, x] => *x,
                    _ => return None,
                };
                if !(cols == 1 || cols == n) || c.data.len() != cols {
                    return None;
                }
                Some((c.beta, c.data.clone()))
            }
        };
        let mut weights = Vec::with_capacity(n.div_ceil(FEATS) * k);
        for t in 0..n.div_ceil(FEATS) {
            for p in 0..k {
                weights.push(std::array::from_fn(|jj| {
                    weight(f.packed.get(p, t * FEATS + jj))
                }));
            }
        }
        Some(Layer {
            k,
            n,
            weights,
            alpha: f.alpha,
            bias,
            activation: f.activation,
        })
    }

    /// `output` (`blocks × n` entries) from `input` (`blocks × k` entries).
    fn forward(&self, input: &[[f32; ROWS]], output: &mut [[f32; ROWS]]) {
        let (k, n) = (self.k, self.n);
        for (t, w) in self.weights.chunks_exact(k).enumerate() {
            let j0 = t * FEATS;
            let nr = FEATS.min(n - j0);
            for (x, out) in input.chunks_exact(k).zip(output.chunks_exact_mut(n)) {
                let mut acc = [[0.0f32; ROWS]; FEATS];
                micro_kernel(w, x, &mut acc);
                self.store(acc, out, j0, nr);
            }
        }
    }

    /// Finishes a tile's `nr` features (padding features, past `n` in the last tile, get
    /// no epilogue) and stores them at `j0` of a block's `out`.
    ///
    /// On wasm32 row by row, by value: no slice of `acc` is ever taken, so LLVM keeps it
    /// in registers. (A slice puts it in memory, and on wasm32 zeroing it and copying it
    /// out become `memory.fill` / `memory.copy` calls, which V8 runs as calls into the
    /// runtime; removing them made the bench MLP 10–20 % faster in V8.) A loop of fixed
    /// length (unrolled), not an iterator over `acc`, which would hold it in memory.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    #[cfg(target_arch = "wasm32")]
    fn store(&self, acc: [[f32; ROWS]; FEATS], out: &mut [[f32; ROWS]], j0: usize, nr: usize) {
        for jj in 0..FEATS {
            if jj < nr
                && let Some(dst) = out.get_mut(j0 + jj)
            {
                *dst = self.finish(acc[jj], j0 + jj);
            }
        }
    }

    /// Natively a whole tile is finished, then stored with one copy: x86_64 keeps the
    /// tile in registers either way, and the by-value stores of the wasm32 path cost the
    /// native MLP ≈ 29 % (`onnx_engine` bench, against `c3c57e7`). The same operations
    /// in the same order: the bits do not depend on the path.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    #[cfg(not(target_arch = "wasm32"))]
    fn store(&self, mut acc: [[f32; ROWS]; FEATS], out: &mut [[f32; ROWS]], j0: usize, nr: usize) {
        if nr == FEATS {
            for jj in 0..FEATS {
                acc[jj] = self.finish(acc[jj], j0 + jj);
            }
            if let Some(dst) = out.get_mut(j0..j0 + FEATS) {
                dst.copy_from_slice(&acc);
            }
        } else {
            for (jj, (dst, src)) in out.iter_mut().skip(j0).zip(&acc).take(nr).enumerate() {
                *dst = self.finish(*src, j0 + jj);
            }
        }
    }

    /// The epilogue of output feature `j` (`row`: its sums for the block's rows): the same
    /// operations, in the same order, as `gemm_kernel::Epilogue`.
    #[inline(always)]
    fn finish(&self, mut row: [f32; ROWS], j: usize) -> [f32; ROWS] {
        if self.alpha != 1.0 {
            row.iter_mut().for_each(|v| *v *= self.alpha);
        }
        if let Some((beta, c)) = &self.bias {
            let cv = if c.len() == 1 {
                c[0]
            } else {
                c.get(j).copied().unwrap_or(0.0)
            };
            row.iter_mut().for_each(|v| *v += beta * cv);
        }
        match self.activation {
            None => {}
            Some(UnaryKind::Relu) => row
                .iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 }),
            Some(act) => act.apply_f32(&mut row),
        }
        row
    }
}

/// Two or more dense layers, each reading only the previous one's output; takes a 2-D
/// f32 input `[m, k]` and gives `[m, n]` of the last layer.
#[derive(Debug)]
pub(crate) struct DenseStack {
    layers: Vec<Layer>,
    /// The same layers with plain row-major weights, for the GPU engine's `dense.wgsl`.
    #[cfg(feature = "gpu")]
    plain: Vec<PlainLayer>,
}

/// One layer of a [`DenseStack`] as the GPU kernel reads it.
#[cfg(feature = "gpu")]
#[derive(Debug)]
pub(crate) struct PlainLayer {
    pub k: usize,
    pub n: usize,
    /// Row-major `k × n`.
    pub weights: Vec<f32>,
    pub alpha: f32,
    /// `beta` and one value, or one per output feature.
    pub bias: Option<(f32, Vec<f32>)>,
    pub activation: Option<UnaryKind>,
}

impl DenseStack {
    /// The stack of `layers` (in order), or `None` when one of them cannot be stacked or
    /// their widths do not chain.
    pub(crate) fn new(layers: &[&FusedDense]) -> Option<DenseStack> {
        #[cfg(feature = "gpu")]
        let plain = layers
            .iter()
            .map(|f| {
                let (k, n) = (f.packed.k(), f.packed.n());
                PlainLayer {
                    k,
                    n,
                    weights: (0..k * n).map(|i| f.packed.get(i / n, i % n)).collect(),
                    alpha: f.alpha,
                    bias: f.addend.as_ref().map(|c| (c.beta, c.data.clone())),
                    activation: f.activation,
                }
            })
            .collect();
        let layers: Vec<Layer> = layers
            .iter()
            .map(|f| Layer::new(f))
            .collect::<Option<_>>()?;
        let chained = layers.windows(2).all(|w| w[0].n == w[1].k);
        (layers.len() >= 2 && chained).then_some(DenseStack {
            layers,
            #[cfg(feature = "gpu")]
            plain,
        })
    }

    /// The layers as the GPU kernel reads them.
    #[cfg(feature = "gpu")]
    pub(crate) fn plain(&self) -> &[PlainLayer] {
        &self.plain
    }

    /// The input checked as [`Op::run`] checks it: its values and its number of rows.
    pub(crate) fn input<'t>(&self, inputs: &[&'t Tensor]) -> Result<(&'t [f32], usize), OpError> {
        expect_inputs(inputs, 1, 1)?;
        let a = super::f32_input(inputs[0], 0)?;
        let (k, n) = (self.k(), self.n());
        let &[m, width] = inputs[0].shape() else {
            return Err(OpError::shape(format!(
                "the dense layers need a 2-D input, got shape {:?}",
                inputs[0].shape()
            )));
        };
        if width != k {
            return Err(OpError::shape(format!(
                "inner dimensions {width} and {k} differ"
            )));
        }
        element_count(&[m, n])?;
        Ok((a, m))
    }

    fn k(&self) -> usize {
        self.layers.first().map_or(0, |l| l.k)
    }

    fn n(&self) -> usize {
        self.layers.last().map_or(0, |l| l.n)
    }
}

impl Op for DenseStack {
    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let shape = inputs[0]
            .shape
            .as_ref()
            .map(|s| vec![s.first().copied().flatten(), Some(self.n())]);
        Ok(vec![ValueType::new(DType::F32, shape)])
    }

    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        match inputs {
            [Rows::Batched { axis: 0 }] => inputs[0],
            _ => Rows::conservative(inputs),
        }
    }

    #[cfg(feature = "gpu")]
    fn as_dense_stack(&self) -> Option<&DenseStack> {
        Some(self)
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        let (a, m) = self.input(inputs)?;
        let (k, n) = (self.k(), self.n());
        let blocks = m.div_ceil(ROWS);
        // Rows to blocks of ROWS rows, feature-major; rows past m stay zero.
        let mut x = vec![[0.0f32; ROWS]; blocks * k];
        for (block, rows) in x.chunks_exact_mut(k).zip(a.chunks(ROWS * k)) {
            for (r, row) in rows.chunks_exact(k).enumerate() {
                for (dst, &v) in block.iter_mut().zip(row) {
                    dst[r] = v;
                }
            }
        }
        // Two buffers, each as large as the widest layer, used in turn.
        let widest = self.layers.iter().map(|l| l.n).max().unwrap_or(0);
        x.resize(blocks * widest.max(k), [0.0; ROWS]);
        let mut y = vec![[0.0f32; ROWS]; blocks * widest];
        let mut width = k;
        for layer in &self.layers {
            layer.forward(&x[..blocks * width], &mut y[..blocks * layer.n]);
            std::mem::swap(&mut x, &mut y);
            width = layer.n;
        }
        let x = &x[..blocks * n];
        let mut out = vec![0.0f32; m * n];
        for (rows, block) in out.chunks_mut(ROWS * n).zip(x.chunks_exact(n)) {
            for (r, row) in rows.chunks_exact_mut(n).enumerate() {
                for (v, src) in row.iter_mut().zip(block) {
                    *v = src[r];
                }
            }
        }
        Ok(vec![Tensor::from_parts(vec![m, n], TensorData::F32(out))?])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::onnx::ops::gemm_kernel::PackedB;
    use crate::onnx::ops::matmul::ConstAddend;

    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 20_001) as f32 / 10_000.0 - 1.0
            })
            .collect()
    }

    fn layer(
        k: usize,
        n: usize,
        seed: u32,
        bias: Option<Vec<usize>>,
        act: Option<UnaryKind>,
    ) -> FusedDense {
        let alpha = if seed.is_multiple_of(2) { 1.0 } else { 0.75 };
        FusedDense {
            packed: PackedB::pack(&values(k * n, seed), k, n, seed.is_multiple_of(3)),
            shape: if seed.is_multiple_of(3) {
                DenseShape::Gemm { trans_a: false }
            } else {
                DenseShape::MatMul
            },
            alpha,
            addend: bias.map(|shape| ConstAddend {
                data: values(shape.iter().product(), seed + 100),
                shape,
                beta: if seed.is_multiple_of(2) { 1.0 } else { 0.5 },
            }),
            activation: act,
        }
    }

    fn run(op: &dyn Op, x: &Tensor) -> Vec<f32> {
        let out = op.run(&[x]).unwrap();
        out[0].as_f32().unwrap().to_vec()
    }

    /// The stack equals running its layers one after the other, bit for bit, for every
    /// row count around the block size, widths around the tile size, each bias shape and
    /// activation.
    #[test]
    fn bit_identical_to_the_layers_one_by_one() {
        let acts = [
            Some(UnaryKind::Relu),
            Some(UnaryKind::Tanh),
            Some(UnaryKind::Sigmoid),
            None,
        ];
        let mut checked = 0;
        for (case, &(k, h1, h2, n)) in [
            (30, 64, 32, 1),
            (4, 5, 7, 3),
            (13, 6, 12, 2),
            (1, 1, 1, 1),
            (300, 13, 8, 9),
        ]
        .iter()
        .enumerate()
        {
            let case = case as u32;
            let stack = [
                layer(k, h1, 10 * case + 1, Some(vec![h1]), acts[0]),
                layer(
                    h1,
                    h2,
                    10 * case + 2,
                    Some(vec![1, h2]),
                    acts[1 + case as usize % 2],
                ),
                layer(h2, h2, 10 * case + 3, Some(vec![]), None),
                layer(h2, n, 10 * case + 4, None, acts[2]),
            ];
            let refs: Vec<&FusedDense> = stack.iter().collect();
            let op = DenseStack::new(&refs).unwrap();
            for m in [1, 7, 8, 9, 17, 513] {
                let x = Tensor::f32(vec![m, k], values(m * k, 7 + m as u32)).unwrap();
                let mut want = x.clone();
                for l in &stack {
                    want = l.run(&[&want]).unwrap().remove(0);
                }
                let got = run(&op, &x);
                let want = want.as_f32().unwrap();
                assert_eq!(got.len(), want.len());
                for (i, (g, w)) in got.iter().zip(want).enumerate() {
                    assert_eq!(g.to_bits(), w.to_bits(), "k={k} m={m} element {i}");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 30);
    }

    #[test]
    fn layers_that_cannot_stack_are_refused() {
        let a = layer(4, 5, 1, Some(vec![5]), None);
        // Widths that do not chain.
        let b = layer(6, 2, 2, None, None);
        assert!(DenseStack::new(&[&a, &b]).is_none());
        // An addend per row.
        let c = layer(5, 2, 4, Some(vec![3, 2]), None);
        assert!(DenseStack::new(&[&a, &c]).is_none());
        // One layer is not a stack.
        assert!(DenseStack::new(&[&a]).is_none());
    }

    #[test]
    fn a_wrong_input_is_a_named_error() {
        let a = layer(4, 5, 1, None, None);
        let b = layer(5, 2, 2, None, None);
        let op = DenseStack::new(&[&a, &b]).unwrap();
        let x = Tensor::f32(vec![2, 3], vec![0.0; 6]).unwrap();
        let err = op.run(&[&x]).unwrap_err().to_string();
        assert!(err.contains("3 and 4"), "{err}");
        let x = Tensor::f32(vec![8], vec![0.0; 8]).unwrap();
        let err = op.run(&[&x]).unwrap_err().to_string();
        assert!(err.contains("2-D"), "{err}");
    }
}

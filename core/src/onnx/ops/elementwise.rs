//! Element-wise ops: Add, Sub, Mul, Div with numpy-style broadcasting (f32, f64, int64),
//! and Relu, Sigmoid, Tanh (f32, f64).

use super::{Dim, Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug, Clone, Copy)]
pub(crate) enum BinaryKind {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug)]
pub(crate) struct Binary {
    kind: BinaryKind,
}

impl Binary {
    pub(crate) fn new(kind: BinaryKind) -> Self {
        Self { kind }
    }
}

/// Numpy broadcast of two shapes.
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, OpError> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(OpError::shape(format!(
                    "shapes {a:?} and {b:?} cannot be broadcast"
                )));
            }
        };
    }
    Ok(out)
}

/// Strides of `shape` aligned to `out` (0 on broadcast dimensions).
fn aligned_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; out.len()];
    let offset = out.len() - shape.len();
    let mut s = 1;
    for i in (0..shape.len()).rev() {
        strides[offset + i] = if shape[i] == 1 { 0 } else { s };
        s *= shape[i];
    }
    strides
}

fn apply<T: Copy>(
    a: &[T],
    ash: &[usize],
    b: &[T],
    bsh: &[usize],
    f: impl Fn(T, T) -> T,
) -> Result<(Vec<T>, Vec<usize>), OpError> {
    let out_shape = broadcast_shape(ash, bsh)?;
    let n = element_count(&out_shape)?;
    if a.len() == n && b.len() == n {
        return Ok((a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect(), out_shape));
    }
    if a.len() == n
        && !b.is_empty()
        && n % b.len() == 0
        && out_shape.ends_with(
            bsh.iter()
                .skip_while(|&&d| d == 1)
                .copied()
                .collect::<Vec<_>>()
                .as_slice(),
        )
    {
        return Ok((
            a.iter()
                .zip(b.iter().cycle())
                .map(|(&x, &y)| f(x, y))
                .collect(),
            out_shape,
        ));
    }
    if b.len() == n
        && !a.is_empty()
        && n % a.len() == 0
        && out_shape.ends_with(
            ash.iter()
                .skip_while(|&&d| d == 1)
                .copied()
                .collect::<Vec<_>>()
                .as_slice(),
        )
    {
        return Ok((
            a.iter().cycle().zip(b).map(|(&x, &y)| f(x, y)).collect(),
            out_shape,
        ));
    }
    // General case: walk the output index with a counter.
    let (sa, sb) = (
        aligned_strides(ash, &out_shape),
        aligned_strides(bsh, &out_shape),
    );
    let mut idx = vec![0usize; out_shape.len()];
    let mut out = Vec::with_capacity(n);
    let (mut ia, mut ib) = (0usize, 0usize);
    for _ in 0..n {
        out.push(f(a[ia], b[ib]));
        for d in (0..out_shape.len()).rev() {
            idx[d] += 1;
            ia += sa[d];
            ib += sb[d];
            if idx[d] < out_shape[d] {
                break;
            }
            ia -= sa[d] * out_shape[d];
            ib -= sb[d] * out_shape[d];
            idx[d] = 0;
        }
    }
    Ok((out, out_shape))
}

fn infer_broadcast(
    a: &Option<Vec<Dim>>,
    b: &Option<Vec<Dim>>,
) -> Result<Option<Vec<Dim>>, OpError> {
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(None);
    };
    let rank = a.len().max(b.len());
    let get = |s: &[Dim], i: usize| {
        if i + s.len() >= rank {
            s[i + s.len() - rank]
        } else {
            Some(1)
        }
    };
    (0..rank)
        .map(|i| match (get(a, i), get(b, i)) {
            (Some(x), Some(y)) if x == y => Ok(Some(x)),
            (Some(1), y) => Ok(y),
            (x, Some(1)) => Ok(x),
            (Some(x), Some(y)) => Err(OpError::shape(format!(
                "dimensions {x} and {y} cannot be broadcast"
            ))),
            _ => Ok(None),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `a = f(a, b)` in place when the broadcast result has `a`'s shape and `b` repeats
/// along `a`'s leading dimensions; returns false when another layout needs the general path.
fn apply_in_place<T: Copy>(
    a: &mut [T],
    ash: &[usize],
    b: &[T],
    bsh: &[usize],
    f: impl Fn(T, T) -> T,
) -> Result<bool, OpError> {
    if broadcast_shape(ash, bsh)? != ash || b.is_empty() {
        return Ok(false);
    }
    let suffix: Vec<usize> = bsh.iter().skip_while(|&&d| d == 1).copied().collect();
    if b.len() == a.len() || (a.len().is_multiple_of(b.len()) && ash.ends_with(&suffix)) {
        for (x, &y) in a.iter_mut().zip(b.iter().cycle()) {
            *x = f(*x, y);
        }
        return Ok(true);
    }
    Ok(false)
}

fn arith<T>(k: BinaryKind, p: T, q: T) -> T
where
    T: std::ops::Add<Output = T>
        + std::ops::Sub<Output = T>
        + std::ops::Mul<Output = T>
        + std::ops::Div<Output = T>,
{
    match k {
        BinaryKind::Add => p + q,
        BinaryKind::Sub => p - q,
        BinaryKind::Mul => p * q,
        BinaryKind::Div => p / q,
    }
}

/// A batched value (batch along `axis`) combined with a constant: still batched when the
/// constant does not reach the batch axis or beyond it to the left, i.e. when its
/// dimensions aligned with the batch axis and the ones before it are all 1.
fn batched_with_const(axis: usize, batched: &ValueType, c: &ValueType) -> Rows {
    let (Some(sb), Some(sc)) = (&batched.shape, &c.shape) else {
        return Rows::Mixed;
    };
    let Some(offset) = sb.len().checked_sub(sc.len()) else {
        return Rows::Mixed;
    };
    if sc
        .iter()
        .enumerate()
        .all(|(i, d)| i + offset > axis || *d == Some(1))
    {
        Rows::Batched { axis }
    } else {
        Rows::Mixed
    }
}

impl Op for Binary {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Binary(self.kind))
    }

    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let rank = |i: usize| types.get(i).and_then(|t| t.shape.as_ref()).map(Vec::len);
        match (inputs, types) {
            ([Rows::Batched { axis: a }, Rows::Batched { axis: b }], _)
                if a == b && rank(0).is_some() && rank(0) == rank(1) =>
            {
                inputs[0]
            }
            ([Rows::Batched { axis }, Rows::Const], [tb, tc])
            | ([Rows::Const, Rows::Batched { axis }], [tc, tb]) => {
                batched_with_const(*axis, tb, tc)
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (a, b) = (&inputs[0], &inputs[1]);
        if a.dtype != b.dtype || a.dtype == DType::Str {
            return Err(OpError::InputType {
                index: 1,
                expected: format!("{} (numeric, same as input 0)", a.dtype),
                found: b.dtype,
            });
        }
        Ok(vec![ValueType::new(
            a.dtype,
            infer_broadcast(&a.shape, &b.shape)?,
        )])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (a, b) = (inputs[0], inputs[1]);
        let (sa, sb) = (a.shape(), b.shape());
        let k = self.kind;
        let (data, shape) = match (a.data(), b.data()) {
            (TensorData::F32(x), TensorData::F32(y)) => {
                let (v, s) = apply(x, sa, y, sb, |p, q| match k {
                    BinaryKind::Add => p + q,
                    BinaryKind::Sub => p - q,
                    BinaryKind::Mul => p * q,
                    BinaryKind::Div => p / q,
                })?;
                (TensorData::F32(v), s)
            }
            (TensorData::F64(x), TensorData::F64(y)) => {
                let (v, s) = apply(x, sa, y, sb, |p, q| match k {
                    BinaryKind::Add => p + q,
                    BinaryKind::Sub => p - q,
                    BinaryKind::Mul => p * q,
                    BinaryKind::Div => p / q,
                })?;
                (TensorData::F64(v), s)
            }
            (TensorData::I64(x), TensorData::I64(y)) => {
                if matches!(k, BinaryKind::Div) && y.contains(&0) {
                    return Err(OpError::shape("integer division by zero"));
                }
                let (v, s) = apply(x, sa, y, sb, |p, q| match k {
                    BinaryKind::Add => p.wrapping_add(q),
                    BinaryKind::Sub => p.wrapping_sub(q),
                    BinaryKind::Mul => p.wrapping_mul(q),
                    BinaryKind::Div => p.wrapping_div(q),
                })?;
                (TensorData::I64(v), s)
            }
            (x, y) => {
                return Err(OpError::InputType {
                    index: 1,
                    expected: format!("{} (same as input 0, numeric)", x.dtype()),
                    found: y.dtype(),
                });
            }
        };
        Ok(vec![Tensor::from_parts(shape, data)?])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 1, 1)?;
        let b = rest[0];
        let k = self.kind;
        let shape = first.shape().to_vec();
        let mut data = first.into_data();
        let done = match (&mut data, b.data()) {
            (TensorData::F32(x), TensorData::F32(y)) => {
                apply_in_place(x, &shape, y, b.shape(), |p, q| arith(k, p, q))?
            }
            (TensorData::F64(x), TensorData::F64(y)) => {
                apply_in_place(x, &shape, y, b.shape(), |p, q| arith(k, p, q))?
            }
            _ => false,
        };
        let a = Tensor::from_parts(shape, data)?;
        if done {
            Ok(vec![a])
        } else {
            self.run(&[&a, b])
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum UnaryKind {
    Relu,
    Sigmoid,
    Tanh,
}

#[derive(Debug)]
pub(crate) struct Unary {
    kind: UnaryKind,
}

impl Unary {
    pub(crate) fn new(kind: UnaryKind) -> Self {
        Self { kind }
    }
}

impl UnaryKind {
    /// Applies the function to every value in place (f32). The fused dense kernel's
    /// epilogue calls this too, so fused and unfused activations are the same code.
    pub(crate) fn apply_f32(self, v: &mut [f32]) {
        match self {
            UnaryKind::Relu => v
                .iter_mut()
                .for_each(|a| *a = if *a > 0.0 { *a } else { 0.0 }),
            UnaryKind::Sigmoid => v
                .iter_mut()
                .for_each(|a| *a = super::post_transform::logistic(*a)),
            UnaryKind::Tanh => v.iter_mut().for_each(|a| *a = libm::tanhf(*a)),
        }
    }
}

impl Unary {
    /// Applies the function in place.
    fn apply_in_place(&self, data: &mut TensorData) -> Result<(), OpError> {
        let k = self.kind;
        match data {
            TensorData::F32(v) => k.apply_f32(v),
            TensorData::F64(v) => v.iter_mut().for_each(|a| {
                *a = match k {
                    UnaryKind::Relu => {
                        if *a > 0.0 {
                            *a
                        } else {
                            0.0
                        }
                    }
                    UnaryKind::Sigmoid => 1.0 / (1.0 + libm::exp(-*a)),
                    UnaryKind::Tanh => libm::tanh(*a),
                }
            }),
            other => {
                return Err(OpError::InputType {
                    index: 0,
                    expected: "float32 or float64".into(),
                    found: other.dtype(),
                });
            }
        }
        Ok(())
    }
}

impl Op for Unary {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Unary(self.kind))
    }

    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        inputs.first().copied().unwrap_or(Rows::Mixed)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        if !matches!(inputs[0].dtype, DType::F32 | DType::F64) {
            return Err(OpError::InputType {
                index: 0,
                expected: "float32 or float64".into(),
                found: inputs[0].dtype,
            });
        }
        Ok(vec![inputs[0].clone()])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        self.run_owned(inputs[0].clone(), &[])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 0, 0)?;
        let shape = first.shape().to_vec();
        let mut data = first.into_data();
        self.apply_in_place(&mut data)?;
        Ok(vec![Tensor::from_parts(shape, data)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference broadcast by explicit multi-indices.
    fn naive(a: &[f32], ash: &[usize], b: &[f32], bsh: &[usize]) -> Vec<f32> {
        let out = broadcast_shape(ash, bsh).unwrap();
        let n: usize = out.iter().product();
        let at = |v: &[f32], sh: &[usize], idx: &[usize]| {
            let off = idx.len() - sh.len();
            let mut flat = 0;
            for (d, &s) in sh.iter().enumerate() {
                flat = flat * s + if s == 1 { 0 } else { idx[off + d] };
            }
            v[flat]
        };
        (0..n)
            .map(|mut k| {
                let mut idx = vec![0; out.len()];
                for d in (0..out.len()).rev() {
                    idx[d] = k % out[d];
                    k /= out[d];
                }
                at(a, ash, &idx) - at(b, bsh, &idx)
            })
            .collect()
    }

    #[test]
    fn broadcasting_matches_a_naive_reference() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[2, 3], &[2, 3]),
            (&[2, 3], &[3]),
            (&[2, 3], &[1, 3]),
            (&[2, 1, 3], &[4, 1]),
            (&[4, 1], &[2, 1, 3]),
            (&[3, 1], &[1, 4]),
            (&[1], &[2, 2]),
            (&[2, 3], &[2, 1]),
        ];
        for (ash, bsh) in cases {
            let a: Vec<f32> = (0..ash.iter().product::<usize>())
                .map(|i| i as f32 * 1.5)
                .collect();
            let b: Vec<f32> = (0..bsh.iter().product::<usize>())
                .map(|i| i as f32 * -0.25 + 7.0)
                .collect();
            let (got, shape) = apply(&a, ash, &b, bsh, |x, y| x - y).unwrap();
            assert_eq!(shape, broadcast_shape(ash, bsh).unwrap());
            assert_eq!(got, naive(&a, ash, &b, bsh), "{ash:?} - {bsh:?}");
        }
    }

    #[test]
    fn in_place_path_agrees_with_the_allocating_one() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[2, 3], &[2, 3]),
            (&[2, 3], &[3]),
            (&[2, 3], &[1, 3]),
            (&[1, 6], &[6]),
            (&[2, 3], &[2, 1]),
            (&[2, 3], &[1]),
        ];
        for (ash, bsh) in cases {
            let a: Vec<f32> = (0..ash.iter().product::<usize>())
                .map(|i| i as f32 + 0.5)
                .collect();
            let b: Vec<f32> = (0..bsh.iter().product::<usize>())
                .map(|i| 3.0 - i as f32)
                .collect();
            let (want, _) = apply(&a, ash, &b, bsh, |x, y| x / y).unwrap();
            let mut got = a.clone();
            if apply_in_place(&mut got, ash, &b, bsh, |x, y| x / y).unwrap() {
                assert_eq!(got, want, "{ash:?} / {bsh:?}");
            } else {
                assert_eq!(
                    *ash,
                    [2, 3],
                    "only the [2, 1] column case needs the general path"
                );
            }
        }
        let op = Binary::new(BinaryKind::Sub);
        let a = Tensor::f32(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let b = Tensor::f32(vec![2, 1], vec![10.0, 20.0]).unwrap();
        assert_eq!(
            op.run_owned(a.clone(), &[&b]).unwrap(),
            op.run(&[&a, &b]).unwrap()
        );
    }

    #[test]
    fn incompatible_shapes_are_an_error() {
        let err = apply(&[0.0; 6], &[2, 3], &[0.0; 4], &[4], |x, y| x + y).unwrap_err();
        assert!(err.to_string().contains("cannot be broadcast"), "{err}");
    }
}

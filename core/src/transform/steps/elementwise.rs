//! Stateless element-wise steps: log1p and clip.

use crate::transform::TransformError;

/// `ln(1 + x)` through `libm`, so wasm32 and x86_64 run the same code and get the
/// same bits. Values `<= -1` are an error naming the row.
pub(super) fn log1p(values: &mut [f64], column: &str) -> Result<(), TransformError> {
    for (row, x) in values.iter_mut().enumerate() {
        if *x <= -1.0 {
            return Err(TransformError::InvalidValue {
                column: column.to_owned(),
                row: row + 1,
                value: x.to_string(),
                expected: "log1p needs values greater than -1".to_owned(),
            });
        }
        *x = libm::log1p(*x);
    }
    Ok(())
}

/// `np.clip(x, min, max)`.
pub(super) fn clip(values: &mut [f64], min: Option<f64>, max: Option<f64>) {
    for x in values.iter_mut() {
        if let Some(lo) = min
            && *x < lo
        {
            *x = lo;
        }
        if let Some(hi) = max
            && *x > hi
        {
            *x = hi;
        }
    }
}

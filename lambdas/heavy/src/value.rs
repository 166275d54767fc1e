//! Reading one number out of a query's answer.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::array::{Array, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;

/// The values of the first row of `batches`, as numbers (`None` for NULL); `Err` when the
/// answer is not exactly one row or a column is not numeric.
pub(crate) fn first_row(batches: &[RecordBatch]) -> Result<Vec<Option<f64>>, String> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows != 1 {
        return Err(format!("returned {rows} rows, not exactly 1"));
    }
    let batch = batches.iter().find(|b| b.num_rows() == 1).expect("one batch holds the row");
    batch
        .columns()
        .iter()
        .zip(batch.schema().fields())
        .map(|(column, field)| {
            let numbers = cast(column, &DataType::Float64)
                .map_err(|_| format!("column `{}` is {}, not a number", field.name(), field.data_type()))?;
            let numbers = numbers.as_any().downcast_ref::<Float64Array>().expect("cast to Float64");
            Ok(numbers.is_valid(0).then(|| numbers.value(0)))
        })
        .collect()
}

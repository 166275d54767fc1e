//! `__sdlf_sort_key(x)`: a 64-bit hash of a string or binary value, NULL for NULL, as a
//! leading key that makes sorting on `x` cheap (see `distinct.rs`). Not for users' SQL: the
//! optimizer rule adds it, and equality is still decided by `x` itself.

use std::sync::Arc;

use datafusion::arrow::array::Int64Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::hash_utils::{RandomState, create_hashes};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct SortKey {
    signature: Signature,
}

/// The types the function takes: strings and binaries.
const TYPES: [DataType; 6] = [
    DataType::Utf8,
    DataType::Utf8View,
    DataType::LargeUtf8,
    DataType::Binary,
    DataType::BinaryView,
    DataType::LargeBinary,
];

/// Whether values of `data_type` can be given a sort key.
pub fn applies_to(data_type: &DataType) -> bool {
    TYPES.contains(data_type)
}

impl SortKey {
    fn new() -> SortKey {
        let exact = TYPES.into_iter().map(|t| TypeSignature::Exact(vec![t])).collect();
        SortKey { signature: Signature::one_of(exact, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for SortKey {
    fn name(&self) -> &str {
        "__sdlf_sort_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let values = args.args[0].to_array(args.number_rows)?;
        let mut hashes = vec![0_u64; values.len()];
        // A fixed seed: every partition and every spill of one query must agree.
        create_hashes([&values], &RandomState::with_seed(0), &mut hashes)?;
        // The bits as they are: the order only has to be consistent, not meaningful.
        let keys = hashes.into_iter().map(|h| h as i64).collect();
        Ok(ColumnarValue::Array(Arc::new(Int64Array::new(keys, values.logical_nulls()))))
    }
}

/// `__sdlf_sort_key(value)`.
pub fn call(value: Expr) -> Expr {
    ScalarUDF::from(SortKey::new()).call(vec![value])
}

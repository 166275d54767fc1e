//! Transforms inputs and reads the Parquet back with the parquet crate's reader.

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field as Value;
use sdlf_transform::{
    ColumnType, CsvOptions, Field, InputFormat, Options, Report, RowGroupLimits, Schema, TransformError, transform,
};

/// The Parquet file's rows as values, and the report.
fn run(input: &[u8], format: InputFormat, options: &Options) -> (Vec<Vec<Value>>, Report) {
    let mut output = Vec::new();
    let report = transform(input, format, options, &mut output).expect("transform");
    (read_rows(&output), report)
}

fn read_rows(parquet: &[u8]) -> Vec<Vec<Value>> {
    let reader = SerializedFileReader::new(Bytes::copy_from_slice(parquet)).expect("open");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| row.expect("row").get_column_iter().map(|(_, value)| value.clone()).collect())
        .collect()
}

fn error(input: &[u8], format: InputFormat, options: &Options) -> TransformError {
    let mut output = Vec::new();
    match transform(input, format, options, &mut output) {
        Ok(report) => panic!("expected an error, got {report:?}"),
        Err(error) => error,
    }
}

fn types(report: &Report) -> Vec<(&str, ColumnType)> {
    report.schema.fields.iter().map(|f| (f.name.as_str(), f.column_type)).collect()
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

const MICROS_2024_05_06_07_08_09: i64 = 1_714_979_289_000_000;

#[test]
fn csv_infers_every_type_and_keeps_nulls() {
    let input = b"id,price,ok,day,at,name\n\
        1,1.5,true,2024-05-06,2024-05-06T07:08:09Z,ann\n\
        2,,FALSE,,2024-05-06 07:08:09.25,\n\
        -3,2,false,1970-01-02,,bo\n";
    let (rows, report) = run(input, InputFormat::Csv, &Options::default());
    assert_eq!(
        types(&report),
        vec![
            ("id", ColumnType::Int),
            ("price", ColumnType::Double),
            ("ok", ColumnType::Boolean),
            ("day", ColumnType::Date),
            ("at", ColumnType::Timestamp),
            ("name", ColumnType::String),
        ]
    );
    assert_eq!(report.rows, 3);
    assert_eq!(report.bytes_read, input.len() as u64);
    assert_eq!(report.row_groups, 1);
    assert_eq!(
        rows,
        vec![
            vec![
                Value::Long(1),
                Value::Double(1.5),
                Value::Bool(true),
                Value::Date(19_849),
                Value::TimestampMicros(MICROS_2024_05_06_07_08_09),
                s("ann"),
            ],
            vec![
                Value::Long(2),
                Value::Null,
                Value::Bool(false),
                Value::Null,
                Value::TimestampMicros(MICROS_2024_05_06_07_08_09 + 250_000),
                Value::Null,
            ],
            vec![Value::Long(-3), Value::Double(2.0), Value::Bool(false), Value::Date(1), Value::Null, s("bo"),],
        ]
    );
}

#[test]
fn csv_quoting_crlf_bom_and_unicode() {
    let input = "\u{FEFF}name,note,n\r\n\
        \"Smith, J\",\"said \"\"hi\"\"\nthen left\",1\r\n\
        Zoë,\"\",2\r\n\
        日本,\"a\"\"\",3";
    let (rows, report) = run(input.as_bytes(), InputFormat::Csv, &Options::default());
    assert_eq!(report.schema.fields[0].name, "name", "the BOM is not part of the name");
    assert_eq!(
        rows,
        vec![
            vec![s("Smith, J"), s("said \"hi\"\nthen left"), Value::Long(1)],
            vec![s("Zoë"), s(""), Value::Long(2)],
            vec![s("日本"), s("a\""), Value::Long(3)],
        ]
    );
}

#[test]
fn csv_delimiter_and_quote_from_options() {
    let options = Options { csv: CsvOptions { delimiter: b';', quote: b'\'' }, ..Options::default() };
    let (rows, _) = run(b"a;b\n'x;y';2\n", InputFormat::Csv, &options);
    assert_eq!(rows, vec![vec![s("x;y"), Value::Long(2)]]);
}

#[test]
fn csv_configured_schema_picks_columns_by_header_name() {
    let options = Options {
        schema: Some(Schema::new(vec![Field::new("b", ColumnType::Double), Field::new("a", ColumnType::String)])),
        ..Options::default()
    };
    let (rows, report) = run(b"a,b,c\n1,2,3\n", InputFormat::Csv, &options);
    assert_eq!(rows, vec![vec![Value::Double(2.0), s("1")]]);
    assert_eq!(report.ignored_columns, vec!["c".to_owned()]);

    let missing = Options { schema: Some(Schema::new(vec![Field::new("z", ColumnType::Int)])), ..Options::default() };
    let message = error(b"a,b\n1,2\n", InputFormat::Csv, &missing).to_string();
    assert!(message.contains("\"z\" is not in the CSV header (a, b)"), "{message}");
}

#[test]
fn schema_deserializes_from_config_json() {
    let schema: Schema =
        serde_json::from_str(r#"[{"name": "id", "type": "bigint"}, {"name": "at", "type": "timestamp"}]"#)
            .expect("schema");
    assert_eq!(schema.fields[0].column_type, ColumnType::Int);
    assert_eq!("BIGINT".parse::<ColumnType>().unwrap(), ColumnType::Int);
    assert!("decimal".parse::<ColumnType>().unwrap_err().to_string().contains("unknown column type \"decimal\""));
}

#[test]
fn csv_errors_say_where() {
    let options = Options::default();
    let message = error(b"a,b\n1,2\n3\n", InputFormat::Csv, &options).to_string();
    assert_eq!(message, "malformed CSV row 2 at line 3: expected 2 fields, got 1");
    let message = error(b"a,b\n\"1,2\n", InputFormat::Csv, &options).to_string();
    assert_eq!(message, "malformed CSV at line 2, byte offset 4: quoted field is never closed");
    let message = error(b"a,b\n\"1\"x,2\n", InputFormat::Csv, &options).to_string();
    assert!(message.starts_with("malformed CSV at line 2, byte offset 7: unexpected character"), "{message}");
}

#[test]
fn type_mismatch_names_row_column_value_and_type() {
    // The sample (first record) says int; a later value is not one.
    let options = Options {
        inference: sdlf_transform::InferenceLimits { max_records: 1, ..Default::default() },
        ..Options::default()
    };
    let message = error(b"n,m\n1,x\n2,y\nthree,z\n", InputFormat::Csv, &options).to_string();
    assert_eq!(message, "row 3 (line 4), column \"n\": value \"three\" is not a valid int");
    let configured =
        Options { schema: Some(Schema::new(vec![Field::new("d", ColumnType::Date)])), ..Options::default() };
    let message = error(b"{\"d\":\"2024-02-30\"}\n", InputFormat::JsonLines, &configured).to_string();
    assert_eq!(message, "row 1 (line 1), column \"d\": value \"2024-02-30\" is not a valid date");
}

#[test]
fn not_utf8_is_reported_with_its_offset() {
    let message = error(b"a,b\n1,\xFF\n", InputFormat::Csv, &Options::default()).to_string();
    assert_eq!(message, "input is not valid UTF-8: invalid byte sequence at byte offset 6 (line 2)");
    // Latin-1 text deep in a large input (past the inference sample and several chunks).
    let mut input = b"a\n".repeat(3_000_000);
    input.extend_from_slice(b"caf\xE9\n");
    let message = error(&input, InputFormat::Csv, &Options::default()).to_string();
    assert_eq!(message, "input is not valid UTF-8: invalid byte sequence at byte offset 6000003 (line 3000001)");
}

#[test]
fn empty_inputs_are_a_distinct_error() {
    let options = Options::default();
    for (input, format, what) in [
        (&b""[..], InputFormat::Csv, "no header row"),
        (b"\xEF\xBB\xBF", InputFormat::Csv, "no header row"),
        (b"a,b\r\n", InputFormat::Csv, "no data rows"),
        (b"", InputFormat::JsonLines, "no JSON records"),
        (b"\n  \n", InputFormat::JsonLines, "no JSON records"),
        (b" [ ] ", InputFormat::Json, "no JSON records"),
        (b"", InputFormat::JsonArray, "no JSON records"),
    ] {
        match error(input, format, &options) {
            TransformError::Empty { what: found } => assert_eq!(found, what, "{input:?}"),
            other => panic!("{input:?}: {other}"),
        }
    }
    // With a configured schema nothing is inferred, and an empty input still writes nothing.
    let configured =
        Options { schema: Some(Schema::new(vec![Field::new("a", ColumnType::Int)])), ..Options::default() };
    let mut output = Vec::new();
    let result = transform(&b"a\n"[..], InputFormat::Csv, &configured, &mut output);
    assert!(matches!(result, Err(TransformError::Empty { .. })));
    assert!(output.is_empty());
}

#[test]
fn unknown_format_is_an_error() {
    let message = "xml".parse::<InputFormat>().unwrap_err().to_string();
    assert_eq!(message, "unknown input format \"xml\": expected one of csv, json, jsonl, json-array");
    assert_eq!("NDJSON".parse::<InputFormat>().unwrap(), InputFormat::JsonLines);
}

#[test]
fn json_lines_with_nested_values_missing_keys_and_escapes() {
    let input = br#"{"id": 1, "name": "a\"b\\c\u00e9\ud83d\ude00", "tags": ["x", {"y": null}], "ok": true}

{"id": 2.5, "extra": 1, "ok": null}
   {"name": "\n", "id": -7e2, "tags": {}}
"#;
    let (rows, report) = run(input, InputFormat::JsonLines, &Options::default());
    assert_eq!(
        types(&report),
        vec![
            ("id", ColumnType::Double),
            ("name", ColumnType::String),
            ("tags", ColumnType::String),
            ("ok", ColumnType::Boolean),
            ("extra", ColumnType::Int),
        ]
    );
    assert_eq!(
        rows,
        vec![
            vec![Value::Double(1.0), s("a\"b\\cé😀"), s(r#"["x", {"y": null}]"#), Value::Bool(true), Value::Null,],
            vec![Value::Double(2.5), Value::Null, Value::Null, Value::Null, Value::Long(1),],
            vec![Value::Double(-700.0), s("\n"), s("{}"), Value::Null, Value::Null,],
        ]
    );
}

#[test]
fn json_strings_are_not_numbers_unless_configured() {
    let input = b"{\"a\": \"12\", \"b\": \"2024-01-01\", \"c\": 1}\n{\"a\": \"x\", \"b\": null, \"c\": \"q\"}\n";
    let (rows, report) = run(input, InputFormat::JsonLines, &Options::default());
    assert_eq!(types(&report), vec![("a", ColumnType::String), ("b", ColumnType::Date), ("c", ColumnType::String),]);
    assert_eq!(rows[0], vec![s("12"), Value::Date(19_723), s("1")]);
    let configured =
        Options { schema: Some(Schema::new(vec![Field::new("a", ColumnType::Int)])), ..Options::default() };
    let (rows, report) = run(b"{\"a\": \"12\", \"z\": 0}\n", InputFormat::JsonLines, &configured);
    assert_eq!(rows, vec![vec![Value::Long(12)]]);
    assert_eq!(report.ignored_columns, vec!["z".to_owned()]);
}

#[test]
fn json_array_is_streamed_across_chunks() {
    // ~6 MB: larger than the inference sample and the 1 MiB read chunk, with one object larger
    // than a chunk.
    let mut input = String::from("\u{FEFF} [\n");
    let rows = 60_000;
    for i in 0..rows {
        if i > 0 {
            input.push_str(",\n");
        }
        input.push_str(&format!(
            "  {{\"i\": {i}, \"text\": \"row {i} with some padding to make it longer\", \"f\": {i}.5}}"
        ));
    }
    input.push_str(&format!(",{{\"i\": -1, \"text\": \"{}\", \"f\": 0}}\n]\n", "x".repeat(3 << 20)));
    for format in [InputFormat::JsonArray, InputFormat::Json] {
        let (values, report) = run(input.as_bytes(), format, &Options::default());
        assert_eq!(report.format, InputFormat::JsonArray);
        assert_eq!(report.rows, rows + 1);
        assert_eq!(values.len() as u64, rows + 1);
        assert_eq!(
            values[12_345],
            vec![Value::Long(12_345), s("row 12345 with some padding to make it longer"), Value::Double(12_345.5),]
        );
        assert_eq!(values[rows as usize][0], Value::Long(-1));
    }
}

#[test]
fn json_errors_say_where_and_what() {
    let options = Options::default();
    let cases: [(&[u8], InputFormat, &str); 7] = [
        (
            b"{\"a\": 1}\n{\"a\": tru}\n",
            InputFormat::JsonLines,
            "invalid JSON at line 2, byte offset 15: invalid literal (expected true, false or null)",
        ),
        (
            b"{\"a\": 1}\n{\"a\": 1\n",
            InputFormat::JsonLines,
            "invalid JSON at line 2, byte offset 16: the line ends inside the object",
        ),
        (
            b"{\"a\": 1} x\n",
            InputFormat::JsonLines,
            "invalid JSON at line 1, byte offset 9: unexpected text after the object",
        ),
        (
            b"[1]\n",
            InputFormat::JsonLines,
            "invalid JSON at line 1, byte offset 0: expected a JSON object (one per line)",
        ),
        (
            b"[{\"a\": 1},\n {\"a\": 2},]",
            InputFormat::JsonArray,
            "invalid JSON at line 2, byte offset 21: a comma before ] (trailing comma)",
        ),
        (
            b"[{\"a\": 1}\n",
            InputFormat::JsonArray,
            "invalid JSON at line 2, byte offset 10: the input ends before the array is closed",
        ),
        (
            b"{\"a\": \"\\q\"}",
            InputFormat::JsonLines,
            "invalid JSON at line 1, byte offset 7: invalid escape sequence in a string",
        ),
    ];
    for (input, format, expected) in cases {
        assert_eq!(error(input, format, &options).to_string(), expected);
    }
}

#[test]
fn inference_widens_int_to_double_and_mixed_to_string() {
    let input = b"a,b,c,d\n1,1,true,\n2.5,x,1,\n";
    let (rows, report) = run(input, InputFormat::Csv, &Options::default());
    assert_eq!(
        types(&report),
        vec![
            ("a", ColumnType::Double),
            ("b", ColumnType::String),
            ("c", ColumnType::String),
            ("d", ColumnType::String),
        ]
    );
    assert_eq!(rows[1], vec![Value::Double(2.5), s("x"), s("1"), Value::Null]);
}

#[test]
fn header_names_are_made_unique() {
    let (_, report) = run(b"a,,a\n1,2,3\n", InputFormat::Csv, &Options::default());
    let names: Vec<&str> = report.schema.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["a", "column_2", "a_2"]);
}

#[test]
fn row_groups_are_bounded_and_rows_kept_in_order() {
    let mut input = String::from("n,s\n");
    for i in 0..10_000 {
        input.push_str(&format!("{i},v{i}\n"));
    }
    let options =
        Options { row_groups: RowGroupLimits { max_rows: 3_000, max_bytes: usize::MAX }, ..Options::default() };
    let (rows, report) = run(input.as_bytes(), InputFormat::Csv, &options);
    assert_eq!(report.row_groups, 4);
    assert_eq!(rows.len(), 10_000);
    assert_eq!(rows[9_999], vec![Value::Long(9_999), s("v9999")]);
}

#[test]
fn output_is_deterministic() {
    let input = b"a,b,c\n1,x,2024-01-01T00:00:00Z\n2,y,\n";
    let mut first = Vec::new();
    let mut second = Vec::new();
    transform(&input[..], InputFormat::Csv, &Options::default(), &mut first).unwrap();
    transform(&input[..], InputFormat::Csv, &Options::default(), &mut second).unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with(b"PAR1") && first.ends_with(b"PAR1"));
}

/// Hands out one byte per read, so every boundary (BOM, UTF-8 sequence, quote, CRLF, escape)
/// falls between two reads somewhere.
struct OneByteAtATime<'a>(&'a [u8]);

impl std::io::Read for OneByteAtATime<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.split_first() {
            Some((&byte, rest)) if !buf.is_empty() => {
                buf[0] = byte;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn reads_split_anywhere_give_the_same_rows() {
    let csv = "\u{FEFF}a,b\r\n\"x\"\"y\",é\r\n\"multi\nline\",日本\r\n".as_bytes();
    let json = "[{\"a\": \"\\u00e9\", \"b\": [1, 2]}, {\"a\": \"日本\", \"b\": -1.5e3}]".as_bytes();
    for (input, format) in [(csv, InputFormat::Csv), (json, InputFormat::Json)] {
        let (whole, _) = run(input, format, &Options::default());
        let mut output = Vec::new();
        transform(OneByteAtATime(input), format, &Options::default(), &mut output).unwrap();
        assert_eq!(read_rows(&output), whole);
    }
}

/// The row `i` of `many_rows_csv` as the Parquet reader should give it back.
fn many_rows_expected(i: i64) -> Vec<Value> {
    let price = match i % 7 {
        0 => Value::Null,
        _ => Value::Double((i % 1000) as f64 / 4.0 - 100.0),
    };
    vec![
        Value::Long(i),
        price,
        Value::Bool(i % 3 == 0),
        Value::Date(19_000 + (i % 400) as i32),
        s(["Berlin", "Paris", "Rome", "Lima"][(i % 4) as usize]),
        s(&many_rows_text(i)),
    ]
}

/// Mostly distinct text; every eleventh value longer than statistics keep whole (64 bytes),
/// every thirteenth quoted with a comma and a newline inside.
fn many_rows_text(i: i64) -> String {
    match i {
        _ if i % 11 == 0 => format!("{i} {}", "long ".repeat(14)),
        _ if i % 13 == 0 => format!("t{i}, with\na newline"),
        _ => format!("t{}", i * 7_919 % 100_003),
    }
}

fn many_rows_csv(rows: i64) -> String {
    let mut input = String::from("id,price,flag,day,city,text\n");
    for i in 0..rows {
        let price = if i % 7 == 0 { String::new() } else { ((i % 1000) as f64 / 4.0 - 100.0).to_string() };
        let day = 19_000 + i % 400;
        let (year, month, day_of_month) = civil(day);
        let text = many_rows_text(i);
        let text = if text.contains(',') { format!("\"{text}\"") } else { text };
        input.push_str(&format!(
            "{i},{price},{},{year:04}-{month:02}-{day_of_month:02},{},{text}\n",
            i % 3 == 0,
            ["Berlin", "Paris", "Rome", "Lima"][(i % 4) as usize],
        ));
    }
    input
}

/// Days since 1970-01-01 → (year, month, day).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[test]
fn many_rows_round_trip_through_pages_dictionaries_and_page_indexes() {
    // 50,000 rows: pages of 20,000 rows, row groups of 30,000, batches of 2,048.
    let rows = 50_000;
    let input = many_rows_csv(rows);
    let options =
        Options { row_groups: RowGroupLimits { max_rows: 30_000, max_bytes: usize::MAX }, ..Options::default() };
    let mut output = Vec::new();
    let report = transform(input.as_bytes(), InputFormat::Csv, &options, &mut output).expect("transform");
    assert_eq!((report.rows, report.row_groups), (rows as u64, 2));
    let read = read_rows(&output);
    assert_eq!(read.len(), rows as usize);
    for (i, row) in read.iter().enumerate() {
        assert_eq!(*row, many_rows_expected(i as i64), "row {i}");
    }

    let reader_options = parquet::file::serialized_reader::ReadOptionsBuilder::new().with_page_index().build();
    let reader = SerializedFileReader::new_with_options(Bytes::from(output), reader_options).expect("open");
    let metadata = reader.metadata();
    let first_group = metadata.row_group(0);
    // The city column is dictionary-encoded, the unique text is not.
    assert!(first_group.column(4).dictionary_page_offset().is_some());
    assert!(first_group.column(5).dictionary_page_offset().is_none());
    let statistics = first_group.column(0).statistics().expect("id statistics");
    assert_eq!(
        (statistics.min_bytes_opt(), statistics.max_bytes_opt()),
        (Some(&0i64.to_le_bytes()[..]), Some(&29_999i64.to_le_bytes()[..]))
    );
    assert_eq!(first_group.column(1).statistics().and_then(|s| s.null_count_opt()), Some(30_000 / 7 + 1));
    // Text bounds longer than 64 bytes are left out rather than cut.
    assert_eq!(first_group.column(5).statistics().and_then(|s| s.min_bytes_opt()), None);

    let offsets = metadata.page_index_for_row_group(0).offset_index(0).cloned().expect("offset index");
    let first_rows: Vec<i64> = offsets.page_locations().iter().map(|page| page.first_row_index).collect();
    assert_eq!(first_rows, vec![0, 20_000]);
    match metadata.page_index_for_row_group(1).column_index(0).expect("column index") {
        parquet::file::page_index::column_index::ColumnIndexMetaData::INT64(index) => {
            // The second row group's 20,000 rows are one page.
            assert_eq!((index.min_values(), index.max_values()), (&[30_000][..], &[49_999][..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn doubles_keep_nan_and_signed_zero_out_of_bounds() {
    let options =
        Options { schema: Some(Schema::new(vec![Field::new("x", ColumnType::Double)])), ..Options::default() };
    let (rows, _) = run(b"x\nNaN\n0.0\n2.5\n-0.0\n", InputFormat::Csv, &options);
    assert!(matches!(rows[0][0], Value::Double(x) if x.is_nan()));
    assert_eq!(rows[3], vec![Value::Double(-0.0)]);
    let mut output = Vec::new();
    transform(&b"x\nNaN\n0.0\n2.5\n"[..], InputFormat::Csv, &options, &mut output).unwrap();
    let reader = SerializedFileReader::new(Bytes::from(output)).expect("open");
    let statistics = reader.metadata().row_group(0).column(0).statistics().cloned().expect("statistics");
    // NaN takes no part; a zero minimum is written as -0.0.
    assert_eq!(statistics.min_bytes_opt(), Some(&(-0.0f64).to_le_bytes()[..]));
    assert_eq!(statistics.max_bytes_opt(), Some(&2.5f64.to_le_bytes()[..]));
}

#[test]
fn the_first_error_in_row_order_is_reported_across_batches() {
    let options = Options {
        schema: Some(Schema::new(vec![Field::new("a", ColumnType::Int), Field::new("b", ColumnType::Int)])),
        ..Options::default()
    };
    let mut input = String::from("a,b\n");
    for i in 0..5_000 {
        match i {
            // A type mismatch in the second column comes before one in the first ...
            3_000 => input.push_str("1,x\n"),
            3_001 => input.push_str("y,1\n"),
            // ... and both before a malformed row in the same batch.
            3_002 => input.push_str("1\n"),
            _ => input.push_str("1,2\n"),
        }
    }
    let message = error(input.as_bytes(), InputFormat::Csv, &options).to_string();
    assert_eq!(message, "row 3001 (line 3002), column \"b\": value \"x\" is not a valid int");
    let malformed_first = input.replace("1,x\n", "1,2\n").replace("y,1\n", "1\n");
    let message = error(malformed_first.as_bytes(), InputFormat::Csv, &options).to_string();
    assert_eq!(message, "malformed CSV row 3002 at line 3003: expected 2 fields, got 1");
}

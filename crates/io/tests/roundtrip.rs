//! Writers -> readers round trips, determinism, and the readers' error messages.

use std::path::Path;
use tl_io::parquet_io::{read_parquet, stored_schema_json};
use tl_io::{Column, Format, IoError, TableSchema, TableWriter, Value, WriteOptions, read_table};

const COLS: &[Column] = &[
    Column::f64("t_s", "s", "Time."),
    Column::f64("snr", "", "Maybe NaN.").nan_ok(),
    Column::i64("delta", "", "Signed."),
    Column::u32("id", "", "Id."),
    Column::bool("flag", "Flag."),
    Column::string("name", "Name."),
];
static T: TableSchema = TableSchema::new("mixed", "All column types.", COLS);

const NAMES: &[&str] =
    &["plain", "with,comma", "with \"quotes\"", "multi\nline", "ünïcödé ✓", "", " padded "];

fn row_values(i: u32) -> (f64, f64, i64, u32, bool, &'static str) {
    let t = i as f64 * 0.1 + 1e-9 * (i as f64).powi(3);
    let snr = match i % 5 {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        _ => -(i as f64) * 1.234_567_890_123e-7,
    };
    let delta = if i.is_multiple_of(2) { i64::MIN + i as i64 } else { i64::MAX - i as i64 };
    let id = if i.is_multiple_of(3) { u32::MAX - i } else { i };
    (t, snr, delta, id, i.is_multiple_of(4), NAMES[i as usize % NAMES.len()])
}

fn write(dir: &Path, format: Format, rows: u32, rg: usize) -> std::path::PathBuf {
    let mut w = TableWriter::create(dir, &T, format, WriteOptions { row_group_rows: rg }).unwrap();
    for i in 0..rows {
        let (t, snr, delta, id, flag, name) = row_values(i);
        w.push_row(&[t.into(), snr.into(), delta.into(), id.into(), flag.into(), name.into()]).unwrap();
    }
    let path = w.path().to_path_buf();
    assert_eq!(w.finish().unwrap(), rows as u64);
    path
}

fn check_round_trip(format: Format) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), format, 100, 7);
    let t = read_table(&path, &T).unwrap();
    assert_eq!(t.len(), 100);
    for i in 0..100u32 {
        let (tt, snr, delta, id, flag, name) = row_values(i);
        let k = i as usize;
        assert_eq!(t.f64("t_s").unwrap()[k].to_bits(), tt.to_bits());
        let s = t.f64("snr").unwrap()[k];
        assert!(s.to_bits() == snr.to_bits() || (s.is_nan() && snr.is_nan()), "{s} {snr}");
        assert_eq!(t.i64("delta").unwrap()[k], delta);
        assert_eq!(t.u32("id").unwrap()[k], id);
        assert_eq!(t.bool("flag").unwrap()[k], flag);
        assert_eq!(t.str("name").unwrap()[k], name);
    }
}

#[test]
fn parquet_round_trip_all_types_several_row_groups() {
    check_round_trip(Format::Parquet);
    // Row groups bounded by the option: 100 rows / 7 per group = 15 groups.
    use parquet::file::reader::FileReader;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), Format::Parquet, 100, 7);
    let r = parquet::file::serialized_reader::SerializedFileReader::new(std::fs::File::open(&path).unwrap())
        .unwrap();
    assert_eq!(r.num_row_groups(), 15);
    for g in 0..15 {
        assert!(r.metadata().row_group(g).num_rows() <= 7);
    }
    // The footer describes the table.
    let json = stored_schema_json(&path).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["name"], "mixed");
    assert_eq!(v["columns"][0]["unit"], "s");
    assert_eq!(v["columns"][3]["type"], "u32");
}

#[test]
fn csv_round_trip_all_types_bit_exact() {
    check_round_trip(Format::Csv);
}

#[test]
fn empty_tables_read_back_empty() {
    for f in [Format::Parquet, Format::Csv] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), f, 0, 10);
        let t = read_table(&path, &T).unwrap();
        assert!(t.is_empty());
        assert_eq!(t.columns.len(), COLS.len());
    }
}

#[test]
fn same_rows_give_same_bytes() {
    for f in [Format::Parquet, Format::Csv] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let pa = write(a.path(), f, 1000, 128);
        let pb = write(b.path(), f, 1000, 128);
        assert_eq!(std::fs::read(pa).unwrap(), std::fs::read(pb).unwrap(), "{f}");
    }
}

#[test]
fn writer_rejects_rows_that_do_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = TableWriter::create(dir.path(), &T, Format::Csv, WriteOptions::default()).unwrap();
    let e = w.push_row(&[1.0.into()]).unwrap_err().to_string();
    assert!(e.contains("1 values") && e.contains("6 columns"), "{e}");
    let e = w
        .push_row(&[1.0.into(), 1.0.into(), 1i64.into(), 1.0.into(), true.into(), "x".into()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("column `id`") && e.contains("f64") && e.contains("u32"), "{e}");
    let e = w
        .push_row(&[f64::NAN.into(), 1.0.into(), 1i64.into(), 1u32.into(), true.into(), "x".into()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("column `t_s`") && e.contains("not finite"), "{e}");
    assert_eq!(w.rows(), 0);
}

fn csv_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mixed.csv");
    std::fs::write(&p, text).unwrap();
    read_table(&p, &T).unwrap_err().to_string()
}

#[test]
fn csv_errors_name_column_row_and_text() {
    let header = "t_s,snr,delta,id,flag,name\n";
    // Missing column: named.
    let e = csv_error("t_s,snr,delta,flag,name\n1,2,3,true,x\n");
    assert!(e.contains("missing column `id`") && e.contains("mixed.csv"), "{e}");
    // Unparsable value: line, row, column, text.
    let e = csv_error(&format!("{header}1,2,3,4,true,a\n1.5,2,3,four,false,b\n"));
    assert!(e.contains("mixed.csv:3:") && e.contains("row 2") && e.contains("column `id`"), "{e}");
    assert!(e.contains("\"four\""), "{e}");
    // u32 out of range and negative.
    let e = csv_error(&format!("{header}1,2,3,-1,true,a\n"));
    assert!(e.contains("column `id`") && e.contains("\"-1\""), "{e}");
    // NaN where not allowed; allowed in `snr`.
    let e = csv_error(&format!("{header}1,NaN,3,4,true,a\nnan,2,3,4,true,a\n"));
    assert!(e.contains("row 2") && e.contains("column `t_s`") && e.contains("not finite"), "{e}");
    let e = csv_error(&format!("{header}inf,2,3,4,true,a\n"));
    assert!(e.contains("column `t_s`") && e.contains("inf"), "{e}");
    // Wrong cell count.
    let e = csv_error(&format!("{header}1,2,3\n"));
    assert!(e.contains(":2:") && e.contains("3 cells"), "{e}");
    // Bad bool.
    let e = csv_error(&format!("{header}1,2,3,4,maybe,a\n"));
    assert!(e.contains("column `flag`") && e.contains("\"maybe\"") && e.contains("true or false"), "{e}");
    // Empty file.
    let e = csv_error("");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn csv_columns_found_by_name_in_any_order_with_extras() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    std::fs::write(&p, "\u{feff}name,extra,flag,id,delta,snr,t_s\r\n\"a,b\",zz,false,7,-3,NaN,2.5\r\n")
        .unwrap();
    let t = read_table(&p, &T).unwrap();
    assert_eq!(t.str("name").unwrap(), ["a,b"]);
    assert_eq!(t.f64("t_s").unwrap(), [2.5]);
    assert!(t.f64("snr").unwrap()[0].is_nan());
    assert_eq!(t.row(0).unwrap()[3], Value::U32(7));
}

#[test]
fn parquet_errors_name_missing_column_and_non_finite_rows() {
    const OTHER: &[Column] = &[Column::f64("t_s", "s", "Time.").nan_ok(), Column::u32("id", "", "Id.")];
    static O: TableSchema = TableSchema::new("other", "Other.", OTHER);
    let dir = tempfile::tempdir().unwrap();
    let mut w = TableWriter::create(dir.path(), &O, Format::Parquet, WriteOptions::default()).unwrap();
    w.push_row(&[1.0.into(), 1u32.into()]).unwrap();
    w.push_row(&[f64::NAN.into(), 2u32.into()]).unwrap();
    let path = w.path().to_path_buf();
    w.finish().unwrap();
    // Read as table T: first missing column is `snr`.
    let e = read_parquet(&path, &T).unwrap_err();
    assert!(matches!(&e, IoError::MissingColumn { column, .. } if column == "snr"), "{e}");
    // A schema that forbids NaN in t_s reports row 2.
    const STRICT: &[Column] = &[Column::f64("t_s", "s", "Time.")];
    static S: TableSchema = TableSchema::new("other", "Other.", STRICT);
    let e = read_parquet(&path, &S).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("column `t_s`") && e.contains("not finite"), "{e}");
    // Type mismatch: reading a u32 column as bool.
    const WRONG: &[Column] = &[Column::bool("id", "Id.")];
    static W: TableSchema = TableSchema::new("other", "Other.", WRONG);
    let e = read_parquet(&path, &W).unwrap_err().to_string();
    assert!(e.contains("column `id`") && e.contains("INT32") && e.contains("bool"), "{e}");
    // Not a parquet file.
    let bogus = dir.path().join("bogus.parquet");
    std::fs::write(&bogus, b"definitely not parquet").unwrap();
    assert!(read_parquet(&bogus, &O).unwrap_err().to_string().contains("bogus.parquet"));
}

/// A write error on the Parquet writer's thread (a full disk) comes back from a later
/// `push_row` or from `finish`, naming the file; nothing hangs or panics.
#[cfg(target_os = "linux")]
#[test]
fn parquet_write_errors_come_back_from_the_writer_thread() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let mut w =
        TableWriter::create_at(full, &T, Format::Parquet, WriteOptions { row_group_rows: 500 }).unwrap();
    let mut err = None;
    for i in 0..20_000u32 {
        let (t, snr, delta, id, flag, name) = row_values(i);
        if let Err(e) = w.push_row(&[t.into(), snr.into(), delta.into(), id.into(), flag.into(), name.into()])
        {
            err = Some(e);
            break;
        }
    }
    let err = match err {
        Some(e) => e,
        None => w.finish().expect_err("a full device cannot take the table"),
    };
    assert!(err.to_string().contains("/dev/full"), "{err}");
}

//! Parquet writer and reader on the `parquet` crate's low-level column API (no Arrow).
//!
//! Files are Snappy-compressed, every column `REQUIRED`, one row group per
//! [`crate::WriteOptions::row_group_rows`] rows. The footer carries the key
//! `tracklayer.schema` with the table schema as JSON (column units and meanings), so a
//! Parquet file describes itself. Nothing time- or host-dependent is written: the same
//! rows give the same bytes.

use crate::error::{IoError, Result};
use crate::schema::{ColumnType, TableSchema, Value};
use crate::table::{ColumnData, Table};
use crate::writer::WriteOptions;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, RowGroupReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

/// Footer key holding the schema JSON.
pub const SCHEMA_KEY: &str = "tracklayer.schema";

fn parquet_schema(schema: &TableSchema) -> parquet::errors::Result<Type> {
    let mut fields = Vec::with_capacity(schema.columns.len());
    for c in schema.columns.iter() {
        let (phys, logical) = match c.ty {
            ColumnType::F64 => (PhysicalType::DOUBLE, None),
            ColumnType::I64 => (PhysicalType::INT64, None),
            ColumnType::U32 => (PhysicalType::INT32, Some(LogicalType::integer(32, false))),
            ColumnType::Bool => (PhysicalType::BOOLEAN, None),
            ColumnType::Str => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
        };
        let t = Type::primitive_type_builder(&c.name, phys)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(logical)
            .build()?;
        fields.push(Arc::new(t));
    }
    Type::group_type_builder("schema").with_fields(fields).build()
}

/// A Parquet table written as rows come in. Each full row group is encoded and
/// compressed on the table's writer thread while the caller goes on filling the next
/// one (two sets of column buffers take turns), so the encoding is off the run loop's
/// thread. The row groups reach the file in the order they were filled: the bytes are
/// those of writing them in place.
pub(crate) struct ParquetWriter {
    path: PathBuf,
    buffers: Vec<ColumnData>,
    row_group_rows: usize,
    buffered: usize,
    /// Full row groups to the writer thread (`None` once finished).
    full: Option<mpsc::SyncSender<Vec<ColumnData>>>,
    /// Written (and cleared) buffers back from it, for reuse.
    empty: mpsc::Receiver<Vec<ColumnData>>,
    /// The writer thread: owns the file writer, returns how the writing went.
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl ParquetWriter {
    pub(crate) fn create(path: &Path, schema: &TableSchema, options: WriteOptions) -> Result<Self> {
        let file = File::create(path).map_err(|e| IoError::os(path, e))?;
        let pq = |e| IoError::parquet(path, e);
        let ptype = Arc::new(parquet_schema(schema).map_err(pq)?);
        let json = serde_json::to_string(schema).expect("schema serialises");
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![KeyValue::new(SCHEMA_KEY.to_string(), json)]))
            .build();
        let writer = SerializedFileWriter::new(BufWriter::new(file), ptype, Arc::new(props)).map_err(pq)?;
        let row_group_rows = options.row_group_rows.max(1);
        let cap = row_group_rows.min(65_536);
        let new_set = |cap: usize| -> Vec<ColumnData> {
            schema.columns.iter().map(|c| ColumnData::with_capacity(c.ty, cap)).collect()
        };
        let buffers = new_set(cap);
        // One full set in flight at most: the caller fills one while the thread writes
        // the other, and waits for it back when it is ahead. The second set starts
        // empty and grows when first used: a table that never fills a row group (most
        // but the detections and the tracks) holds one set only.
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<ColumnData>>(0);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<ColumnData>>();
        empty_tx.send(new_set(0)).expect("receiver alive");
        let thread_path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name(format!("write {}", schema.name))
            .spawn(move || write_row_groups(writer, &thread_path, full_rx, empty_tx))
            .map_err(|e| IoError::os(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            buffers,
            row_group_rows,
            buffered: 0,
            full: Some(full_tx),
            empty: empty_rx,
            thread: Some(thread),
        })
    }

    pub(crate) fn push_row(&mut self, row: &[Value<'_>]) -> Result<()> {
        for (b, v) in self.buffers.iter_mut().zip(row) {
            let ok = b.push(v);
            debug_assert!(ok, "row checked against the schema before");
        }
        self.buffered += 1;
        if self.buffered >= self.row_group_rows {
            self.send_row_group()?;
        }
        Ok(())
    }

    /// Hand the buffered rows to the writer thread and take its other set of buffers.
    fn send_row_group(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let sent = match (&self.full, self.empty.recv()) {
            (Some(tx), Ok(spare)) => {
                let full = std::mem::replace(&mut self.buffers, spare);
                tx.send(full).is_ok()
            }
            _ => false,
        };
        if !sent {
            // The thread stopped early: its error says why.
            return Err(self.join().err().unwrap_or_else(|| self.stopped()));
        }
        self.buffered = 0;
        Ok(())
    }

    fn stopped(&self) -> IoError {
        IoError::parquet(&self.path, parquet::errors::ParquetError::General("writer thread stopped".into()))
    }

    /// Close the channel and wait for the thread's result.
    fn join(&mut self) -> Result<()> {
        self.full = None;
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(self.stopped())),
            None => Ok(()),
        }
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.send_row_group()?;
        self.join()
    }
}

impl Drop for ParquetWriter {
    /// A writer dropped without [`ParquetWriter::finish`] (a run that failed) still
    /// waits for its thread, so nothing writes to the file after the drop.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// The writer thread of a [`ParquetWriter`]: each full set of column buffers becomes a
/// row group; the cleared set goes back. When the channel closes: the footer, then the
/// file's data on disk.
fn write_row_groups(
    mut writer: SerializedFileWriter<BufWriter<File>>,
    path: &Path,
    full: mpsc::Receiver<Vec<ColumnData>>,
    empty: mpsc::Sender<Vec<ColumnData>>,
) -> Result<()> {
    for mut buffers in full {
        write_row_group(&mut writer, path, &mut buffers)?;
        // The caller may have finished already and not want them back.
        let _ = empty.send(buffers);
    }
    let inner = writer.into_inner().map_err(|e| IoError::parquet(path, e))?;
    let file = inner.into_inner().map_err(|e| IoError::os(path, e.into_error()))?;
    file.sync_all().map_err(|e| IoError::os(path, e))?;
    Ok(())
}

/// Write one row group from a set of column buffers and clear them.
fn write_row_group(
    writer: &mut SerializedFileWriter<BufWriter<File>>,
    path: &Path,
    buffers: &mut [ColumnData],
) -> Result<()> {
    let pq = |e| IoError::parquet(path, e);
    let mut rg = writer.next_row_group().map_err(pq)?;
    for buf in buffers.iter_mut() {
        let mut col = rg.next_column().map_err(pq)?.ok_or_else(|| {
            IoError::parquet(path, parquet::errors::ParquetError::General("too few columns".into()))
        })?;
        match buf {
            ColumnData::F64(v) => col.typed::<DoubleType>().write_batch(v, None, None),
            ColumnData::I64(v) => col.typed::<Int64Type>().write_batch(v, None, None),
            ColumnData::U32(v) => {
                // Unsigned 32-bit is stored in INT32 by bit pattern (Parquet spec).
                let w: Vec<i32> = v.iter().map(|&x| x as i32).collect();
                col.typed::<Int32Type>().write_batch(&w, None, None)
            }
            ColumnData::Bool(v) => col.typed::<BoolType>().write_batch(v, None, None),
            ColumnData::Str(v) => {
                let w: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                col.typed::<ByteArrayType>().write_batch(&w, None, None)
            }
        }
        .map_err(pq)?;
        col.close().map_err(pq)?;
        buf.clear();
    }
    rg.close().map_err(pq)?;
    Ok(())
}

/// The schema stored in a tracklayer Parquet file's footer, as JSON text (None for
/// files written by other tools).
pub fn stored_schema_json(path: &Path) -> Result<Option<String>> {
    let file = File::open(path).map_err(|e| IoError::os(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| IoError::parquet(path, e))?;
    let kv = reader.metadata().file_metadata().key_value_metadata();
    Ok(kv.and_then(|kv| kv.iter().find(|k| k.key == SCHEMA_KEY)).and_then(|k| k.value.clone()))
}

/// Read all rows of the schema's columns from a Parquet file. Extra columns in the file
/// are ignored. Files from other tools are accepted when their column types convert
/// losslessly (e.g. `INT32` or `INT64` for a u32 column, `FLOAT` for f64, nullable
/// columns without nulls).
pub fn read_parquet(path: &Path, schema: &TableSchema) -> Result<Table> {
    let file = File::open(path).map_err(|e| IoError::os(path, e))?;
    let pq = |e| IoError::parquet(path, e);
    let reader = SerializedFileReader::new(file).map_err(pq)?;
    let descr = reader.metadata().file_metadata().schema_descr_ptr();
    let names: Vec<String> = descr.columns().iter().map(|c| c.path().string()).collect();
    let mut index = Vec::with_capacity(schema.columns.len());
    for c in schema.columns.iter() {
        match names.iter().position(|n| *n == c.name) {
            Some(i) => index.push(i),
            None => {
                return Err(IoError::MissingColumn {
                    path: path.to_path_buf(),
                    table: schema.name.to_string(),
                    column: c.name.to_string(),
                    found: names.join(", "),
                });
            }
        }
    }
    let total = usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    let mut columns: Vec<ColumnData> =
        schema.columns.iter().map(|c| ColumnData::with_capacity(c.ty, total.min(1 << 24))).collect();
    let mut row0: u64 = 0;
    for g in 0..reader.num_row_groups() {
        let rg = reader.get_row_group(g).map_err(pq)?;
        let rows = usize::try_from(rg.metadata().num_rows()).unwrap_or(0);
        for (k, c) in schema.columns.iter().enumerate() {
            let i = index[k];
            let cd = descr.column(i);
            let nullable = cd.max_def_level() > 0;
            let col = read_column(path, &*rg, i, c.ty, rows, nullable, &c.name, row0)?;
            if let ColumnData::F64(v) = &col
                && !c.non_finite_ok
                && let Some(j) = v.iter().position(|x| !x.is_finite())
            {
                return Err(IoError::NonFinite {
                    path: path.to_path_buf(),
                    row: row0 + j as u64 + 1,
                    column: c.name.to_string(),
                    value: format!("{:?}", v[j]),
                });
            }
            let ok = columns[k].extend(col);
            debug_assert!(ok);
        }
        row0 += rows as u64;
    }
    Ok(Table { schema: schema.clone(), columns })
}

fn read_all<T: DataType>(
    path: &Path,
    mut r: ColumnReaderImpl<T>,
    rows: usize,
    nullable: bool,
    column: &str,
    row0: u64,
) -> Result<Vec<T::T>> {
    let mut values = Vec::with_capacity(rows);
    let mut defs: Vec<i16> = Vec::new();
    let mut got = 0;
    while got < rows {
        let (n, _, _) = r
            .read_records(rows - got, if nullable { Some(&mut defs) } else { None }, None, &mut values)
            .map_err(|e| IoError::parquet(path, e))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if nullable && let Some(j) = defs.iter().position(|&d| d == 0) {
        return Err(IoError::BadValue {
            path: path.to_path_buf(),
            row: row0 + j as u64 + 1,
            column: column.to_string(),
            text: "null".into(),
            expected: "a value (this column has no nulls)".into(),
        });
    }
    if values.len() != rows {
        return Err(IoError::parquet(
            path,
            parquet::errors::ParquetError::General(format!(
                "column `{column}`: {} values for {rows} rows",
                values.len()
            )),
        ));
    }
    Ok(values)
}

#[allow(clippy::too_many_arguments)]
fn read_column(
    path: &Path,
    rg: &dyn RowGroupReader,
    i: usize,
    ty: ColumnType,
    rows: usize,
    nullable: bool,
    name: &str,
    row0: u64,
) -> Result<ColumnData> {
    let cr = rg.get_column_reader(i).map_err(|e| IoError::parquet(path, e))?;
    let mismatch = |found: &str| IoError::ColumnType {
        path: path.to_path_buf(),
        column: name.to_string(),
        expected: ty.to_string(),
        found: found.to_string(),
    };
    let out_of_range = |row: usize, v: String| IoError::BadValue {
        path: path.to_path_buf(),
        row: row0 + row as u64 + 1,
        column: name.to_string(),
        text: v,
        expected: ty.to_string(),
    };
    let unsigned32 = rg
        .metadata()
        .column(i)
        .column_descr()
        .logical_type_ref()
        .is_some_and(|l| matches!(l, LogicalType::Integer(t) if !t.is_signed));
    Ok(match (ty, cr) {
        (ColumnType::F64, ColumnReader::DoubleColumnReader(r)) => {
            ColumnData::F64(read_all(path, r, rows, nullable, name, row0)?)
        }
        (ColumnType::F64, ColumnReader::FloatColumnReader(r)) => ColumnData::F64(
            read_all(path, r, rows, nullable, name, row0)?.into_iter().map(f64::from).collect(),
        ),
        (ColumnType::I64, ColumnReader::Int64ColumnReader(r)) => {
            ColumnData::I64(read_all(path, r, rows, nullable, name, row0)?)
        }
        (ColumnType::I64, ColumnReader::Int32ColumnReader(r)) => {
            let v = read_all(path, r, rows, nullable, name, row0)?;
            ColumnData::I64(
                v.into_iter().map(|x| if unsigned32 { x as u32 as i64 } else { x as i64 }).collect(),
            )
        }
        (ColumnType::U32, ColumnReader::Int32ColumnReader(r)) => {
            let v = read_all(path, r, rows, nullable, name, row0)?;
            if unsigned32 {
                ColumnData::U32(v.into_iter().map(|x| x as u32).collect())
            } else {
                if let Some(j) = v.iter().position(|&x| x < 0) {
                    return Err(out_of_range(j, v[j].to_string()));
                }
                ColumnData::U32(v.into_iter().map(|x| x as u32).collect())
            }
        }
        (ColumnType::U32, ColumnReader::Int64ColumnReader(r)) => {
            let v = read_all(path, r, rows, nullable, name, row0)?;
            if let Some(j) = v.iter().position(|&x| u32::try_from(x).is_err()) {
                return Err(out_of_range(j, v[j].to_string()));
            }
            ColumnData::U32(v.into_iter().map(|x| x as u32).collect())
        }
        (ColumnType::Bool, ColumnReader::BoolColumnReader(r)) => {
            ColumnData::Bool(read_all(path, r, rows, nullable, name, row0)?)
        }
        (ColumnType::Str, ColumnReader::ByteArrayColumnReader(r)) => {
            let v = read_all(path, r, rows, nullable, name, row0)?;
            let mut out = Vec::with_capacity(v.len());
            for (j, b) in v.into_iter().enumerate() {
                match std::str::from_utf8(b.data()) {
                    Ok(s) => out.push(s.to_string()),
                    Err(_) => return Err(out_of_range(j, format!("{:?}", b.data()))),
                }
            }
            ColumnData::Str(out)
        }
        (_, other) => {
            let found = match other {
                ColumnReader::BoolColumnReader(_) => "BOOLEAN",
                ColumnReader::Int32ColumnReader(_) => "INT32",
                ColumnReader::Int64ColumnReader(_) => "INT64",
                ColumnReader::Int96ColumnReader(_) => "INT96",
                ColumnReader::FloatColumnReader(_) => "FLOAT",
                ColumnReader::DoubleColumnReader(_) => "DOUBLE",
                ColumnReader::ByteArrayColumnReader(_) => "BYTE_ARRAY",
                ColumnReader::FixedLenByteArrayColumnReader(_) => "FIXED_LEN_BYTE_ARRAY",
            };
            return Err(mismatch(found));
        }
    })
}

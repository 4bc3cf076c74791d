//! Python values to statement parameters and result cells back to Python
//! values: None/NULL, int, float, str, bytes, decimal.Decimal, and the
//! datetime types, decided by the column's type so that a DECIMAL stays
//! exact and a DATE is a `datetime.date` whichever protocol carried it.

use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::{Column, Params, Row, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict,
    PyFloat, PyInt, PyList, PyString, PyTime, PyTimeAccess, PyTuple,
};

/// The binary collation: a string column with it holds bytes, not text.
const BINARY_CHARSET: u16 = 63;

/// `params` as given to `cx.query`/`cx.execute`: None, a sequence for `?`
/// placeholders, or a dict for `:name` placeholders.
pub(crate) fn params(params: Option<&Bound<'_, PyAny>>) -> PyResult<Params> {
    let Some(params) = params.filter(|p| !p.is_none()) else {
        return Ok(Params::Empty);
    };
    if let Ok(dict) = params.downcast::<PyDict>() {
        let mut named = std::collections::HashMap::new();
        for (k, v) in dict.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("parameter names must be strings"))?;
            let value =
                value(&v).map_err(|e| describe(params.py(), e, &format!("parameter `{key}`")))?;
            named.insert(key.into_bytes(), value);
        }
        return Ok(Params::Named(named));
    }
    if params.is_instance_of::<PyString>() || params.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "params must be a tuple, a list or a dict, not a single string: write (value,)",
        ));
    }
    let mut positional = Vec::new();
    for (i, v) in params
        .try_iter()
        .map_err(|_| PyTypeError::new_err("params must be a tuple, a list or a dict"))?
        .enumerate()
    {
        let v = v?;
        positional.push(
            value(&v).map_err(|e| describe(params.py(), e, &format!("parameter {}", i + 1)))?,
        );
    }
    Ok(Params::Positional(positional))
}

/// `e` with the parameter it is about named first.
fn describe(py: Python<'_>, e: PyErr, which: &str) -> PyErr {
    PyTypeError::new_err(format!("{which}: {}", e.value(py)))
}

/// One Python value as a statement parameter.
pub(crate) fn value(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = v.py();
    if v.is_none() {
        return Ok(Value::NULL);
    }
    if let Ok(b) = v.downcast::<PyBool>() {
        return Ok(Value::Int(i64::from(b.is_true())));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            return Ok(Value::Int(i));
        }
        return v
            .extract::<u64>()
            .map(Value::UInt)
            .map_err(|_| PyValueError::new_err(format!("integer {v} does not fit in 64 bits")));
    }
    if let Ok(f) = v.downcast::<PyFloat>() {
        return Ok(Value::Double(f.value()));
    }
    if let Ok(s) = v.downcast::<PyString>() {
        return Ok(Value::Bytes(s.to_str()?.as_bytes().to_vec()));
    }
    if let Ok(b) = v.downcast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = v.downcast::<PyByteArray>() {
        return Ok(Value::Bytes(b.to_vec()));
    }
    if let Ok(dt) = v.downcast::<PyDateTime>() {
        return Ok(Value::Date(
            year(dt.get_year())?,
            dt.get_month(),
            dt.get_day(),
            dt.get_hour(),
            dt.get_minute(),
            dt.get_second(),
            dt.get_microsecond(),
        ));
    }
    if let Ok(d) = v.downcast::<PyDate>() {
        return Ok(Value::Date(
            year(d.get_year())?,
            d.get_month(),
            d.get_day(),
            0,
            0,
            0,
            0,
        ));
    }
    if let Ok(t) = v.downcast::<PyTime>() {
        return Ok(Value::Time(
            false,
            0,
            t.get_hour(),
            t.get_minute(),
            t.get_second(),
            t.get_microsecond(),
        ));
    }
    if let Ok(d) = v.downcast::<PyDelta>() {
        return Ok(duration(
            d.get_days(),
            d.get_seconds(),
            d.get_microseconds(),
        ));
    }
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    if v.is_instance(&decimal)? {
        return Ok(Value::Bytes(v.str()?.to_str()?.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "cannot bind a value of type `{}`; use None, bool, int, float, str, bytes, decimal.Decimal or a datetime type",
        v.get_type().name()?
    )))
}

fn year(y: i32) -> PyResult<u16> {
    u16::try_from(y).map_err(|_| PyValueError::new_err(format!("year {y} is out of range")))
}

/// A `timedelta` as a MySQL TIME (sign, days, h, m, s, µs).
fn duration(days: i32, seconds: i32, micros: i32) -> Value {
    let total =
        i64::from(days) * 86_400_000_000 + i64::from(seconds) * 1_000_000 + i64::from(micros);
    let negative = total < 0;
    let t = total.unsigned_abs();
    let secs = t / 1_000_000;
    Value::Time(
        negative,
        (secs / 86_400) as u32,
        ((secs / 3600) % 24) as u8,
        ((secs / 60) % 60) as u8,
        (secs % 60) as u8,
        (t % 1_000_000) as u32,
    )
}

/// A result row as a Python tuple.
pub(crate) fn row<'py>(py: Python<'py>, row: Row) -> PyResult<Bound<'py, PyTuple>> {
    let columns = row.columns();
    // unwrap_raw, not unwrap: no cell was taken out of the row, and a
    // missing one reads as NULL rather than a panic.
    let cells: Vec<Bound<'py, PyAny>> = row
        .unwrap_raw()
        .into_iter()
        .zip(columns.iter())
        .map(|(v, c)| cell(py, v.unwrap_or(Value::NULL), c))
        .collect::<PyResult<_>>()?;
    PyTuple::new(py, cells)
}

/// Result rows as a Python list of tuples.
pub(crate) fn rows(py: Python<'_>, rows: Vec<Row>) -> PyResult<Bound<'_, PyList>> {
    let tuples: Vec<Bound<'_, PyTuple>> = rows
        .into_iter()
        .map(|r| row(py, r))
        .collect::<PyResult<_>>()?;
    PyList::new(py, tuples)
}

fn cell<'py>(py: Python<'py>, v: Value, column: &Column) -> PyResult<Bound<'py, PyAny>> {
    use ColumnType::*;
    let kind = column.column_type();
    Ok(match v {
        Value::NULL => py.None().into_bound(py),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::UInt(u) => u.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Double(f) => f.into_pyobject(py)?.into_any(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            if kind == MYSQL_TYPE_DATE {
                PyDate::new(py, i32::from(y), mo, d)?.into_any()
            } else {
                PyDateTime::new(py, i32::from(y), mo, d, h, mi, s, us, None)?.into_any()
            }
        }
        Value::Time(negative, days, h, m, s, us) => {
            let secs =
                i64::from(days) * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
            let sign = if negative { -1 } else { 1 };
            let total_us = sign * (secs * 1_000_000 + i64::from(us));
            let days = total_us.div_euclid(86_400_000_000);
            let rest = total_us.rem_euclid(86_400_000_000);
            PyDelta::new(
                py,
                days as i32,
                (rest / 1_000_000) as i32,
                (rest % 1_000_000) as i32,
                true,
            )?
            .into_any()
        }
        Value::Bytes(bytes) => text_cell(py, bytes, column)?,
    })
}

/// A cell that came as bytes (every cell of the text protocol, and strings,
/// decimals and blobs of the binary one), typed by its column.
fn text_cell<'py>(py: Python<'py>, bytes: Vec<u8>, column: &Column) -> PyResult<Bound<'py, PyAny>> {
    use ColumnType::*;
    let kind = column.column_type();
    let binary = column.character_set() == BINARY_CHARSET;
    let as_text = || String::from_utf8_lossy(&bytes).into_owned();
    let parsed = match kind {
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => Some(
            py.import("decimal")?
                .getattr("Decimal")?
                .call1((as_text(),))?,
        ),
        MYSQL_TYPE_TINY | MYSQL_TYPE_SHORT | MYSQL_TYPE_LONG | MYSQL_TYPE_INT24
        | MYSQL_TYPE_LONGLONG | MYSQL_TYPE_YEAR => {
            let unsigned = column.flags().contains(ColumnFlags::UNSIGNED_FLAG);
            let text = as_text();
            if unsigned {
                text.parse::<u64>()
                    .ok()
                    .map(|u| u.into_pyobject(py))
                    .transpose()?
                    .map(|o| o.into_any())
            } else {
                text.parse::<i64>()
                    .ok()
                    .map(|i| i.into_pyobject(py))
                    .transpose()?
                    .map(|o| o.into_any())
            }
        }
        MYSQL_TYPE_FLOAT | MYSQL_TYPE_DOUBLE => as_text()
            .parse::<f64>()
            .ok()
            .map(|f| f.into_pyobject(py))
            .transpose()?
            .map(|o| o.into_any()),
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => iso(py, "date", &as_text()),
        MYSQL_TYPE_DATETIME
        | MYSQL_TYPE_TIMESTAMP
        | MYSQL_TYPE_DATETIME2
        | MYSQL_TYPE_TIMESTAMP2 => iso(py, "datetime", &as_text()),
        MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => time_text(&as_text())
            .map(|(neg, d, h, m, s, us)| cell(py, Value::Time(neg, d, h, m, s, us), column))
            .transpose()?,
        MYSQL_TYPE_BIT => Some(PyBytes::new(py, &bytes).into_any()),
        _ => None,
    };
    if let Some(v) = parsed {
        return Ok(v);
    }
    // Zero dates and anything unparsed stay as the server wrote them.
    if binary {
        Ok(PyBytes::new(py, &bytes).into_any())
    } else {
        match String::from_utf8(bytes) {
            Ok(s) => Ok(PyString::new(py, &s).into_any()),
            Err(e) => Ok(PyBytes::new(py, e.as_bytes()).into_any()),
        }
    }
}

/// `datetime.date.fromisoformat` / `datetime.datetime.fromisoformat`, or
/// `None` for what they refuse (zero dates).
fn iso<'py>(py: Python<'py>, class: &str, text: &str) -> Option<Bound<'py, PyAny>> {
    py.import("datetime")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call_method1("fromisoformat", (text,)))
        .ok()
}

/// Parses a TIME in text form, `[-]HHH:MM:SS[.ffffff]`.
fn time_text(text: &str) -> Option<(bool, u32, u8, u8, u8, u32)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (clock, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut parts = clock.split(':');
    let hours: u32 = parts.next()?.parse().ok()?;
    let minutes: u8 = parts.next()?.parse().ok()?;
    let seconds: u8 = parts.next()?.parse().ok()?;
    let micros: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").get(..6)?.parse().ok()?
    };
    Some((
        negative,
        hours / 24,
        (hours % 24) as u8,
        minutes,
        seconds,
        micros,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_text_reads_sign_hours_past_a_day_and_fractions() {
        assert_eq!(time_text("-838:59:59"), Some((true, 34, 22, 59, 59, 0)));
        assert_eq!(time_text("01:02:03.5"), Some((false, 0, 1, 2, 3, 500_000)));
        assert_eq!(time_text("nonsense"), None);
    }

    #[test]
    fn timedelta_becomes_time_with_sign_and_days() {
        assert_eq!(duration(-1, 86_399, 0), Value::Time(true, 0, 0, 0, 1, 0));
        assert_eq!(duration(2, 3661, 7), Value::Time(false, 2, 1, 1, 1, 7));
    }
}

//! A small RFC 4180 CSV writer that also defuses spreadsheet formula injection.

/// Renders `header` and `rows` as CSV with CRLF line ends. Cells containing a comma, quote,
/// CR or LF are quoted (quotes doubled); cells starting with `=`, `+`, `-`, `@`, tab or CR
/// get a leading `'` so spreadsheet programs never evaluate them as formulas — except cells
/// that parse as a number, which are written as is.
pub fn to_csv<I, R>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut out = String::new();
    write_row(&mut out, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        write_row(&mut out, row);
    }
    out
}

fn write_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape(&cell));
    }
    out.push_str("\r\n");
}

/// One cell, escaped.
pub fn escape(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
    let cell = if risky {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_formulas() {
        let csv = to_csv(
            &["a", "b"],
            vec![
                vec!["x,y".to_owned(), "say \"hi\"".to_owned()],
                vec!["=SUM(A1)".to_owned(), "-12.5".to_owned()],
            ],
        );
        assert_eq!(
            csv,
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=SUM(A1),-12.5\r\n"
        );
    }

    #[test]
    fn newlines_are_quoted() {
        assert_eq!(escape("two\nlines"), "\"two\nlines\"");
        assert_eq!(escape("@cmd"), "'@cmd");
        assert_eq!(escape("plain"), "plain");
    }
}

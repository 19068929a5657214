//! Monthly billing report exports: CSV (through [`crate::export::csv`]) and XLSX
//! (`rust_xlsxwriter`, in memory). Amounts are rendered in major units computed exactly from
//! integer minor units; floating point appears only in the XLSX number cells.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::model::{Currency, MonthlyReport, Totals};
use super::money::{format_amount, minor_unit_exponent};
use crate::error::{Error, Result};
use crate::export::csv::to_csv;

/// The file format of a report export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// RFC 4180 CSV, UTF-8, CRLF line ends.
    Csv,
    /// An Office Open XML workbook.
    Xlsx,
}

impl ReportFormat {
    /// The MIME type to serve the export with.
    pub fn content_type(&self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// The report's rows as `(section, key, currency, totals)`: `overall` rows (key `all`),
/// then `status` rows (key = status wire name), then `doctor` rows (key = doctor id), each in
/// the report's order.
fn rows(report: &MonthlyReport) -> Vec<(&'static str, String, &Currency, &Totals)> {
    let overall = report
        .overall
        .iter()
        .map(|(c, t)| ("overall", "all".to_owned(), c, t));
    let by_status = report
        .by_status
        .iter()
        .map(|(s, c, t)| ("status", s.as_str().to_owned(), c, t));
    let by_doctor = report
        .by_doctor
        .iter()
        .map(|(d, c, t)| ("doctor", d.to_string(), c, t));
    overall.chain(by_status).chain(by_doctor).collect()
}

/// The report as CSV with the header
/// `month,section,key,currency,count,total_minor,total`: `month` is `YYYY-MM`; `section` is
/// `overall` (key `all`), `status` (key = status) or `doctor` (key = doctor id); `total` is
/// `total_minor` in major units with the currency's decimals (`129.90` for USD).
pub fn monthly_report_csv(report: &MonthlyReport) -> String {
    let month = report.month.format("%Y-%m").to_string();
    to_csv(
        &[
            "month",
            "section",
            "key",
            "currency",
            "count",
            "total_minor",
            "total",
        ],
        rows(report).into_iter().map(|(section, key, c, t)| {
            vec![
                month.clone(),
                section.to_owned(),
                key,
                c.0.clone(),
                t.count.to_string(),
                t.total_minor.to_string(),
                format_amount(t.total_minor, c),
            ]
        }),
    )
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::backend("could not write the XLSX export", e)
}

/// Excel number format showing the currency's decimals.
fn number_format(currency: &Currency) -> String {
    match minor_unit_exponent(currency) {
        0 => "#,##0".to_owned(),
        n => format!("#,##0.{}", "0".repeat(usize::try_from(n).unwrap_or(2))),
    }
}

/// `total_minor` in major units as the nearest `f64`, parsed from its exact decimal form.
fn major_number(total_minor: i64, currency: &Currency) -> Result<f64> {
    format_amount(total_minor, currency)
        .parse::<f64>()
        .map_err(|e| Error::backend("could not convert an amount", e))
}

/// Writes one sheet: `header` then one row per `(key, currency, totals)`.
fn write_sheet(
    sheet: &mut Worksheet,
    name: &str,
    header: [&str; 4],
    rows: &[(String, &Currency, &Totals)],
) -> Result<()> {
    let bold = Format::new().set_bold();
    sheet.set_name(name).map_err(xlsx_error)?;
    for (col, title) in (0u16..).zip(header) {
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(xlsx_error)?;
    }
    for (row, (key, currency, totals)) in (1u32..).zip(rows) {
        let amount = Format::new().set_num_format(number_format(currency));
        sheet.write_string(row, 0, key).map_err(xlsx_error)?;
        sheet
            .write_string(row, 1, currency.0.as_str())
            .map_err(xlsx_error)?;
        // Counts stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        let count = totals.count as f64;
        sheet.write_number(row, 2, count).map_err(xlsx_error)?;
        sheet
            .write_number_with_format(row, 3, major_number(totals.total_minor, currency)?, &amount)
            .map_err(xlsx_error)?;
    }
    let widths = [38.0, 10.0, 10.0, 16.0];
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, width).map_err(xlsx_error)?;
    }
    Ok(())
}

/// The report as an XLSX workbook, built in memory, with three sheets: `Summary` (month,
/// currency, invoices, total), `By status` and `By doctor` (key, currency, invoices, total).
/// Totals are number cells in major units formatted with the currency's decimals.
/// `Backend` if the workbook cannot be written.
pub fn monthly_report_xlsx(report: &MonthlyReport) -> Result<Vec<u8>> {
    let month = report.month.format("%Y-%m").to_string();
    let mut book = Workbook::new();
    let summary: Vec<_> = report
        .overall
        .iter()
        .map(|(c, t)| (month.clone(), c, t))
        .collect();
    write_sheet(
        book.add_worksheet(),
        "Summary",
        ["Month", "Currency", "Invoices", "Total"],
        &summary,
    )?;
    let by_status: Vec<_> = report
        .by_status
        .iter()
        .map(|(s, c, t)| (s.as_str().to_owned(), c, t))
        .collect();
    write_sheet(
        book.add_worksheet(),
        "By status",
        ["Status", "Currency", "Invoices", "Total"],
        &by_status,
    )?;
    let by_doctor: Vec<_> = report
        .by_doctor
        .iter()
        .map(|(d, c, t)| (d.to_string(), c, t))
        .collect();
    write_sheet(
        book.add_worksheet(),
        "By doctor",
        ["Doctor", "Currency", "Invoices", "Total"],
        &by_doctor,
    )?;
    book.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use uuid::Uuid;

    use super::*;
    use crate::billing::InvoiceStatus;
    use crate::ids::UserId;

    fn report() -> MonthlyReport {
        let usd = Currency("USD".into());
        let t = |count, total_minor| Totals { count, total_minor };
        MonthlyReport {
            month: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            overall: vec![(usd.clone(), t(3, 25980))],
            by_status: vec![
                (InvoiceStatus::Issued, usd.clone(), t(2, 12990)),
                (InvoiceStatus::Paid, usd.clone(), t(1, 12990)),
            ],
            by_doctor: vec![(UserId(Uuid::from_u128(7)), usd, t(3, 25980))],
        }
    }

    #[test]
    fn csv_is_exact() {
        assert_eq!(
            monthly_report_csv(&report()),
            "month,section,key,currency,count,total_minor,total\r\n\
             2026-03,overall,all,USD,3,25980,259.80\r\n\
             2026-03,status,issued,USD,2,12990,129.90\r\n\
             2026-03,status,paid,USD,1,12990,129.90\r\n\
             2026-03,doctor,00000000-0000-0000-0000-000000000007,USD,3,25980,259.80\r\n"
        );
        let empty = MonthlyReport {
            month: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            ..Default::default()
        };
        assert_eq!(
            monthly_report_csv(&empty),
            "month,section,key,currency,count,total_minor,total\r\n"
        );
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = monthly_report_xlsx(&report()).unwrap();
        assert!(bytes.starts_with(b"PK"), "{:?}", &bytes[..4]);
        let empty = monthly_report_xlsx(&MonthlyReport::default()).unwrap();
        assert!(empty.starts_with(b"PK"));
    }

    #[test]
    fn formats_and_numbers() {
        assert_eq!(number_format(&Currency("USD".into())), "#,##0.00");
        assert_eq!(number_format(&Currency("JPY".into())), "#,##0");
        assert_eq!(number_format(&Currency("KWD".into())), "#,##0.000");
        assert_eq!(major_number(12990, &Currency("USD".into())).unwrap(), 129.9);
        assert_eq!(ReportFormat::Xlsx.extension(), "xlsx");
        assert!(ReportFormat::Csv.content_type().starts_with("text/csv"));
    }
}

//! One self-contained HTML file for one or more reports: inline CSS (screen and print), inline SVG
//! charts, no scripts, no external assets.

use crate::model::Report;
use qsentry_store::table::text;

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;line-height:1.4}
h1{border-bottom:3px solid #1f77b4;padding-bottom:.2em}
h2{margin-top:2em;border-bottom:1px solid #ccc;page-break-before:always}
h2.first{page-break-before:avoid}
h3{margin-top:1.5em}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1em;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f4f8}
tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:13px}
.findings{background:#fff8e1;border-left:4px solid #ff9800;padding:.5em 1em}
nav ul{columns:2}
svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none}nav{display:none}table{font-size:9px}tr{page-break-inside:avoid}}
";

/// Renders reports into one HTML document. `max_rows` limits each table (the rest is counted).
pub fn render(title: &str, generated: &str, reports: &[Report], summary: &[String], max_rows: usize) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(title)
    ));
    h.push_str(&format!("<h1>{}</h1>\n<p class=\"note\">{}</p>\n", escape(title), escape(generated)));
    if !summary.is_empty() {
        h.push_str("<div class=\"findings\"><strong>Top findings</strong><ul>");
        for s in summary {
            h.push_str(&format!("<li>{}</li>", escape(s)));
        }
        h.push_str("</ul></div>\n");
    }
    if reports.len() > 1 {
        h.push_str("<nav><h3>Reports</h3><ul>");
        for r in reports {
            h.push_str(&format!("<li><a href=\"#{}\">{}</a></li>", r.name, escape(&r.title)));
        }
        h.push_str("</ul></nav>\n");
    }
    for (i, r) in reports.iter().enumerate() {
        h.push_str(&format!(
            "<h2 id=\"{}\"{}>{}</h2>\n<p>{}</p>\n",
            r.name,
            if i == 0 { " class=\"first\"" } else { "" },
            escape(&r.title),
            escape(&r.intro)
        ));
        if !r.findings.is_empty() {
            h.push_str("<ul class=\"findings\">");
            for f in &r.findings {
                h.push_str(&format!("<li>{}</li>", escape(f)));
            }
            h.push_str("</ul>\n");
        }
        for s in &r.sections {
            h.push_str(&format!("<h3>{}</h3>\n", escape(&s.title)));
            if let Some(n) = &s.note {
                h.push_str(&format!("<p class=\"note\">{}</p>\n", escape(n)));
            }
            if let Some(c) = &s.chart {
                h.push_str(&crate::svg::render(c));
                h.push('\n');
            }
            h.push_str(&table(&s.table, max_rows));
        }
    }
    h.push_str("</body></html>\n");
    h
}

fn table(t: &qsentry_store::Table, max_rows: usize) -> String {
    if t.rows.is_empty() {
        return "<p class=\"note\">None in the data.</p>\n".into();
    }
    let mut h = String::from("<table><thead><tr>");
    for c in &t.columns {
        h.push_str(&format!("<th>{}</th>", escape(c)));
    }
    h.push_str("</tr></thead><tbody>\n");
    for r in t.rows.iter().take(max_rows) {
        h.push_str("<tr>");
        for v in r {
            let cls = if v.is_number() { " class=\"num\"" } else { "" };
            h.push_str(&format!("<td{cls}>{}</td>", escape(&text(v))));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    if t.rows.len() > max_rows {
        h.push_str(&format!(
            "<p class=\"note\">{} more rows not shown; use --output csv for all of them.</p>\n",
            t.rows.len() - max_rows
        ));
    }
    h
}

//! Charts as inline SVG, drawn with plotters' SVG backend: bars, daily series and an hour-by-day heat map.
//! No fonts or images are embedded; text is SVG text, so the HTML file stays self-contained.

use crate::model::Chart;
use plotters::prelude::*;

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The chart as an SVG document (empty when there is nothing to draw).
pub fn render(chart: &Chart) -> String {
    let mut out = String::new();
    let result = match chart {
        Chart::Bars { title, bars } if !bars.is_empty() => bars_svg(&mut out, title, bars),
        Chart::Daily { title, days, series } if !days.is_empty() => daily_svg(&mut out, title, days, series),
        Chart::HeatMap { title, days, counts } if !days.is_empty() => heat_svg(&mut out, title, days, counts),
        _ => return String::new(),
    };
    match result {
        Ok(()) => out,
        Err(e) => format!("<p class=\"note\">chart not drawn: {}</p>", crate::html::escape(&e.to_string())),
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn bars_svg(out: &mut String, title: &str, bars: &[(String, f64)]) -> DrawResult {
    let h = 40 + 22 * bars.len() as u32;
    let root = SVGBackend::with_string(out, (760, h)).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(title.to_string(), (10, 8), ("sans-serif", 15).into_font()))?;
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0);
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = 34 + 22 * i as i32;
        root.draw(&Text::new(cut(label, 34), (10, y + 3), ("sans-serif", 12).into_font()))?;
        let w = ((*v / max) * 420.0).round() as i32;
        root.draw(&Rectangle::new([(260, y), (260 + w.max(1), y + 16)], PALETTE[0].filled()))?;
        root.draw(&Text::new(fmt(*v), (266 + w, y + 3), ("sans-serif", 12).into_font()))?;
    }
    root.present()?;
    Ok(())
}

fn daily_svg(out: &mut String, title: &str, days: &[String], series: &[(String, Vec<f64>)]) -> DrawResult {
    let root = SVGBackend::with_string(out, (760, 300)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = series.iter().flat_map(|s| s.1.iter().cloned()).fold(0.0, f64::max).max(1.0);
    let n = days.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..max * 1.1)?;
    chart
        .configure_mesh()
        .x_labels(n.min(14))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 && (i as usize) < n {
                days[i as usize].get(5..).unwrap_or("").to_string()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| fmt(*y))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let k = series.len().max(1) as f64;
    let width = 0.8 / k;
    for (si, (name, vals)) in series.iter().enumerate() {
        let color = PALETTE[si % PALETTE.len()];
        chart
            .draw_series(vals.iter().enumerate().map(|(i, v)| {
                let x0 = i as f64 - 0.4 + width * si as f64;
                Rectangle::new([(x0, 0.0), (x0 + width, *v)], color.filled())
            }))?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if series.len() > 1 {
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).draw()?;
    }
    root.present()?;
    Ok(())
}

fn heat_svg(out: &mut String, title: &str, days: &[String], counts: &[[f64; 24]]) -> DrawResult {
    let cell = 22;
    let h = 60 + cell * days.len() as u32;
    let root = SVGBackend::with_string(out, (110 + 24 * cell, h)).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(title.to_string(), (10, 8), ("sans-serif", 15).into_font()))?;
    let max = counts.iter().flat_map(|r| r.iter().cloned()).fold(0.0, f64::max).max(1.0);
    for hour in 0..24 {
        root.draw(&Text::new(
            format!("{hour:02}"),
            (100 + hour * cell as i32 + 4, 32),
            ("sans-serif", 11).into_font(),
        ))?;
    }
    for (d, row) in counts.iter().enumerate() {
        let y = 48 + d as i32 * cell as i32;
        root.draw(&Text::new(days[d].clone(), (10, y + 5), ("sans-serif", 11).into_font()))?;
        for (hour, v) in row.iter().enumerate() {
            let x = 100 + hour as i32 * cell as i32;
            let t = (v / max).sqrt();
            let c = RGBColor(255 - (t * 224.0) as u8, 255 - (t * 136.0) as u8, 255 - (t * 75.0) as u8);
            root.draw(&Rectangle::new([(x, y), (x + cell as i32 - 2, y + cell as i32 - 2)], c.filled()))?;
        }
    }
    root.present()?;
    Ok(())
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['…']).collect() }
}

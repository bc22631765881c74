//! Line charts of the training curves (loss, learning rate, kNN monitor, negative-weight ESS).

use anyhow::Result;
use plotters::prelude::*;

use super::canvas::{FONT, PALETTE, SIZE, padded, range, render_png};

/// One line of a chart.
pub struct Line<'a> {
    /// Legend entry.
    pub name: &'a str,
    /// Points in x order.
    pub points: &'a [(f64, f64)],
    /// Draw a dot at each point (for short series, such as one point per epoch).
    pub dots: bool,
    /// Lighter, thinner line (a noisy series behind its smoothed one).
    pub faint: bool,
}

/// A line chart as PNG bytes, or `None` when no line has a point.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line<'_>],
) -> Result<Option<Vec<u8>>> {
    let xs = range(lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)));
    let ys = range(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)));
    let (Some((x0, x1)), Some((y0, y1))) = (xs, ys) else {
        return Ok(None);
    };
    let (x0, x1) = if x1 - x0 < 1e-12 {
        padded(x0, x1)
    } else {
        (x0, x1)
    };
    let (y0, y1) = padded(y0, y1);
    let png = render_png(title, SIZE, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .light_line_style(RGBColor(235, 235, 235))
            .y_label_formatter(&|v| short(*v))
            .x_label_formatter(&|v| short(*v))
            .draw()?;
        for (i, line) in lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = if line.faint {
                color.mix(0.45).stroke_width(1)
            } else {
                color.stroke_width(2)
            };
            let series = chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
            series
                .label(line.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
            if line.dots {
                chart.draw_series(
                    line.points
                        .iter()
                        .map(|&p| Circle::new(p, 3, color.filled())),
                )?;
            }
        }
        if lines.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font((FONT, 12))
                .position(SeriesLabelPosition::UpperRight)
                .draw()?;
        }
        Ok(())
    })?;
    Ok(Some(png))
}

/// A tick label: few digits, scientific notation for very small or large values.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_points_no_chart_and_one_point_is_drawn() {
        let empty = line_chart("t", "x", "y", &[]).unwrap();
        assert!(empty.is_none());
        let one = [(1.0, 0.5)];
        let line = Line {
            name: "a",
            points: &one,
            dots: true,
            faint: false,
        };
        let png = line_chart("t", "x", "y", &[line]).unwrap().unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(1500.0), "1500");
        assert_eq!(short(0.0001), "1.00e-4");
        assert_eq!(short(0.00105), "1.05e-3");
    }
}

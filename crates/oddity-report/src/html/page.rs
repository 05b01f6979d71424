//! The page around the sections: escaping, the stylesheet, sections and figures.

use plotters::prelude::*;
pub(crate) use plotters::style::text_anchor::HPos;
use plotters::style::text_anchor::{Pos, VPos};

/// `s` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// plotters' SVG backend writes a font size as the given size divided by this.
const PLOTTERS_SVG_SCALE: f64 = 1.24;

/// A figure font of `px` CSS pixels (the stylesheet gives figure text the page's fonts).
pub(crate) fn font(px: f64) -> FontDesc<'static> {
    ("sans-serif", px * PLOTTERS_SVG_SCALE).into_font()
}

/// A figure font of `px` CSS pixels whose text is placed by its `h` side (left, centre,
/// right) and its vertical centre.
pub(crate) fn anchored(px: f64, h: HPos) -> TextStyle<'static> {
    TextStyle::from(font(px)).pos(Pos::new(h, VPos::Center))
}

/// The stylesheet: system fonts, a centred column, zebra tables.
const CSS: &str = "\
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--zebra:#f6f8fa;--accent:#0969da}\
*{box-sizing:border-box}\
body{margin:0;font-size:14px;line-height:1.5;color:var(--fg);background:#fff}\
body,svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px}\
h1{font-size:26px;margin:4px 0 8px}header{padding-bottom:8px;border-bottom:2px solid var(--line)}h2{font-size:19px;margin:36px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}\
h3{font-size:15px;margin:18px 0 6px}\
p{margin:6px 0}.note{color:var(--muted);font-size:13px}\
table{border-collapse:collapse;margin:8px 0 4px;font-size:13px;font-variant-numeric:tabular-nums}\
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}\
th:first-child,td:first-child,table.text th,table.text td{text-align:left}\
td.wrap{white-space:normal;max-width:560px}\
thead th{background:var(--zebra);font-weight:600}\
tbody tr:nth-child(even){background:var(--zebra)}\
tr.baseline td{color:var(--muted);font-style:italic}\
th.oracle{color:#8250df}\
.badge{display:inline-block;font-size:11px;font-style:normal;padding:0 6px;margin-left:6px;border-radius:8px;background:#eaeef2;color:var(--muted)}\
.best{font-weight:700}\
.warning{margin:8px 0;padding:6px 12px;border-left:4px solid #bf8700;background:#fff8c5;font-size:13px}.warning ul{margin:4px 0;padding-left:18px}\
figure{margin:10px 0 18px}figcaption{color:var(--muted);font-size:12px}\
.grid{display:flex;flex-wrap:wrap;gap:8px 16px}\
svg{max-width:100%;height:auto}.scroll{overflow-x:auto}\
nav{margin-top:10px}nav a{margin-right:14px;color:var(--accent);text-decoration:none}\
code{font-size:12px;background:var(--zebra);padding:0 3px;border-radius:3px}";

/// The whole page: `title`, the `summary` section's content under it with the links to the
/// sections, then `body`.
pub(crate) fn document(title: &str, summary: &str, body: &str) -> String {
    let nav = [
        ("leaderboard", "Leaderboard"),
        ("critical-difference", "Critical difference"),
        ("families", "Per family"),
        ("heatmap", "Heat map"),
        ("boxplots", "Box plots"),
        ("series", "Time series"),
        ("cost", "Cost"),
        ("failed", "Failed jobs"),
    ]
    .iter()
    .filter(|(id, _)| {
        !matches!(*id, "failed" | "families") || body.contains(&format!("<section id=\"{id}\">"))
    })
    .map(|(id, name)| format!("<a href=\"#{id}\">{name}</a>"))
    .collect::<String>();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>oddity report: {title}</title><style>{CSS}</style></head>\
         <body><main><header><section id=\"summary\"><h1>Report: {title}</h1>\n{summary}</section>\
         <nav>{nav}</nav></header>\n{body}</main></body></html>\n",
        title = escape(title)
    )
}

/// A `<section>` with its id and heading.
pub(crate) fn section(id: &str, title: &str, content: &str) -> String {
    format!("<section id=\"{id}\"><h2>{title}</h2>\n{content}\n</section>\n")
}

/// Why plotters could not draw on the SVG backend.
pub(crate) type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// A figure of `width` × `height` pixels drawn by `draw` on plotters' SVG backend, as an
/// inline `<svg>` in a `<figure>` with `caption`. A drawing error becomes a sentence.
pub(crate) fn figure(
    width: u32,
    height: u32,
    caption: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), DrawError>,
) -> String {
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).and_then(|()| draw(&root)).and_then(|()| root.present())
    };
    match result {
        Ok(()) => {
            let svg = svg.replacen("<svg ", "<svg role=\"img\" ", 1);
            if caption.is_empty() {
                format!("<figure>{svg}</figure>")
            } else {
                format!("<figure>{svg}<figcaption>{caption}</figcaption></figure>")
            }
        }
        Err(e) => format!("<p class=\"note\">Figure not drawn: {}.</p>", escape(&e.to_string())),
    }
}

/// The colour of `t` in [0, 1] on a perceptually ordered scale (viridis, linear between
/// nine stops).
pub(crate) fn scale_colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A colour per method index, from a palette of distinct hues.
pub(crate) fn method_colour(i: usize) -> RGBColor {
    const PALETTE: [(u8, u8, u8); 12] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
        (0, 0, 128),
        (128, 128, 0),
    ];
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The smallest and largest of `values` (infinities reversed when there is none).
pub(crate) fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A label cut to `max` characters (with an ellipsis), for axes.
pub(crate) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn colour_scale_ends_and_clamps() {
        assert_eq!(scale_colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(scale_colour(1.0), RGBColor(253, 231, 37));
        assert_eq!(scale_colour(7.0), scale_colour(1.0));
        assert_eq!(scale_colour(f64::NAN), scale_colour(0.0));
    }

    #[test]
    fn figures_are_inline_svg() {
        let f = figure(100, 50, "cap", |root| {
            root.draw(&Text::new("hi <b>", (10, 20), ("sans-serif", 12).into_font()))
        });
        assert!(f.starts_with("<figure><svg role=\"img\" "), "{f}");
        assert!(f.contains("hi &lt;b&gt;"), "{f}");
        assert!(f.ends_with("<figcaption>cap</figcaption></figure>"));
    }
}

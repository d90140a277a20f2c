//! A chart's SVG as a PNG image (resvg, pure Rust), its text set in the system's fonts: one of
//! the CJK-capable families the SVG names when installed (`fonts-noto-cjk` on Debian).

use resvg::{tiny_skia, usvg};

use crate::render::ChartError;

/// Pixels per SVG unit: twice the SVG's size, sharp on high-density screens.
const SCALE: f32 = 2.0;

/// `svg` rendered as a PNG file's bytes.
pub fn render(svg: &str) -> Result<Vec<u8>, ChartError> {
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| ChartError::Png(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| ChartError::Png("the chart is too large to render".to_owned()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        ChartError::Png(format!(
            "cannot allocate {}×{} pixels",
            size.width(),
            size.height()
        ))
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_becomes_a_png_twice_its_size() {
        let svg = r#"<svg width="30" height="20" xmlns="http://www.w3.org/2000/svg"><text x="2" y="15">中文</text></svg>"#;
        let png = render(svg).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[16..24], &[0, 0, 0, 60, 0, 0, 0, 40]);
        assert!(matches!(render("not svg"), Err(ChartError::Png(_))));
    }
}

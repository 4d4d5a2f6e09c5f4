//! The embedded font: "TL Sans", a Latin-1 + Greek subset of DejaVu Sans (licence in
//! `crates/viz/assets/FONT-LICENSE.txt`). Plots never look for system fonts.

use plotters::style::FontStyle;
use std::sync::Once;

/// The font family name plots use (also written into SVG `font-family` attributes; the
/// HTML report declares it with an `@font-face` carrying [`FONT_TTF`]).
pub const FONT_FAMILY: &str = "TL Sans";

/// The TrueType bytes of the embedded font (56 kB).
pub static FONT_TTF: &[u8] = include_bytes!("../assets/tl-sans.ttf");

static REGISTER: Once = Once::new();

/// Register the embedded font with plotters under [`FONT_FAMILY`] and `sans-serif`
/// (idempotent, thread-safe). Every render function of [`crate::plot`] calls it.
pub fn ensure_font_registered() {
    REGISTER.call_once(|| {
        for name in [FONT_FAMILY, "sans-serif"] {
            // The bytes are a valid TrueType font checked by the test below; a failure
            // here would only mean text is not drawn, never a panic.
            let _ = plotters::style::register_font(name, FontStyle::Normal, FONT_TTF);
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn font_parses() {
        assert!(
            plotters::style::register_font("check", plotters::style::FontStyle::Normal, super::FONT_TTF)
                .is_ok()
        );
    }
}

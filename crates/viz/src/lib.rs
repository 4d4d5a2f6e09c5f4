//! tl-viz (placeholder, filled by its issue).

//! tl-sim (placeholder, filled by its issue).

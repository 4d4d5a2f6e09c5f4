//! tl-engage (placeholder, filled by its issue).

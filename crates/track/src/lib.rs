//! tl-track (placeholder, filled by its issue).

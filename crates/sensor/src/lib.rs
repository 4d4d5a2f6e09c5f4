//! tl-sensor (placeholder, filled by its issue).

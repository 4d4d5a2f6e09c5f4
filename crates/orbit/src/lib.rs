//! tl-orbit (placeholder, filled by its issue).

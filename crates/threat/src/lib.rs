//! tl-threat (placeholder, filled by its issue).

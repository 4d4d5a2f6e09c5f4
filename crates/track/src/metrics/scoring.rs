//! Track scoring over time (filled in below).

//! Physical and geodetic constants, SI units.
//!
//! Sources are given per constant; see `docs/models/earth-and-time.md`.

/// Earth's gravitational parameter GM, m^3/s^2 (WGS84 / EGM96 value, incl. atmosphere).
pub const MU_EARTH_M3_S2: f64 = 3.986_004_418e14;

/// WGS84 semi-major axis (equatorial radius), m.
pub const WGS84_A_M: f64 = 6_378_137.0;

/// WGS84 flattening (dimensionless), 1/298.257223563.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// WGS84 semi-minor axis (polar radius), m: a (1 - f).
pub const WGS84_B_M: f64 = WGS84_A_M * (1.0 - WGS84_F);

/// WGS84 first eccentricity squared: f (2 - f).
pub const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);

/// Second zonal harmonic J2 (unnormalised, dimensionless), EGM96 / EGM2008 value
/// (C20 = -4.84165371736e-4 normalised).
pub const J2: f64 = 1.082_626_683_553_15e-3;

/// Earth's nominal mean angular velocity (WGS84), rad/s. Used for the Coriolis and
/// transport terms of ECI <-> ECEF velocity transforms.
pub const OMEGA_EARTH_RAD_S: f64 = 7.292_115e-5;

/// Mean Earth radius (IUGG R1 = (2a + b)/3), m. Used for spherical-Earth textbook cases.
pub const R_EARTH_MEAN_M: f64 = 6_371_008.771_4;

/// Standard gravity g0, m/s^2 (exact by definition; used with specific impulse).
pub const G0_M_S2: f64 = 9.806_65;

/// Speed of light in vacuum, m/s (exact, SI).
pub const C_M_S: f64 = 299_792_458.0;

/// Planck constant, J s (exact, SI 2019).
pub const H_PLANCK_J_S: f64 = 6.626_070_15e-34;

/// Boltzmann constant, J/K (exact, SI 2019).
pub const K_BOLTZMANN_J_K: f64 = 1.380_649e-23;

/// Stefan-Boltzmann constant, W m^-2 K^-4 (CODATA 2018, derived from exact constants).
pub const SIGMA_SB_W_M2_K4: f64 = 5.670_374_419e-8;

/// Seconds per solar day.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Degrees to radians.
#[inline]
pub fn deg(x_deg: f64) -> f64 {
    x_deg.to_radians()
}

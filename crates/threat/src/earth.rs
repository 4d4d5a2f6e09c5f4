//! The Earth as the flight model sees it: shape (WGS84 with J2, or a sphere without),
//! rotation on/off, drag on/off.

use serde::{Deserialize, Serialize};
use tl_core::Vec3;
use tl_core::consts::{R_EARTH_MEAN_M, WGS84_A_M, WGS84_E2};
use tl_core::frames::{EarthRotation, EciToEcef};
use tl_core::gravity;
use tl_core::wgs84::Geodetic;

/// Shape (and gravity field) of the Earth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EarthShape {
    /// A sphere of the IUGG mean radius with point-mass gravity (textbook cases).
    Spherical,
    /// The WGS84 ellipsoid with point-mass + J2 gravity (the default).
    #[default]
    Wgs84,
}

/// The Earth model of one flight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarthModel {
    /// Shape and gravity.
    pub shape: EarthShape,
    /// Whether the atmosphere exerts drag.
    pub drag: bool,
    /// Orientation of ECEF vs ECI over time (rate 0 for a non-rotating Earth).
    pub rotation: EarthRotation,
}

impl EarthModel {
    /// The full model (WGS84 + J2, drag, rotation) for a run with Earth orientation `rot`.
    pub fn full(rot: EarthRotation) -> Self {
        Self { shape: EarthShape::Wgs84, drag: true, rotation: rot }
    }

    /// A model with the given options. `rotation_on = false` freezes the Earth at its
    /// orientation at `t = 0`.
    pub fn new(shape: EarthShape, rotation_on: bool, drag: bool, rot: EarthRotation) -> Self {
        let rotation = if rotation_on { rot } else { EarthRotation::with_angle(rot.gmst_rad(0.0), 0.0) };
        Self { shape, drag, rotation }
    }

    /// Earth's angular rate used in the dynamics, rad/s (0 when not rotating).
    #[inline]
    pub fn omega_rad_s(&self) -> f64 {
        self.rotation.rate_rad_s()
    }

    /// ECI -> ECEF at `t_s`.
    #[inline]
    pub fn frame(&self, t_s: f64) -> EciToEcef {
        self.rotation.at(t_s)
    }

    /// Gravitational acceleration, m/s^2.
    #[inline]
    pub fn gravity(&self, r: &Vec3) -> Vec3 {
        match self.shape {
            EarthShape::Wgs84 => gravity::accel_j2(r),
            EarthShape::Spherical => gravity::accel_point_mass(r),
        }
    }

    /// Gravitational potential per unit mass, J/kg.
    #[inline]
    pub fn potential(&self, r: &Vec3) -> f64 {
        match self.shape {
            EarthShape::Wgs84 => gravity::potential_j2(r),
            EarthShape::Spherical => gravity::potential_point_mass(r),
        }
    }

    /// Radius of the surface below `r` (along the geocentric direction), m.
    #[inline]
    pub fn surface_radius_m(&self, r: &Vec3) -> f64 {
        match self.shape {
            EarthShape::Spherical => R_EARTH_MEAN_M,
            EarthShape::Wgs84 => {
                let s2 = r.z * r.z / r.norm_squared();
                WGS84_A_M * ((1.0 - WGS84_E2) / (1.0 - WGS84_E2 * (1.0 - s2))).sqrt()
            }
        }
    }

    /// Fast height above the surface, m: radial distance above the surface point on the
    /// same geocentric ray. Frame-independent (depends on |r| and z only). Exact at 0 m; on
    /// WGS84 it differs from the geodetic height by < 1 m below 100 km.
    #[inline]
    pub fn height_m(&self, r: &Vec3) -> f64 {
        r.norm() - self.surface_radius_m(r)
    }

    /// Surface point (altitude `alt_m`) at latitude/longitude (rad), ECEF, m. Geodetic on
    /// WGS84; geocentric on the sphere.
    pub fn point_ecef(&self, lat_rad: f64, lon_rad: f64, alt_m: f64) -> Vec3 {
        match self.shape {
            EarthShape::Wgs84 => Geodetic { lat_rad, lon_rad, alt_m }.to_ecef(),
            EarthShape::Spherical => {
                let (sl, cl) = lat_rad.sin_cos();
                let (so, co) = lon_rad.sin_cos();
                (R_EARTH_MEAN_M + alt_m) * Vec3::new(cl * co, cl * so, sl)
            }
        }
    }

    /// Latitude, longitude (rad) and altitude (m) of an ECEF position (geodetic on WGS84,
    /// geocentric on the sphere).
    pub fn geodetic(&self, r_ecef: &Vec3) -> Geodetic {
        match self.shape {
            EarthShape::Wgs84 => Geodetic::from_ecef(r_ecef),
            EarthShape::Spherical => {
                let r = r_ecef.norm();
                Geodetic {
                    lat_rad: (r_ecef.z / r).clamp(-1.0, 1.0).asin(),
                    lon_rad: r_ecef.y.atan2(r_ecef.x),
                    alt_m: r - R_EARTH_MEAN_M,
                }
            }
        }
    }

    /// Local east, north, up unit vectors (ECEF) at latitude/longitude (rad).
    pub fn enu(&self, lat_rad: f64, lon_rad: f64) -> [Vec3; 3] {
        tl_core::wgs84::enu_basis(&Geodetic { lat_rad, lon_rad, alt_m: 0.0 })
    }

    /// Great-circle distance on the surface between two ECEF surface points, m (mean
    /// radius times the central angle: used for ranges and miss distances at the km
    /// level; miss distances below 1 km use the chord, which is then exact to < 1 mm).
    pub fn surface_distance_m(&self, a: &Vec3, b: &Vec3) -> f64 {
        let chord = (a - b).norm();
        if chord < 1_000.0 {
            return chord;
        }
        match self.shape {
            EarthShape::Wgs84 => {
                tl_core::wgs84::geodesic_distance_m(&Geodetic::from_ecef(a), &Geodetic::from_ecef(b))
            }
            EarthShape::Spherical => R_EARTH_MEAN_M * tl_core::geom::angle_between(a, b),
        }
    }

    /// Air density (kg/m^3), pressure (Pa), speed of sound (m/s) at `r` (any Earth-centred
    /// frame). Density is 0 when drag is off.
    #[inline]
    pub fn air(&self, r: &Vec3) -> (f64, f64, f64) {
        let h = self.height_m(r);
        let (rho, p, a) = crate::atmosphere::density_pressure_sound(h);
        (if self.drag { rho } else { 0.0 }, p, a)
    }

    /// Velocity relative to the rotating atmosphere, ECI, m/s.
    #[inline]
    pub fn air_relative_velocity(&self, r: &Vec3, v: &Vec3) -> Vec3 {
        let w = self.omega_rad_s();
        Vec3::new(v.x + w * r.y, v.y - w * r.x, v.z)
    }
}

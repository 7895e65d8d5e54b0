//! Magnum API microversions: the `Microversion` value, the server's supported range, the
//! `OpenStack-API-Version` header format, and the pure rule that picks which version to send.
//!
//! Magnum treats a request *without* the header as version 1.1 (the minimum), not the latest,
//! and version 1.13 changes the shape of cluster responses (`cluster_id` replaces `stack_id`).
//! So this crate never sends `latest`: every request declares the lowest version that supports
//! the operation *and the argument values used*, and [`select`] sends exactly that (or the
//! user's pin). See `docs/microversions.md`.

use std::fmt;
use std::str::FromStr;

/// The service name this crate sends in `OpenStack-API-Version`. Older clouds accept only this
/// alias, newer ones accept it too (`client-anchors.md` §C.2).
pub const SERVICE_TYPE: &str = "container-infra";

/// All spellings of Magnum's service type that may appear in response headers and catalogs.
pub const SERVICE_TYPE_ALIASES: [&str; 3] = [
    "container-infra",
    "container-infrastructure-management",
    "container-infrastructure",
];

/// Name of the request and response header carrying the microversion.
pub const VERSION_HEADER: &str = "OpenStack-API-Version";
/// Response header carrying the server's minimum microversion.
pub const MIN_VERSION_HEADER: &str = "OpenStack-API-Minimum-Version";
/// Response header carrying the server's maximum microversion.
pub const MAX_VERSION_HEADER: &str = "OpenStack-API-Maximum-Version";

/// A Magnum API microversion such as `1.10`.
///
/// Ordered numerically (`1.9 < 1.10`), unlike string comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Microversion {
    /// Major version; always 1 for Magnum v1.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl Microversion {
    /// Builds a microversion from its two parts.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// 1.1 — the baseline, and what the server assumes when no header is sent.
    pub const V1_1: Self = Self::new(1, 1);
    /// 1.2 — asynchronous create/update/delete.
    pub const V1_2: Self = Self::new(1, 2);
    /// 1.3 — `rollback` query parameter on cluster PATCH.
    pub const V1_3: Self = Self::new(1, 3);
    /// 1.4 — `/v1/stats`.
    pub const V1_4: Self = Self::new(1, 4);
    /// 1.5 — CA rotation (`PATCH /v1/certificates/{cluster}`).
    pub const V1_5: Self = Self::new(1, 5);
    /// 1.6 — `/v1/quotas`.
    pub const V1_6: Self = Self::new(1, 6);
    /// 1.7 — `actions/resize`.
    pub const V1_7: Self = Self::new(1, 7);
    /// 1.8 — `actions/upgrade`.
    pub const V1_8: Self = Self::new(1, 8);
    /// 1.9 — the nodegroup API.
    pub const V1_9: Self = Self::new(1, 9);
    /// 1.10 — `node_count = 0` for clusters and nodegroups.
    pub const V1_10: Self = Self::new(1, 10);
    /// 1.11 — bay/baymodel removed.
    pub const V1_11: Self = Self::new(1, 11);
    /// 1.12 — credential rotation (`PATCH /v1/credentials/{cluster}`).
    pub const V1_12: Self = Self::new(1, 12);
    /// 1.13 — cluster responses carry `cluster_id` instead of `stack_id`.
    pub const V1_13: Self = Self::new(1, 13);
    /// 1.14 — nodegroup `node_labels` and `node_taints`.
    pub const V1_14: Self = Self::new(1, 14);

    /// The highest microversion this crate knows how to speak.
    pub const LATEST_KNOWN: Self = Self::V1_14;

    /// The value of the `OpenStack-API-Version` request header for this version.
    ///
    /// ```
    /// # use magnum_core::Microversion;
    /// assert_eq!(Microversion::V1_10.header_value(), "container-infra 1.10");
    /// ```
    pub fn header_value(self) -> String {
        format!("{SERVICE_TYPE} {self}")
    }

    /// Parses a response header value such as
    /// `container-infrastructure-management 1.14` (any service alias) or a bare `1.14`.
    ///
    /// # Errors
    /// [`MicroversionParseError`] when the service name is not Magnum's or the number is malformed.
    pub fn from_header_value(value: &str) -> Result<Self, MicroversionParseError> {
        let value = value.trim();
        match value.split_once(char::is_whitespace) {
            Some((service, version)) => {
                if !SERVICE_TYPE_ALIASES
                    .iter()
                    .any(|alias| alias.eq_ignore_ascii_case(service))
                {
                    return Err(MicroversionParseError::new(value));
                }
                version.trim().parse()
            }
            None => value.parse(),
        }
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Microversion {
    type Err = MicroversionParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s
            .trim()
            .split_once('.')
            .ok_or_else(|| MicroversionParseError::new(s))?;
        let parse = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MicroversionParseError::new(s));
            }
            part.parse::<u16>()
                .map_err(|_| MicroversionParseError::new(s))
        };
        Ok(Self::new(parse(major)?, parse(minor)?))
    }
}

impl serde::Serialize for Microversion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Microversion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A string that is not a valid microversion (`"1.x"`, `"latest"`, `"nova 2.1"`…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid microversion {text:?}: expected MAJOR.MINOR, e.g. 1.14")]
pub struct MicroversionParseError {
    text: String,
}

impl MicroversionParseError {
    fn new(text: &str) -> Self {
        // Microversion strings are short; cap what we echo back so a hostile header cannot
        // blow up an error message.
        Self {
            text: text.chars().take(64).collect(),
        }
    }
}

/// The inclusive range of microversions a Magnum endpoint supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct VersionRange {
    /// The lowest supported version (1.1 on every Magnum).
    pub min: Microversion,
    /// The highest supported version (1.12 on 2026.1, 1.14 on master).
    pub max: Microversion,
}

impl VersionRange {
    /// Builds a range.
    pub const fn new(min: Microversion, max: Microversion) -> Self {
        Self { min, max }
    }

    /// Whether `version` is inside the range.
    pub fn contains(&self, version: Microversion) -> bool {
        self.min <= version && version <= self.max
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

/// Why no microversion could be chosen for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    /// The operation needs a newer version than the cloud offers.
    #[error(
        "{operation} needs Magnum API microversion {needed}, but this cloud supports only {available}"
    )]
    CloudTooOld {
        /// What was attempted, e.g. `resize nodegroup to 0 nodes`.
        operation: String,
        /// The lowest version that supports it.
        needed: Microversion,
        /// What the cloud advertises.
        available: VersionRange,
    },
    /// The user pinned a version that is too old for the operation.
    #[error(
        "{operation} needs Magnum API microversion {needed}, but the client is pinned to {pinned} (OS_CONTAINER_INFRA_API_VERSION or an explicit pin)"
    )]
    PinTooOld {
        /// What was attempted.
        operation: String,
        /// The lowest version that supports it.
        needed: Microversion,
        /// The user's pin.
        pinned: Microversion,
    },
    /// The user pinned a version the cloud does not offer.
    #[error(
        "the client is pinned to Magnum API microversion {pinned}, but this cloud supports only {available}"
    )]
    PinOutOfRange {
        /// The user's pin.
        pinned: Microversion,
        /// What the cloud advertises.
        available: VersionRange,
    },
}

/// Picks the microversion to send.
///
/// * With a `pin`, the pin is sent as long as it is at least `needed` and inside `available`
///   (when known).
/// * Otherwise the lowest version that supports the call is sent: `needed`, raised to the
///   server minimum when the server's floor is higher.
///
/// `available` is `None` when the server's range is unknown (discovery failed or was skipped);
/// the request is then sent and the server has the last word (a 406).
///
/// # Errors
/// [`SelectError`] naming the needed, pinned and available versions.
pub fn select(
    operation: &str,
    needed: Microversion,
    pin: Option<Microversion>,
    available: Option<VersionRange>,
) -> Result<Microversion, SelectError> {
    if let Some(pinned) = pin {
        if pinned < needed {
            return Err(SelectError::PinTooOld {
                operation: operation.to_owned(),
                needed,
                pinned,
            });
        }
        if let Some(range) = available {
            if !range.contains(pinned) {
                return Err(SelectError::PinOutOfRange {
                    pinned,
                    available: range,
                });
            }
        }
        return Ok(pinned);
    }
    match available {
        Some(range) if needed > range.max => Err(SelectError::CloudTooOld {
            operation: operation.to_owned(),
            needed,
            available: range,
        }),
        Some(range) => Ok(needed.max(range.min)),
        None => Ok(needed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_numerically_not_lexically() {
        assert!(Microversion::V1_9 < Microversion::V1_10);
        assert!(Microversion::V1_14 > Microversion::V1_2);
    }

    #[test]
    fn parses_bare_and_header_forms() {
        assert_eq!("1.14".parse::<Microversion>(), Ok(Microversion::V1_14));
        assert_eq!(
            Microversion::from_header_value("container-infrastructure-management 1.10"),
            Ok(Microversion::V1_10)
        );
        assert_eq!(
            Microversion::from_header_value("container-infra 1.1"),
            Ok(Microversion::V1_1)
        );
        assert!(Microversion::from_header_value("compute 2.1").is_err());
        for bad in [
            "", "1", "1.", ".1", "1.x", "latest", "1.1.1", "-1.2", "1.+2", "99999.1",
        ] {
            assert!(bad.parse::<Microversion>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn select_sends_the_lowest_version_that_works() {
        let range = VersionRange::new(Microversion::V1_1, Microversion::V1_14);
        assert_eq!(
            select("list clusters", Microversion::V1_1, None, Some(range)),
            Ok(Microversion::V1_1)
        );
        assert_eq!(
            select("resize", Microversion::V1_7, None, Some(range)),
            Ok(Microversion::V1_7)
        );
        let floor = VersionRange::new(Microversion::V1_3, Microversion::V1_14);
        assert_eq!(
            select("list", Microversion::V1_1, None, Some(floor)),
            Ok(Microversion::V1_3)
        );
        assert_eq!(
            select("x", Microversion::V1_9, None, None),
            Ok(Microversion::V1_9)
        );
    }

    #[test]
    fn select_explains_a_cloud_that_is_too_old() {
        let old = VersionRange::new(Microversion::V1_1, Microversion::V1_12);
        let err = select("set node_labels", Microversion::V1_14, None, Some(old)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "set node_labels needs Magnum API microversion 1.14, but this cloud supports only 1.1..=1.12"
        );
    }

    #[test]
    fn select_honours_and_checks_a_pin() {
        let range = VersionRange::new(Microversion::V1_1, Microversion::V1_14);
        assert_eq!(
            select(
                "list",
                Microversion::V1_1,
                Some(Microversion::V1_13),
                Some(range)
            ),
            Ok(Microversion::V1_13)
        );
        assert!(matches!(
            select(
                "resize",
                Microversion::V1_7,
                Some(Microversion::V1_5),
                Some(range)
            ),
            Err(SelectError::PinTooOld { .. })
        ));
        assert!(matches!(
            select(
                "list",
                Microversion::V1_1,
                Some(Microversion::new(1, 20)),
                Some(range)
            ),
            Err(SelectError::PinOutOfRange { .. })
        ));
    }
}

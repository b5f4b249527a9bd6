//! The newest release, as the version check finds it: version numbers compared as semver does
//! (node's `semver`, which Immich uses), and Immich's `ReleaseEventV1`, the payload of
//! `on_new_release`.

use std::cmp::Ordering;

use serde_json::{Value, json};

/// A version number: `major.minor.patch[-prerelease][+build]` (the build is ignored, as semver
/// ignores it in comparisons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub prerelease: Vec<Identifier>,
}

/// One dot-separated part of a prerelease: numbers sort below words and among themselves by
/// value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Identifier {
    Number(u64),
    Word(String),
}

impl Version {
    /// Parses `3.2.2`, `v3.3.0`, `3.3.0-rc.1`: a release feed's tag may carry a leading `v`
    /// (GitHub's tags do), which semver's loose parsing accepts too.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text
            .strip_prefix('v')
            .or_else(|| text.strip_prefix('='))
            .unwrap_or(text);
        let text = text.split('+').next()?;
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let mut numbers = core.split('.').map(number);
        let (major, minor, patch) = (numbers.next()??, numbers.next()??, numbers.next()??);
        if numbers.next().is_some() {
            return None;
        }
        let prerelease = match pre {
            None => Vec::new(),
            Some(pre) => pre
                .split('.')
                .map(|part| {
                    if part.is_empty()
                        || !part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    {
                        None
                    } else if let Some(n) = number(part) {
                        Some(Identifier::Number(n))
                    } else {
                        Some(Identifier::Word(part.to_string()))
                    }
                })
                .collect::<Option<Vec<_>>>()?,
        };
        Some(Version {
            major,
            minor,
            patch,
            prerelease,
        })
    }

    /// The server's own version (the Immich version it answers as).
    pub fn server() -> Version {
        let (major, minor, patch) = crate::IMMICH_VERSION;
        Version {
            major: major.into(),
            minor: minor.into(),
            patch: patch.into(),
            prerelease: Vec::new(),
        }
    }

    fn main(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// Immich's `ServerVersionResponseDto`: the prerelease is the number after its label
    /// (`3.3.0-rc.1` has 1), null without one.
    pub fn to_dto(&self) -> Value {
        let prerelease = match self.prerelease.get(1) {
            Some(Identifier::Number(n)) => json!(n),
            _ => Value::Null,
        };
        json!({ "major": self.major, "minor": self.minor, "patch": self.patch, "prerelease": prerelease })
    }
}

/// Digits without a leading zero (semver's numeric identifier).
fn number(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.chars().all(|c| c.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.main().cmp(&other.main()).then_with(|| {
            // A version without a prerelease is above all of its prereleases.
            match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.prerelease.cmp(&other.prerelease),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether `release` is news to a server at `server` on this channel: newer, and not a
/// prerelease unless the admin follows release candidates (Immich's
/// `semver.intersects('>server', release, { includePrerelease })`).
pub fn is_available(server: &Version, release: &Version, channel: &str) -> bool {
    release > server && (release.prerelease.is_empty() || channel == RELEASE_CANDIDATE)
}

/// The system config's `newVersionCheck.channel` that includes prereleases.
pub const RELEASE_CANDIDATE: &str = "releaseCandidate";

/// How far apart two versions are: node semver's `diff` (`major`, `minor`, `patch`, each with
/// `pre` in front when the higher one is a prerelease, or `prerelease`); none when equal.
pub fn difference(a: &Version, b: &Version) -> Option<&'static str> {
    let (high, low) = match a.cmp(b) {
        Ordering::Equal => return None,
        Ordering::Greater => (a, b),
        Ordering::Less => (b, a),
    };
    let (high_pre, low_pre) = (!high.prerelease.is_empty(), !low.prerelease.is_empty());
    if low_pre && !high_pre {
        // From a prerelease to its release.
        if low.patch == 0 && low.minor == 0 {
            return Some("major");
        }
        if low.main() == high.main() {
            return Some(if low.minor != 0 && low.patch == 0 {
                "minor"
            } else {
                "patch"
            });
        }
    }
    let kind = if a.major != b.major {
        0
    } else if a.minor != b.minor {
        1
    } else if a.patch != b.patch {
        2
    } else {
        return Some("prerelease");
    };
    Some(match (high_pre, kind) {
        (false, 0) => "major",
        (false, 1) => "minor",
        (false, _) => "patch",
        (true, 0) => "premajor",
        (true, 1) => "preminor",
        (true, _) => "prepatch",
    })
}

/// Immich's `ReleaseEventV1` for a stored version check state (`checkedAt`, `releaseVersion`),
/// as this server sees it; none when the stored version is not one.
pub fn release_event(channel: &str, checked_at: &str, release_version: &str) -> Option<Value> {
    let release = Version::parse(release_version)?;
    let server = Version::server();
    Some(json!({
        "isAvailable": is_available(&server, &release, channel),
        "checkedAt": checked_at,
        "serverVersion": server.to_dto(),
        "releaseVersion": release.to_dto(),
        "type": difference(&server, &release),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn versions_parse_and_order_as_semver() {
        assert_eq!(v("v3.3.0"), v("3.3.0"));
        assert_eq!(v("3.3.0+build.5"), v("3.3.0"));
        for bad in [
            "",
            "3",
            "3.3",
            "3.3.0.1",
            "03.3.0",
            "x.y.z",
            "3.3.0-",
            "3.3.0-rc..1",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "2.0.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn availability_follows_the_channel() {
        let server = v("3.2.2");
        assert!(is_available(&server, &v("3.3.0"), "stable"));
        assert!(!is_available(&server, &v("3.2.2"), "stable"));
        assert!(!is_available(&server, &v("3.1.0"), "stable"));
        assert!(!is_available(&server, &v("3.3.0-rc.1"), "stable"));
        assert!(is_available(&server, &v("3.3.0-rc.1"), RELEASE_CANDIDATE));
    }

    #[test]
    fn differences_are_node_semvers() {
        let d = |a: &str, b: &str| difference(&v(a), &v(b));
        assert_eq!(d("3.2.2", "3.2.2"), None);
        assert_eq!(d("3.2.2", "4.0.0"), Some("major"));
        assert_eq!(d("3.2.2", "3.3.0"), Some("minor"));
        assert_eq!(d("3.2.2", "3.2.3"), Some("patch"));
        assert_eq!(d("3.2.2", "3.1.0"), Some("minor"));
        assert_eq!(d("3.2.2", "4.0.0-rc.1"), Some("premajor"));
        assert_eq!(d("3.2.2", "3.3.0-rc.1"), Some("preminor"));
        assert_eq!(d("3.2.2", "3.2.3-rc.1"), Some("prepatch"));
        assert_eq!(d("3.3.0-rc.1", "3.3.0-rc.2"), Some("prerelease"));
        assert_eq!(d("1.0.0-1", "1.0.0"), Some("major"));
        assert_eq!(d("1.1.0-1", "1.1.0"), Some("minor"));
        assert_eq!(d("1.1.1-1", "1.1.1"), Some("patch"));
    }

    #[test]
    fn the_release_event_is_immichs() {
        let event = release_event("stable", "2026-01-01T00:00:00.000Z", "v3.3.0-rc.1").unwrap();
        assert_eq!(
            event,
            json!({
                "isAvailable": false,
                "checkedAt": "2026-01-01T00:00:00.000Z",
                "serverVersion": { "major": 3, "minor": 2, "patch": 2, "prerelease": null },
                "releaseVersion": { "major": 3, "minor": 3, "patch": 0, "prerelease": 1 },
                "type": "preminor",
            })
        );
        assert_eq!(release_event("stable", "x", "not a version"), None);
    }
}

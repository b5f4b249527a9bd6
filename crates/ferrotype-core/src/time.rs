//! Time zones as Immich names them when only the offset is known.

use chrono::FixedOffset;

/// `UTC`, `UTC+9`, `UTC-4`, `UTC+5:30`: how Immich names a zone known only by its offset.
pub fn zone_name(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        return "UTC".to_string();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, (secs.abs() % 3600) / 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// The offset of a zone named by `zone_name` (`UTC`, `UTC+0`, `UTC-4`, `UTC+5:30`); `None` for
/// other names (an IANA zone such as `Europe/Zurich`, whose offset depends on the date).
pub fn zone_offset(name: &str) -> Option<FixedOffset> {
    let rest = name.strip_prefix("UTC")?;
    if rest.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(zone_name(FixedOffset::east_opt(0).unwrap()), "UTC");
        assert_eq!(zone_name(FixedOffset::west_opt(4 * 3600).unwrap()), "UTC-4");
        assert_eq!(
            zone_name(FixedOffset::east_opt(5 * 3600 + 1800).unwrap()),
            "UTC+5:30"
        );
    }

    #[test]
    fn offsets_of_names() {
        for seconds in [0, -4 * 3600, 5 * 3600 + 1800, 14 * 3600, -(9 * 3600 + 1800)] {
            let offset = FixedOffset::east_opt(seconds).unwrap();
            assert_eq!(zone_offset(&zone_name(offset)), Some(offset));
        }
        assert_eq!(zone_offset("UTC+0"), FixedOffset::east_opt(0));
        for not_fixed in ["Europe/Zurich", "UTC+15", "UTC+2:60", "UTC*2", "GMT+1", ""] {
            assert_eq!(zone_offset(not_fixed), None, "{not_fixed}");
        }
    }
}

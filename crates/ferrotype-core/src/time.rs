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
}

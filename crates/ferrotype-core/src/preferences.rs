//! User preferences (`/api/users/me/preferences`): Immich's defaults, with what the user changed
//! stored on top. An update names only what changes; unknown sections or keys, and values of the
//! wrong type, are refused.

use serde_json::{Map, Value, json};

/// The catalog key the changed preferences are stored under.
pub const KEY: &str = "preferences";

/// Immich's default preferences.
pub fn defaults() -> Value {
    json!({
        "albums": { "defaultAssetOrder": "desc" },
        "cast": { "gCastEnabled": false },
        "download": { "archiveSize": 4_294_967_296u64, "includeEmbeddedVideos": false },
        "emailNotifications": { "enabled": true, "albumInvite": true, "albumUpdate": true },
        "folders": { "enabled": false, "sidebarWeb": false },
        "memories": { "enabled": true, "duration": 5 },
        "people": { "enabled": true, "sidebarWeb": false, "minimumFaces": 3 },
        "purchase": { "showSupportBadge": true, "hideBuyButtonUntil": "2022-06-12T00:00:00.000Z" },
        "ratings": { "enabled": false },
        "recentlyAdded": { "sidebarWeb": false },
        "sharedLinks": { "enabled": true, "sidebarWeb": false },
        "tags": { "enabled": false, "sidebarWeb": false },
    })
}

fn same_kind(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(_), Value::Bool(_)) | (Value::String(_), Value::String(_)) => true,
        (Value::Number(x), Value::Number(y)) => {
            x.is_i64() == y.is_i64() || x.is_u64() == y.is_u64()
        }
        _ => false,
    }
}

/// Checks an update against the defaults' shape; returns the reason of the first problem.
/// `avatar` is accepted too: it changes the user's colour, not a preference.
pub fn validate_update(update: &Value) -> Result<(), String> {
    let defaults = defaults();
    let Value::Object(sections) = update else {
        return Err("preferences must be an object".into());
    };
    for (section, values) in sections {
        if section == "avatar" {
            continue;
        }
        let Some(Value::Object(known)) = defaults.get(section) else {
            return Err(format!("unknown preference section {section}"));
        };
        let Value::Object(values) = values else {
            return Err(format!("{section} must be an object"));
        };
        for (key, value) in values {
            let Some(default) = known.get(key) else {
                return Err(format!("unknown preference {section}.{key}"));
            };
            if !same_kind(default, value) {
                return Err(format!(
                    "{section}.{key} must be of the same type as {default}"
                ));
            }
            if section == "albums"
                && key == "defaultAssetOrder"
                && !matches!(value.as_str(), Some("asc" | "desc"))
            {
                return Err("albums.defaultAssetOrder must be one of asc, desc".into());
            }
        }
    }
    Ok(())
}

/// Lays `update`'s sections over `stored` (both partial), key by key.
pub fn merge(stored: &Value, update: &Value) -> Value {
    let mut out: Map<String, Value> = stored.as_object().cloned().unwrap_or_default();
    if let Value::Object(sections) = update {
        for (section, values) in sections {
            if section == "avatar" {
                continue;
            }
            let entry = out.entry(section.clone()).or_insert_with(|| json!({}));
            if let (Value::Object(target), Value::Object(values)) = (entry, values) {
                for (k, v) in values {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// The full preferences: the defaults with the stored changes over them.
pub fn effective(stored: Option<&Value>) -> Value {
    match stored {
        Some(stored) => merge(&defaults(), stored),
        None => defaults(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_are_checked_and_merged() {
        let update =
            json!({"memories": {"enabled": false}, "albums": {"defaultAssetOrder": "asc"}});
        assert!(validate_update(&update).is_ok());
        let stored = merge(&json!({}), &update);
        let full = effective(Some(&stored));
        assert_eq!(full["memories"], json!({"enabled": false, "duration": 5}));
        assert_eq!(full["albums"]["defaultAssetOrder"], "asc");
        assert_eq!(full["tags"], defaults()["tags"]);
        assert!(validate_update(&json!({"nope": {}})).is_err());
        assert!(validate_update(&json!({"memories": {"enabled": "yes"}})).is_err());
        assert!(validate_update(&json!({"memories": {"colour": 1}})).is_err());
        assert!(validate_update(&json!({"albums": {"defaultAssetOrder": "sideways"}})).is_err());
        assert!(validate_update(&json!({"avatar": {"color": "red"}})).is_ok());
    }
}

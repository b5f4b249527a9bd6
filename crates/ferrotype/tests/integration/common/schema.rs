//! Checks JSON responses against Immich's OpenAPI document: the operation is found from the
//! method and path, and the body must match the schema of the status it came with (required
//! fields, types, nullability, enums, formats uuid, date-time, date and email).

use std::sync::OnceLock;

use serde_json::Value;

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = super::repo_root().join("spec/immich-openapi-3.1.0.json");
        let text = std::fs::read_to_string(&path).expect("read the OpenAPI document");
        serde_json::from_str(&text).expect("parse the OpenAPI document")
    })
}

/// The spec's path template for a request path under `/api`, preferring literal segments
/// (`/assets/statistics` over `/assets/{id}`).
fn template_for(path: &str) -> Option<&'static str> {
    let path = path.split('?').next()?.strip_prefix("/api")?;
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(&str, usize)> = None;
    for template in spec()["paths"].as_object()?.keys() {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literals = 0;
        let fits = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                true
            } else {
                literals += 1;
                t == s
            }
        });
        if fits && best.is_none_or(|(_, l)| literals > l) {
            best = Some((template.as_str(), literals));
        }
    }
    best.map(|(t, _)| t)
}

/// Validates a JSON response body; returns the problems found (empty when it conforms).
/// Error statuses are not described by the spec; their shape is checked by the tests.
pub fn check_response(method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
    if status >= 400 || path == "/.well-known/immich" {
        return Vec::new();
    }
    let Some(template) = template_for(path) else {
        return vec![format!(
            "{method} {path}: no such path in the OpenAPI document"
        )];
    };
    // The one place Immich's server answers beyond its document: suggestions asked with
    // `includeNull=true` end with `null` (Immich's own e2e spec expects it), in a list the
    // document types as strings. The rest of the list is checked.
    if template == "/search/suggestions"
        && let Some((Value::Null, rest)) = body.as_array().and_then(|l| l.split_last())
        && path.contains("includeNull=true")
    {
        return check_response(method, path, status, &Value::Array(rest.to_vec()));
    }
    let path = &spec()["paths"][template];
    // Immich serves PATCH beside the deprecated PUT of the same route; the document lists only
    // the PUT form.
    let operation = match &path[method.to_lowercase()] {
        Value::Null if method == "PATCH" => &path["put"],
        found => found,
    };
    if operation.is_null() {
        return vec![format!(
            "{method} {template}: no such operation in the OpenAPI document"
        )];
    }
    let mut response = &operation["responses"][status.to_string()];
    // Immich answers a repeated like with 200 and the 201's body (its controller changes the
    // status), which its document does not list.
    if response.is_null() && status == 200 && (method, template) == ("POST", "/activities") {
        response = &operation["responses"]["201"];
    }
    if response.is_null() {
        return vec![format!(
            "{method} {template}: status {status} is not documented"
        )];
    }
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        return vec![format!(
            "{method} {template}: status {status} has no JSON body in the spec"
        )];
    }
    let mut problems = Vec::new();
    // A shared link's visitor gets Immich's sanitized assets when the link hides metadata, a
    // shape its OpenAPI document does not describe: those must hold exactly the fields that
    // draw an asset, and the rest of the body is checked as usual.
    let mut body = body.clone();
    let hides_metadata = body["showMetadata"] == false;
    if let Some(Value::Array(assets)) = body.get_mut("assets")
        && hides_metadata
        && matches!(template, "/shared-links/me" | "/shared-links/login")
    {
        const SANITIZED: [&str; 10] = [
            "id",
            "type",
            "originalMimeType",
            "thumbhash",
            "localDateTime",
            "duration",
            "livePhotoVideoId",
            "hasMetadata",
            "width",
            "height",
        ];
        assets.retain(|a| {
            for key in a.as_object().map(|o| o.keys()).into_iter().flatten() {
                if !SANITIZED.contains(&key.as_str()) {
                    problems.push(format!("a sanitized asset shows `{key}`"));
                }
            }
            false
        });
    }
    validate(schema, &body, "$", &mut problems);
    problems
        .into_iter()
        .map(|p| format!("{method} {template} {status}: {p}"))
        .collect()
}

fn resolve(schema: &Value) -> &Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            &spec()["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn validate(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(schema);
    if value.is_null() {
        let nullable = schema["nullable"] == true
            || schema["type"]
                .as_array()
                .is_some_and(|t| t.contains(&Value::from("null")));
        if !nullable {
            problems.push(format!("{at}: null, but the schema does not allow it"));
        }
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            validate(s, value, at, problems);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits = options.iter().any(|s| {
                let mut p = Vec::new();
                validate(s, value, at, &mut p);
                p.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: matches none of the {key} options"));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let ty = match &schema["type"] {
        Value::String(t) => Some(t.as_str()),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        Some("object") => {
            let Some(object) = value.as_object() else {
                problems.push(format!("{at}: expected an object, got {value}"));
                return;
            };
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap_or("");
                if !object.contains_key(field) {
                    problems.push(format!("{at}: required field `{field}` is missing"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, sub) in properties {
                    if let Some(v) = object.get(name) {
                        validate(sub, v, &format!("{at}.{name}"), problems);
                    }
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    validate(&schema["items"], item, &format!("{at}[{i}]"), problems);
                }
            }
            None => problems.push(format!("{at}: expected an array, got {value}")),
        },
        Some("string") => match value.as_str() {
            Some(s) => check_format(schema["format"].as_str(), s, at, problems),
            None => problems.push(format!("{at}: expected a string, got {value}")),
        },
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            problems.push(format!("{at}: expected an integer, got {value}"));
        }
        Some("number") if !value.is_number() => {
            problems.push(format!("{at}: expected a number, got {value}"));
        }
        Some("boolean") if !value.is_boolean() => {
            problems.push(format!("{at}: expected a boolean, got {value}"));
        }
        _ => {}
    }
}

fn check_format(format: Option<&str>, s: &str, at: &str, problems: &mut Vec<String>) {
    let ok = match format {
        Some("uuid") => is_uuid(s),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        Some("email") => s
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty()),
        _ => true,
    };
    if !ok {
        problems.push(format!(
            "{at}: {s:?} is not a valid {}",
            format.unwrap_or("")
        ));
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[test]
fn the_validator_catches_what_it_should() {
    let user = serde_json::json!({
        "id": "4a8b7d4c-1111-4222-8333-444455556666", "email": "a@b.c", "name": "A",
        "avatarColor": "primary", "profileImagePath": "", "profileChangedAt": "2024-01-01T00:00:00.000Z",
    });
    assert!(
        check_response(
            "GET",
            "/api/users/4a8b7d4c-1111-4222-8333-444455556666",
            200,
            &user
        )
        .is_empty()
    );
    let mut missing = user.clone();
    missing.as_object_mut().unwrap().remove("name");
    assert_eq!(
        check_response("GET", "/api/users/x", 200, &missing).len(),
        1
    );
    let mut bad = user.clone();
    bad["avatarColor"] = "plaid".into();
    bad["profileChangedAt"] = "yesterday".into();
    bad["id"] = "123".into();
    assert_eq!(check_response("GET", "/api/users/x", 200, &bad).len(), 3);
    assert_eq!(
        check_response("GET", "/api/nothing/here", 200, &user).len(),
        1
    );
    assert_eq!(
        template_for("/api/assets/statistics?x=1"),
        Some("/assets/statistics")
    );
    assert_eq!(template_for("/api/assets/abc"), Some("/assets/{id}"));
}

/// Validates a value against one of the document's component schemas (for bodies that are not
/// JSON responses, such as the lines of the sync stream).
pub fn check_component(name: &str, value: &Value) -> Vec<String> {
    let schema = &spec()["components"]["schemas"][name];
    if schema.is_null() {
        return vec![format!("no schema named {name}")];
    }
    let mut problems = Vec::new();
    validate(schema, value, name, &mut problems);
    problems
}

//! Request validation from the contract's JSON schemas, with the issues Immich 3.x reports
//! (its DTOs are zod 4 schemas; the OpenAPI document is generated from them, so the same
//! types, formats, bounds and enums give the same `{code, path, message}` issues).
//!
//! Bodies are validated as JSON values; path and query parameters arrive as strings and are
//! coerced first, as Immich's query schemas do (`z.coerce.number()`, `stringbool`).

use std::sync::LazyLock;

use regex_lite::Regex;
use serde_json::{Value, json};

/// One zod issue: what went wrong, where (`path`), and the message Immich's clients read.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub code: &'static str,
    pub path: Vec<Value>,
    pub message: String,
    pub expected: Option<String>,
}

impl Issue {
    /// The path as `a.b.0.c`, for messages outside a JSON answer (a config file's error).
    pub fn dotted_path(&self) -> String {
        let parts: Vec<String> = self
            .path
            .iter()
            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
            .collect();
        parts.join(".")
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({ "code": self.code, "path": self.path, "message": self.message });
        if let Some(e) = &self.expected {
            v["expected"] = json!(e);
        }
        v
    }
}

/// The component schemas, to resolve `$ref`s.
pub trait Schemas {
    fn schema(&self, name: &str) -> Option<&Value>;
}

/// Where a value came from: parameters are strings to coerce, bodies are typed JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Body,
    Parameter,
}

/// zod's name for the type of a value (`parsedType`), `undefined` for a missing one.
fn received(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

struct Walker<'a, S: Schemas + ?Sized> {
    schemas: &'a S,
    source: Source,
    path: Vec<Value>,
    issues: Vec<Issue>,
}

impl<'a, S: Schemas + ?Sized> Walker<'a, S> {
    fn issue(&mut self, code: &'static str, message: String, expected: Option<&str>) {
        self.issues.push(Issue {
            code,
            path: self.path.clone(),
            message,
            expected: expected.map(str::to_string),
        });
    }

    fn invalid_type(&mut self, expected: &str, got: &str) {
        self.issue(
            "invalid_type",
            format!("Invalid input: expected {expected}, received {got}"),
            Some(expected),
        );
    }

    fn resolve(&self, schema: &'a Value) -> &'a Value {
        let mut schema = schema;
        for _ in 0..16 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.trim_start_matches("#/components/schemas/");
                    match self.schemas.schema(name) {
                        Some(s) => schema = s,
                        None => break,
                    }
                }
                None => break,
            }
        }
        schema
    }

    fn nullable(&self, schema: &Value) -> bool {
        schema.get("nullable").and_then(Value::as_bool) == Some(true)
            || schema
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|all| {
                    all.iter()
                        .any(|s| self.resolve(s).get("nullable") == Some(&json!(true)))
                })
    }

    /// Validates `value` (None: absent) against `schema`, then the refinements Immich's zod
    /// schema of that name adds (`refine`).
    fn check(&mut self, schema: &'a Value, value: Option<&Value>) {
        let name = schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(|r| r.trim_start_matches("#/components/schemas/"));
        let start = self.issues.len();
        self.check_shape(schema, value);
        // As zod, a refinement runs only when what came before it did not abort; a field's own
        // refinement only needs that field to have passed.
        if let (Some(name), Some(value)) = (name, value) {
            self.refine_fields(name, value);
            if !aborted(&self.issues[start..]) {
                self.refine(name, value);
            }
        }
    }

    /// The schema's types, formats, bounds and enums.
    fn check_shape(&mut self, schema: &'a Value, value: Option<&Value>) {
        let schema = self.resolve(schema);
        if value == Some(&Value::Null) && self.nullable(schema) {
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.check(s, value);
            }
            return;
        }
        if let Some(any) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            // zod 4's union: the first option that passes; else, when exactly one option
            // failed only on checks (not on its shape), that option's issues; else one
            // `invalid_union`.
            let mut failures = Vec::new();
            for s in any {
                let mut w = Walker {
                    schemas: self.schemas,
                    source: self.source,
                    path: self.path.clone(),
                    issues: Vec::new(),
                };
                w.check(s, value);
                if w.issues.is_empty() {
                    return;
                }
                failures.push(w.issues);
            }
            let mut nonaborted = failures.into_iter().filter(|f| !aborted(f));
            if let (Some(only), None) = (nonaborted.next(), nonaborted.next()) {
                self.issues.extend(only);
                return;
            }
            let message = union_message(any).unwrap_or("Invalid input");
            self.issue("invalid_union", message.to_string(), None);
            return;
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            let coerced;
            let value = match (self.source, value) {
                (Source::Parameter, Some(Value::String(s)))
                    if schema.get("type") != Some(&json!("string")) =>
                {
                    coerced = serde_json::from_str::<Value>(s).unwrap_or(Value::String(s.clone()));
                    Some(&coerced)
                }
                _ => value,
            };
            if value.is_none_or(|v| !options.contains(v)) {
                self.invalid_option(options);
            }
            return;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => self.object(schema, value),
            Some("array") => self.array(schema, value),
            Some("string") => self.string(schema, value),
            Some("boolean") => self.boolean(value),
            Some(t @ ("number" | "integer")) => self.number(schema, value, t == "integer"),
            _ => {
                if value.is_none() && !schema.as_object().is_some_and(|m| m.is_empty()) {
                    self.invalid_type("object", "undefined");
                }
            }
        }
    }

    fn invalid_option(&mut self, options: &[Value]) {
        let message = if options.len() == 1 {
            format!("Invalid input: expected {}", options[0])
        } else {
            let list: Vec<String> = options.iter().map(Value::to_string).collect();
            format!("Invalid option: expected one of {}", list.join("|"))
        };
        self.issue("invalid_value", message, None);
    }

    fn object(&mut self, schema: &'a Value, value: Option<&Value>) {
        let Some(Value::Object(map)) = value else {
            return self.invalid_type("object", received(value));
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let v = map.get(name);
                // zod's `.optional()` accepts a missing field, not a null one.
                if v.is_none() && !required.contains(&name.as_str()) {
                    continue;
                }
                self.path.push(json!(name));
                self.check(prop, v);
                self.path.pop();
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            let props = schema.get("properties").and_then(Value::as_object);
            for (name, v) in map {
                if props.is_some_and(|p| p.contains_key(name)) {
                    continue;
                }
                self.path.push(json!(name));
                self.check(extra, Some(v));
                self.path.pop();
            }
        }
    }

    fn array(&mut self, schema: &'a Value, value: Option<&Value>) {
        let items: Vec<Value> = match value {
            Some(Value::Array(items)) => items.clone(),
            // Repeated query parameters; a single one is an array of one.
            Some(v @ Value::String(_)) if self.source == Source::Parameter => vec![v.clone()],
            _ => return self.invalid_type("array", received(value)),
        };
        let n = items.len() as f64;
        if let Some(min) = schema
            .get("minItems")
            .and_then(Value::as_f64)
            .filter(|m| n < *m)
        {
            self.issue(
                "too_small",
                format!("Too small: expected array to have >={min} items"),
                None,
            );
        }
        if let Some(max) = schema
            .get("maxItems")
            .and_then(Value::as_f64)
            .filter(|m| n > *m)
        {
            self.issue(
                "too_big",
                format!("Too big: expected array to have <={max} items"),
                None,
            );
        }
        if let Some(item) = schema.get("items") {
            for (i, v) in items.iter().enumerate() {
                self.path.push(json!(i));
                self.check(item, Some(v));
                self.path.pop();
            }
        }
    }

    fn string(&mut self, schema: &Value, value: Option<&Value>) {
        let pattern = schema.get("pattern").and_then(Value::as_str);
        // Immich's ISO date schemas carry their pattern; a `date` without one is a plain string
        // described as a date (a person's birth date), checked by a refinement if at all.
        let format = schema
            .get("format")
            .and_then(Value::as_str)
            .filter(|f| *f != "date" || pattern.is_some());
        let Some(Value::String(s)) = value else {
            // Immich's email and ISO date schemas word every issue themselves, with
            // JavaScript's `typeof` of the input (`object` for null).
            let typeof_ = match value {
                None => "undefined",
                Some(Value::Null | Value::Array(_) | Value::Object(_)) => "object",
                Some(Value::Bool(_)) => "boolean",
                Some(Value::Number(_)) => "number",
                Some(Value::String(_)) => "string",
            };
            let message = match format {
                Some("email") => format!("Invalid input: expected email, received {typeof_}"),
                Some("date-time") => {
                    format!("Invalid input: expected ISO 8601 datetime string, received {typeof_}")
                }
                Some("date") => format!(
                    "Invalid input: expected ISO date string (YYYY-MM-DD), received {typeof_}"
                ),
                _ => return self.invalid_type("string", received(value)),
            };
            return self.issue("invalid_type", message, Some("string"));
        };
        let len = s.chars().count() as f64;
        if let Some(min) = schema
            .get("minLength")
            .and_then(Value::as_f64)
            .filter(|m| len < *m)
        {
            self.issue(
                "too_small",
                format!("Too small: expected string to have >={min} characters"),
                None,
            );
        }
        if let Some(max) = schema
            .get("maxLength")
            .and_then(Value::as_f64)
            .filter(|m| len > *m)
        {
            self.issue(
                "too_big",
                format!("Too big: expected string to have <={max} characters"),
                None,
            );
        }
        let matches = |p: &str| regex(p).is_none_or(|r| r.is_match(s));
        match format {
            Some("uuid") if !is_uuid(s) || !pattern.is_none_or(matches) => {
                self.issue("invalid_format", "Invalid UUID".to_string(), None)
            }
            Some("email") if !pattern.is_none_or(matches) => self.issue(
                "invalid_format",
                "Invalid input: expected email, received string".to_string(),
                None,
            ),
            Some("date-time") if !pattern.is_none_or(matches) => self.issue(
                "invalid_format",
                "Invalid input: expected ISO 8601 datetime string, received string".to_string(),
                None,
            ),
            Some("date") if !is_date(s) => self.issue(
                "invalid_format",
                "Invalid input: expected ISO date string (YYYY-MM-DD), received string".to_string(),
                None,
            ),
            Some("uuid" | "email" | "date-time" | "date") => {}
            _ => {
                if let Some(p) = pattern.filter(|p| !matches(p)) {
                    self.issue(
                        "invalid_format",
                        format!("Invalid string: must match pattern /{p}/"),
                        None,
                    );
                }
            }
        }
    }

    fn boolean(&mut self, value: Option<&Value>) {
        match (self.source, value) {
            (_, Some(Value::Bool(_))) => {}
            (Source::Parameter, Some(Value::String(s))) if s == "true" || s == "false" => {}
            (Source::Parameter, Some(Value::String(_))) => {
                self.invalid_option(&[json!("true"), json!("false")])
            }
            _ => self.invalid_type("boolean", received(value)),
        }
    }

    fn number(&mut self, schema: &Value, value: Option<&Value>, integer: bool) {
        let n = match (self.source, value) {
            (_, Some(Value::Number(n))) => n.as_f64().unwrap_or(f64::NAN),
            // `z.coerce.number()`: JavaScript's Number(), where "" is 0.
            (Source::Parameter, Some(Value::String(s))) => {
                let t = s.trim();
                if t.is_empty() {
                    0.0
                } else {
                    t.parse::<f64>().unwrap_or(f64::NAN)
                }
            }
            // A required parameter left out: Number(undefined) is NaN.
            (Source::Parameter, None) => f64::NAN,
            _ => return self.invalid_type("number", received(value)),
        };
        if n.is_nan() {
            return self.invalid_type("number", "NaN");
        }
        if integer && n.fract() != 0.0 {
            return self.invalid_type("int", "number");
        }
        let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
        let show = |b: f64| {
            if b.fract() == 0.0 && b.abs() < 1e16 {
                format!("{}", b as i64)
            } else {
                format!("{b}")
            }
        };
        if let Some(min) = bound("minimum").filter(|m| n < *m) {
            self.issue(
                "too_small",
                format!("Too small: expected number to be >={}", show(min)),
                None,
            );
        }
        if let Some(max) = bound("maximum").filter(|m| n > *m) {
            self.issue(
                "too_big",
                format!("Too big: expected number to be <={}", show(max)),
                None,
            );
        }
    }
}

/// Whether zod stops at these issues: a value of the wrong type, enum value or union aborts
/// the checks and refinements that would come after; a failed check (bounds, formats, a
/// refinement) does not.
fn aborted(issues: &[Issue]) -> bool {
    issues
        .iter()
        .any(|i| matches!(i.code, "invalid_type" | "invalid_value" | "invalid_union"))
}

/// The message of a union Immich's zod schema words itself, by its options.
fn union_message(options: &[Value]) -> Option<&'static str> {
    let refs: Vec<&str> = options
        .iter()
        .filter_map(|o| o.get("$ref").and_then(Value::as_str))
        .map(|r| r.trim_start_matches("#/components/schemas/"))
        .collect();
    (refs == ["CropParameters", "RotateParameters", "MirrorParameters"]).then_some(
        "Invalid parameters for action, expected keys by action: crop: [x, y, width, height]; \
         rotate: [angle]; mirror: [axis]",
    )
}

/// The keys of each edit action's parameters, in the order Immich's schemas declare them.
fn edit_parameter_keys(action: &str) -> Option<(&'static str, &'static str)> {
    match action {
        "crop" => Some(("CropParameters", "x, y, width, height")),
        "rotate" => Some(("RotateParameters", "angle")),
        "mirror" => Some(("MirrorParameters", "axis")),
        _ => None,
    }
}

impl<'a, S: Schemas + ?Sized> Walker<'a, S> {
    fn custom(&mut self, at: Option<&str>, message: String) {
        if let Some(at) = at {
            self.path.push(json!(at));
        }
        self.issue("custom", message, None);
        if at.is_some() {
            self.path.pop();
        }
    }

    /// The refinements of single fields of Immich's zod schemas that its OpenAPI document
    /// cannot carry, run whatever the object's other fields gave.
    fn refine_fields(&mut self, name: &str, value: &Value) {
        if let "PersonCreateDto" | "PersonUpdateDto" | "PeopleUpdateItem" = name
            && let Some(Value::String(birth_date)) = value.get("birthDate")
            && !crate::routes::people::birth_date_allowed(birth_date)
        {
            self.custom(
                Some("birthDate"),
                "Birth date cannot be in the future".into(),
            );
        }
    }

    /// The refinements of Immich's zod schemas that its OpenAPI document cannot carry (asset
    /// edits: `editing.dto.ts`), run on a value whose shape passed.
    fn refine(&mut self, name: &str, value: &Value) {
        match name {
            "RotateParameters" => {
                if let Some(angle) = value.get("angle").and_then(Value::as_f64)
                    && ![0.0, 90.0, 180.0, 270.0].contains(&angle)
                {
                    self.custom(
                        Some("angle"),
                        "Angle must be one of the following values: 0, 90, 180, 270".into(),
                    );
                }
            }
            // The parameters must be those of the action (the union accepts any action's).
            "AssetEditActionItemDto" => {
                let action = value.get("action").and_then(Value::as_str).unwrap_or("");
                let Some((schema, keys)) = edit_parameter_keys(action) else {
                    return;
                };
                let parameters = value.get("parameters");
                let schema = json!({ "$ref": format!("#/components/schemas/{schema}") });
                let mut w = Walker {
                    schemas: self.schemas,
                    source: self.source,
                    path: Vec::new(),
                    issues: Vec::new(),
                };
                w.check(&schema, parameters);
                if !w.issues.is_empty() {
                    self.custom(
                        Some("parameters"),
                        format!("Invalid parameters for action '{action}', expecting keys: {keys}"),
                    );
                }
            }
            // One action of each kind; mirrors once per axis.
            "AssetEditsCreateDto" => {
                let Some(edits) = value.get("edits").and_then(Value::as_array) else {
                    return;
                };
                let mut seen = Vec::new();
                for edit in edits {
                    let action = edit.get("action").and_then(Value::as_str).unwrap_or("");
                    let key = if action == "mirror" {
                        format!("mirror-{}", edit["parameters"]["axis"])
                    } else {
                        action.to_string()
                    };
                    if seen.contains(&key) {
                        self.custom(
                            Some("edits"),
                            "Duplicate edit actions are not allowed".into(),
                        );
                        return;
                    }
                    seen.push(key);
                }
            }
            _ => {}
        }
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}

/// Patterns are few and fixed (they come from the contract): compiled once each.
fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: LazyLock<std::sync::Mutex<std::collections::HashMap<String, Option<Regex>>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

/// The issues of `value` (None: absent) against `schema`, `path` prefixed to each.
pub fn validate<'a, S: Schemas + ?Sized>(
    schemas: &'a S,
    schema: &'a Value,
    value: Option<&Value>,
    source: Source,
    path: Vec<Value>,
) -> Vec<Issue> {
    let mut w = Walker {
        schemas,
        source,
        path,
        issues: Vec::new(),
    };
    w.check(schema, value);
    w.issues
}

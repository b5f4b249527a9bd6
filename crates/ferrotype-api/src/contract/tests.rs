//! The contract table and the validator's messages, checked against what Immich 3.x answers
//! (the texts in its e2e specs).

use ferrotype_core::permissions::Permission;
use serde_json::{Value, json};

use super::validate::{Source, validate};
use super::{OPERATIONS, REQUESTS, check_against, operation};

fn body_issues(operation_id: &str, body: Option<Value>) -> Vec<(Value, String)> {
    let spec = &*REQUESTS;
    let schema = &spec.operations[operation_id]["body"];
    validate(spec, schema, body.as_ref(), Source::Body, Vec::new())
        .into_iter()
        .map(|i| (Value::Array(i.path), i.message))
        .collect()
}

fn param_issues(operation_id: &str, name: &str, value: &str) -> Vec<String> {
    let spec = &*REQUESTS;
    let p = spec.operations[operation_id]["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()
        .clone();
    validate(
        spec,
        &p["schema"],
        Some(&json!(value)),
        Source::Parameter,
        vec![json!(name)],
    )
    .into_iter()
    .map(|i| i.message)
    .collect()
}

#[test]
fn every_operation_of_the_spec_is_in_the_table() {
    assert_eq!(OPERATIONS.len(), 254);
    let op = operation("GET", "/api/albums/{id}").unwrap();
    assert_eq!(op.operation_id, "getAlbumInfo");
    assert_eq!(op.permission, Some(Permission::AlbumRead));
    assert!(op.authenticated);
    // Parameter names do not matter, only the route's shape.
    assert_eq!(
        operation("PUT", "/albums/{x}/user/{y}")
            .unwrap()
            .operation_id,
        "updateAlbumUser"
    );
    assert!(operation("GET", "/server/ping").is_some_and(|o| !o.authenticated));
    assert!(operation("GET", "/admin/users").unwrap().admin_only);
    assert!(operation("GET", "/nothing/here").is_none());
}

#[test]
fn nulls_and_missing_fields_get_zods_messages() {
    let issues = body_issues(
        "createUserAdmin",
        Some(json!({"email": "a@b.c", "name": "x", "password": null})),
    );
    assert_eq!(
        issues,
        vec![(
            json!(["password"]),
            "Invalid input: expected string, received null".to_string()
        )]
    );
    // Immich words its email schema's issues itself, with JavaScript's typeof (null: object).
    let issues = body_issues(
        "createUserAdmin",
        Some(json!({"email": null, "name": "x", "password": "p"})),
    );
    assert_eq!(
        issues,
        vec![(
            json!(["email"]),
            "Invalid input: expected email, received object".to_string()
        )]
    );
    let issues = body_issues(
        "createUserAdmin",
        Some(json!({"name": "x", "password": "p"})),
    );
    assert_eq!(
        issues,
        vec![(
            json!(["email"]),
            "Invalid input: expected email, received undefined".to_string()
        )]
    );
    let issues = body_issues("createAlbum", None);
    assert_eq!(
        issues,
        vec![(
            json!([]),
            "Invalid input: expected object, received undefined".to_string()
        )]
    );
}

#[test]
fn types_bounds_formats_and_enums() {
    let issues = body_issues(
        "updateMyPreferences",
        Some(json!({"download": {"archiveSize": 1.5, "includeEmbeddedVideos": 1}})),
    );
    assert!(issues.contains(&(
        json!(["download", "archiveSize"]),
        "Invalid input: expected int, received number".to_string()
    )));
    assert!(issues.contains(&(
        json!(["download", "includeEmbeddedVideos"]),
        "Invalid input: expected boolean, received number".to_string()
    )));
    let issues = body_issues(
        "addAssetsToAlbums",
        Some(json!({"albumIds": [], "assetIds": ["nope", "4b6f9d5e-1a1b-4c2d-8e3f-000000000000"]})),
    );
    assert_eq!(
        issues,
        vec![(json!(["assetIds", 0]), "Invalid UUID".to_string())]
    );
    let issues = body_issues("createSharedLink", Some(json!({"type": "NOPE"})));
    assert_eq!(
        issues,
        vec![(
            json!(["type"]),
            "Invalid option: expected one of \"ALBUM\"|\"INDIVIDUAL\"".to_string()
        )]
    );
    let issues = body_issues("updateAssets", Some(json!({"ids": [], "latitude": 91})));
    assert_eq!(
        issues,
        vec![(
            json!(["latitude"]),
            "Too big: expected number to be <=90".to_string()
        )]
    );
}

#[test]
fn parameters_are_coerced_from_strings() {
    assert_eq!(param_issues("getAlbumInfo", "id", "123"), ["Invalid UUID"]);
    assert!(param_issues("getAlbumInfo", "id", "4b6f9d5e-1a1b-4c2d-8e3f-000000000000").is_empty());
    assert_eq!(
        param_issues("getAllAlbums", "isShared", "yes"),
        ["Invalid option: expected one of \"true\"|\"false\""]
    );
    assert!(param_issues("getAllAlbums", "isShared", "true").is_empty());
    assert_eq!(
        param_issues("reverseGeocode", "lat", "abc"),
        ["Invalid input: expected number, received NaN"]
    );
}

#[test]
fn every_route_served_is_an_operation_of_the_contract() {
    let missing: Vec<_> = crate::SERVED
        .iter()
        .filter(|(method, path)| operation(method, path).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "served but not in the spec: {missing:?}"
    );
    // Each operation is served once (a PATCH beside a PUT is Immich's undocumented twin).
    let mut ids: Vec<&str> = crate::SERVED
        .iter()
        .filter(|(m, p)| *m != "PATCH" || operation("PATCH", p) != operation("PUT", p))
        .map(|(m, p)| operation(m, p).unwrap().operation_id)
        .collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "an operation served twice");
}

#[test]
fn a_whole_system_config_is_checked_against_its_schema() {
    use ferrotype_core::system_config::SystemConfig;
    let defaults = serde_json::to_value(SystemConfig::default()).unwrap();
    assert!(check_against("SystemConfigDto", &defaults).is_empty());
    let mut broken = defaults.clone();
    broken["user"]["deleteDelay"] = serde_json::json!(0);
    broken["nightlyTasks"]["startTime"] = serde_json::json!("24:00");
    broken["image"]["thumbnail"]["format"] = serde_json::json!("gif");
    let paths: Vec<String> = check_against("SystemConfigDto", &broken)
        .iter()
        .map(|i| i.dotted_path())
        .collect();
    assert_eq!(
        paths,
        [
            "image.thumbnail.format",
            "nightlyTasks.startTime",
            "user.deleteDelay"
        ]
    );
}

#[test]
fn asset_edits_get_immichs_refinements() {
    let edit =
        |action: &str, parameters: Value| json!({ "action": action, "parameters": parameters });
    let body = |edits: Vec<Value>| Some(json!({ "edits": edits }));
    // Valid lists pass, extra keys aside.
    assert!(
        body_issues(
            "editAsset",
            body(vec![
                edit("crop", json!({"x": 0, "y": 0, "width": 10, "height": 10})),
                edit("rotate", json!({"angle": 90})),
                edit("mirror", json!({"axis": "horizontal"})),
                edit("mirror", json!({"axis": "vertical"})),
            ])
        )
        .is_empty()
    );
    // An angle of no quarter turn: the rotate option's refinement, then the item's.
    assert_eq!(
        body_issues(
            "editAsset",
            body(vec![edit("rotate", json!({"angle": 45}))])
        ),
        vec![
            (
                json!(["edits", 0, "parameters", "angle"]),
                "Angle must be one of the following values: 0, 90, 180, 270".to_string()
            ),
            (
                json!(["edits", 0, "parameters"]),
                "Invalid parameters for action 'rotate', expecting keys: angle".to_string()
            ),
        ]
    );
    // Another action's parameters.
    assert_eq!(
        body_issues("editAsset", body(vec![edit("crop", json!({"angle": 90}))])),
        vec![(
            json!(["edits", 0, "parameters"]),
            "Invalid parameters for action 'crop', expecting keys: x, y, width, height".to_string()
        )]
    );
    // No action's parameters at all.
    assert_eq!(
        body_issues(
            "editAsset",
            body(vec![edit("mirror", json!({"side": "left"}))])
        ),
        vec![(
            json!(["edits", 0, "parameters"]),
            "Invalid parameters for action, expected keys by action: crop: [x, y, width, height]; \
             rotate: [angle]; mirror: [axis]"
                .to_string()
        )]
    );
    // The same action twice (mirrors: the same axis twice).
    let rotate = edit("rotate", json!({"angle": 90}));
    assert_eq!(
        body_issues("editAsset", body(vec![rotate.clone(), rotate])),
        vec![(
            json!(["edits"]),
            "Duplicate edit actions are not allowed".to_string()
        )]
    );
    let mirror = edit("mirror", json!({"axis": "vertical"}));
    assert_eq!(
        body_issues("editAsset", body(vec![mirror.clone(), mirror])).len(),
        1
    );
    // An empty list and an unknown action: zod's own texts.
    assert_eq!(
        body_issues("editAsset", body(vec![])),
        vec![(
            json!(["edits"]),
            "Too small: expected array to have >=1 items".to_string()
        )]
    );
    assert_eq!(
        body_issues("editAsset", body(vec![edit("blur", json!({"angle": 90}))])),
        vec![(
            json!(["edits", 0, "action"]),
            "Invalid option: expected one of \"crop\"|\"rotate\"|\"mirror\"".to_string()
        )]
    );
}

//! Immich's API-key permission names, in the order of the `Permission` enum of the OpenAPI document
//! (`spec/immich-openapi-3.1.0.json`). A unit test keeps this list equal to the spec's.

/// Every permission an API key can hold; `all` grants every other one.
pub const PERMISSIONS: &[&str] = &[
    "all",
    "activity.create",
    "activity.read",
    "activity.update",
    "activity.delete",
    "activity.statistics",
    "apiKey.create",
    "apiKey.read",
    "apiKey.update",
    "apiKey.delete",
    "asset.read",
    "asset.update",
    "asset.delete",
    "asset.statistics",
    "asset.share",
    "asset.view",
    "asset.download",
    "asset.upload",
    "asset.copy",
    "asset.derive",
    "asset.edit.get",
    "asset.edit.create",
    "asset.edit.delete",
    "album.create",
    "album.read",
    "album.update",
    "album.delete",
    "album.statistics",
    "album.share",
    "album.download",
    "albumAsset.create",
    "albumAsset.delete",
    "albumUser.create",
    "albumUser.update",
    "albumUser.delete",
    "auth.changePassword",
    "authDevice.delete",
    "archive.read",
    "backup.list",
    "backup.download",
    "backup.upload",
    "backup.delete",
    "duplicate.read",
    "duplicate.delete",
    "face.create",
    "face.read",
    "face.update",
    "face.delete",
    "folder.read",
    "job.create",
    "job.read",
    "library.create",
    "library.read",
    "library.update",
    "library.delete",
    "library.statistics",
    "timeline.read",
    "timeline.download",
    "maintenance",
    "map.read",
    "map.search",
    "memory.create",
    "memory.read",
    "memory.update",
    "memory.delete",
    "memory.statistics",
    "memoryAsset.create",
    "memoryAsset.delete",
    "notification.create",
    "notification.read",
    "notification.update",
    "notification.delete",
    "partner.create",
    "partner.read",
    "partner.update",
    "partner.delete",
    "person.create",
    "person.read",
    "person.update",
    "person.delete",
    "person.statistics",
    "person.merge",
    "person.reassign",
    "pinCode.create",
    "pinCode.update",
    "pinCode.delete",
    "plugin.create",
    "plugin.read",
    "plugin.update",
    "plugin.delete",
    "server.about",
    "server.apkLinks",
    "server.storage",
    "server.statistics",
    "server.versionCheck",
    "serverLicense.read",
    "serverLicense.update",
    "serverLicense.delete",
    "session.create",
    "session.read",
    "session.update",
    "session.delete",
    "session.lock",
    "sharedLink.create",
    "sharedLink.read",
    "sharedLink.update",
    "sharedLink.delete",
    "stack.create",
    "stack.read",
    "stack.update",
    "stack.delete",
    "sync.stream",
    "syncCheckpoint.read",
    "syncCheckpoint.update",
    "syncCheckpoint.delete",
    "systemConfig.read",
    "systemConfig.update",
    "systemMetadata.read",
    "systemMetadata.update",
    "tag.create",
    "tag.read",
    "tag.update",
    "tag.delete",
    "tag.asset",
    "user.read",
    "user.update",
    "userLicense.create",
    "userLicense.read",
    "userLicense.update",
    "userLicense.delete",
    "userOnboarding.read",
    "userOnboarding.update",
    "userOnboarding.delete",
    "userPreference.read",
    "userPreference.update",
    "userProfileImage.create",
    "userProfileImage.read",
    "userProfileImage.update",
    "userProfileImage.delete",
    "queue.read",
    "queue.update",
    "queueJob.create",
    "queueJob.read",
    "queueJob.update",
    "queueJob.delete",
    "workflow.create",
    "workflow.read",
    "workflow.update",
    "workflow.delete",
    "adminUser.create",
    "adminUser.read",
    "adminUser.update",
    "adminUser.delete",
    "adminSession.read",
    "adminAuth.unlinkAll",
];

/// The permission that stands for every other one.
pub const ALL: &str = "all";

/// Whether `name` is one of Immich's permission names.
pub fn is_known(name: &str) -> bool {
    PERMISSIONS.contains(&name)
}

/// Whether a key holding `held` may use a route that needs `needed`.
pub fn grants(held: &[String], needed: &str) -> bool {
    held.iter().any(|p| p == ALL || p == needed)
}

/// Whether a key holding `held` may mint a key holding `wanted` (a key cannot grant more than it has).
pub fn can_grant(held: &[String], wanted: &[String]) -> bool {
    held.iter().any(|p| p == ALL) || wanted.iter().all(|w| w != ALL && held.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_matches_the_openapi_document() {
        let spec = include_str!("../../../spec/immich-openapi-3.1.0.json");
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap();
        let names: Vec<&str> = spec["components"]["schemas"]["Permission"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, PERMISSIONS);
    }

    #[test]
    fn grants_and_can_grant() {
        let all = vec!["all".to_string()];
        let read = vec!["asset.read".to_string()];
        assert!(grants(&all, "asset.upload"));
        assert!(grants(&read, "asset.read"));
        assert!(!grants(&read, "asset.upload"));
        assert!(can_grant(&all, &all));
        assert!(can_grant(&read, &read));
        assert!(!can_grant(&read, &all));
        assert!(!can_grant(&read, &["asset.upload".to_string()]));
    }
}

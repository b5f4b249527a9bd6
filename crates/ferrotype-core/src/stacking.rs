//! Automatic stacking (beyond Immich): when a user turns it on, the metadata job stacks each new
//! image with the user's other images of the same second of capture that are either of the same
//! shot (the same file name but for the extension: a RAW and its JPEG) or from the same camera
//! (make and model: a burst). The primary is an image that is not RAW (the JPEG of a pair), the
//! first by file name among equals, so the result does not depend on which file came first.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{BusMessage, Catalog, CatalogResult, Shot, Stack};

/// The user metadata key the setting is stored under.
pub const SETTING_KEY: &str = "ferrotype.autoStack";

/// The user's setting (`GET`/`PUT /api/ferrotype/auto-stack`); off unless turned on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoStackSetting {
    pub enabled: bool,
}

/// Whether the user turned automatic stacking on.
pub async fn enabled(catalog: &dyn Catalog, user_id: Uuid) -> CatalogResult<bool> {
    Ok(catalog
        .user_metadata(user_id, SETTING_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<AutoStackSetting>(v).ok())
        .is_some_and(|s| s.enabled))
}

/// Immich's `on_asset_stack_update` for the user's sockets (no argument), as the bus carries it:
/// what the metadata job sends after stacking (the API sends it through its event hub).
pub fn stack_update_event(user_id: Uuid) -> BusMessage {
    BusMessage::Emit {
        room: Some(user_id.to_string()),
        event: "on_asset_stack_update".to_string(),
        data: None,
        disconnect: false,
    }
}

/// Camera RAW extensions (lower case, without the dot).
const RAW_EXTENSIONS: &[&str] = &[
    "3fr", "ari", "arw", "cap", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "iiq", "k25",
    "kdc", "mrw", "nef", "nrw", "orf", "ori", "pef", "raf", "raw", "rw2", "rwl", "sr2", "srf",
    "srw", "x3f",
];

/// A file name's base and extension, lower-cased (`IMG_1.CR2` is `img_1`, `cr2`).
fn split_name(name: &str) -> (String, String) {
    let lower = name.to_lowercase();
    match lower.rsplit_once('.') {
        Some((base, ext)) if !base.is_empty() => (base.to_string(), ext.to_string()),
        _ => (lower, String::new()),
    }
}

fn is_raw(name: &str) -> bool {
    RAW_EXTENSIONS.contains(&split_name(name).1.as_str())
}

fn same_camera(a: &Shot, b: &Shot) -> bool {
    matches!((&a.make, &a.model, &b.make, &b.model),
        (Some(ma), Some(mo), Some(mb), Some(mob)) if ma == mb && mo == mob)
}

/// The asset's stack among `shots` (its second of capture): the asset and, step by step, every
/// shot of the same name or camera as one already in (a burst's RAW brings its JPEG), the
/// primary first. `None` when it stands alone.
pub fn group(asset_id: Uuid, shots: &[Shot]) -> Option<Vec<Uuid>> {
    let start = shots.iter().position(|s| s.asset.id == asset_id)?;
    let bases: Vec<String> = shots
        .iter()
        .map(|s| split_name(&s.asset.original_file_name).0)
        .collect();
    let mut taken = vec![false; shots.len()];
    taken[start] = true;
    let mut queue = vec![start];
    while let Some(i) = queue.pop() {
        for j in 0..shots.len() {
            if !taken[j] && (bases[i] == bases[j] || same_camera(&shots[i], &shots[j])) {
                taken[j] = true;
                queue.push(j);
            }
        }
    }
    let mut members: Vec<&Shot> = shots
        .iter()
        .zip(&taken)
        .filter_map(|(s, t)| t.then_some(s))
        .collect();
    if members.len() < 2 {
        return None;
    }
    members.sort_by(|a, b| {
        (
            is_raw(&a.asset.original_file_name),
            &a.asset.original_file_name,
            a.asset.id,
        )
            .cmp(&(
                is_raw(&b.asset.original_file_name),
                &b.asset.original_file_name,
                b.asset.id,
            ))
    });
    Some(members.iter().map(|s| s.asset.id).collect())
}

/// Stacks the asset with its shots, when its owner wants it and it has any; `None` when nothing
/// changed (off, alone, or already stacked so).
pub async fn auto_stack(catalog: &dyn Catalog, asset_id: Uuid) -> CatalogResult<Option<Stack>> {
    let Some(asset) = catalog.asset(asset_id).await? else {
        return Ok(None);
    };
    let owner = asset.owner_id;
    if !enabled(catalog, owner).await? {
        return Ok(None);
    }
    let shots = catalog.shots_in_same_second(asset_id).await?;
    let Some(members) = group(asset_id, &shots) else {
        return Ok(None);
    };
    // Already so (the metadata read again): nothing to do.
    let stack_ids: Vec<Option<Uuid>> = members
        .iter()
        .filter_map(|id| shots.iter().find(|s| s.asset.id == *id))
        .map(|s| s.asset.stack_id)
        .collect();
    if let Some(Some(current)) = stack_ids.first()
        && stack_ids.iter().all(|s| *s == Some(*current))
        && catalog
            .stack(*current)
            .await?
            .is_some_and(|s| s.primary_asset_id == members[0])
    {
        return Ok(None);
    }
    catalog.create_stack(owner, &members).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Asset, AssetType, Visibility};
    use chrono::Utc;

    fn shot(name: &str, camera: Option<(&str, &str)>) -> Shot {
        let now = Utc::now();
        Shot {
            asset: Asset {
                id: Uuid::new_v4(),
                owner_id: Uuid::nil(),
                asset_type: AssetType::Image,
                original_path: format!("upload/{name}"),
                original_file_name: name.to_string(),
                checksum: Vec::new(),
                file_size: 1,
                file_created_at: now,
                file_modified_at: now,
                local_date_time: now,
                created_at: now,
                updated_at: now,
                deleted_at: None,
                visibility: Visibility::Timeline,
                is_favorite: false,
                duration_ms: None,
                live_photo_video_id: None,
                sidecar_path: None,
                device_asset_id: None,
                device_id: None,
                width: None,
                height: None,
                thumbhash: None,
                stack_id: None,
                is_edited: false,
            },
            make: camera.map(|c| c.0.to_string()),
            model: camera.map(|c| c.1.to_string()),
        }
    }

    #[test]
    fn raw_and_jpeg_pair_under_the_jpeg() {
        let raw = shot("IMG_0001.CR2", None);
        let jpeg = shot("IMG_0001.JPG", None);
        let other = shot("IMG_0002.JPG", None);
        let shots = vec![raw.clone(), jpeg.clone(), other];
        assert_eq!(
            group(raw.asset.id, &shots),
            Some(vec![jpeg.asset.id, raw.asset.id])
        );
        assert_eq!(
            group(jpeg.asset.id, &shots),
            Some(vec![jpeg.asset.id, raw.asset.id])
        );
    }

    #[test]
    fn bursts_need_the_same_camera() {
        let camera = Some(("Canon", "EOS R5"));
        let a = shot("B_2.JPG", camera);
        let b = shot("B_1.JPG", camera);
        let c = shot("C_1.JPG", Some(("Nikon", "Z6")));
        let d = shot("D_1.JPG", None);
        let shots = vec![a.clone(), b.clone(), c.clone(), d.clone()];
        assert_eq!(
            group(a.asset.id, &shots),
            Some(vec![b.asset.id, a.asset.id])
        );
        assert_eq!(group(c.asset.id, &shots), None);
        assert_eq!(group(d.asset.id, &shots), None);
    }

    #[test]
    fn a_burst_brings_the_jpeg_of_its_raw() {
        let camera = Some(("Canon", "Canon EOS 350D DIGITAL"));
        let cr2 = shot("CanonRaw.cr2", camera);
        let jpeg = shot("CanonRaw.jpg", None);
        let dng = shot("DNG.dng", camera);
        let shots = vec![cr2.clone(), jpeg.clone(), dng.clone()];
        assert_eq!(
            group(dng.asset.id, &shots),
            Some(vec![jpeg.asset.id, cr2.asset.id, dng.asset.id])
        );
    }
}

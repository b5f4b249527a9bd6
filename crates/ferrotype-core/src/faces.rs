//! What faces do to people, beside their records (`catalog::faces`): a person's feature face
//! chosen again when it is missing or moved away, the face thumbnail's crop, and the event that
//! says the thumbnail is ready.

use uuid::Uuid;

use crate::catalog::{BusMessage, Catalog, CatalogResult, FaceBox};
use crate::edits::{EditAction, MirrorAxis};
use crate::jobs::NewJob;
use crate::jobs::payloads::PersonThumbnailJob;
use crate::model::ExifInfo;

/// Immich's `createNewFeaturePhoto`: each person with a face left gets one of them (the first
/// made) as their feature face, and a thumbnail job for it; a person without faces keeps what
/// they had.
pub async fn choose_feature_faces(catalog: &dyn Catalog, people: &[Uuid]) -> CatalogResult<()> {
    let mut jobs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &person in people {
        if !seen.insert(person) {
            continue;
        }
        if let Some(face) = catalog.first_face_of_person(person).await? {
            catalog.set_person_face(person, Some(face.id)).await?;
            jobs.push(NewJob::of(&PersonThumbnailJob { id: person }));
        }
    }
    if !jobs.is_empty() {
        catalog.enqueue_jobs(&jobs).await?;
    }
    Ok(())
}

/// What starting the thumbnail queue does for people (Immich's
/// `handleQueueGenerateThumbnails`): for every person without a thumbnail (everyone when
/// forced), a feature face if they have none but have faces, and a thumbnail job. Answers how
/// many jobs were queued.
pub async fn queue_person_thumbnails(catalog: &dyn Catalog, force: bool) -> CatalogResult<u64> {
    let mut jobs = Vec::new();
    for person in catalog.people_to_thumbnail(force).await? {
        if person.face_asset_id.is_none() {
            let Some(face) = catalog.first_face_of_person(person.id).await? else {
                continue;
            };
            catalog.set_person_face(person.id, Some(face.id)).await?;
        }
        jobs.push(NewJob::of(&PersonThumbnailJob { id: person.id }));
    }
    if jobs.is_empty() {
        return Ok(0);
    }
    catalog.enqueue_jobs(&jobs).await
}

/// The thumbnail jobs of the people whose feature face is on the asset and who have no
/// thumbnail yet: queued when the asset's preview is made, as their job (run when the face was
/// drawn) may have found none and given up. Answers how many were queued.
pub async fn queue_thumbnails_waiting_on(
    catalog: &dyn Catalog,
    asset_id: Uuid,
) -> CatalogResult<u64> {
    let mut jobs = Vec::new();
    for face in catalog.asset_faces(asset_id).await? {
        let Some(person) = face.person_id else {
            continue;
        };
        if let Some(person) = catalog.person(person).await?
            && person.face_asset_id == Some(face.id)
            && person.thumbnail_path.is_empty()
        {
            jobs.push(NewJob::of(&PersonThumbnailJob { id: person.id }));
        }
    }
    if jobs.is_empty() {
        return Ok(0);
    }
    catalog.enqueue_jobs(&jobs).await
}

/// The size of the displayed original (Immich's `getDimensions`): the metadata's, turned for
/// orientations 5 to 8; none without it.
pub fn displayed_size(exif: &ExifInfo) -> Option<(i64, i64)> {
    let (w, h) = (exif.exif_image_width?, exif.exif_image_height?);
    if w <= 0 || h <= 0 {
        return None;
    }
    Some(if matches!(exif.orientation, Some(5..=8)) {
        (h, w)
    } else {
        (w, h)
    })
}

/// Immich's `on_person_thumbnail` for the owner's sockets, with the person's id: sent when the
/// thumbnail job has written the thumbnail.
pub fn person_thumbnail_event(owner_id: Uuid, person_id: Uuid) -> BusMessage {
    BusMessage::Emit {
        room: Some(owner_id.to_string()),
        event: "on_person_thumbnail".to_string(),
        data: Some(serde_json::Value::String(person_id.to_string())),
        disconnect: false,
    }
}

/// A square of a picture, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub side: u32,
}

/// The side of a face thumbnail at most (Immich's `FACE_THUMBNAIL_SIZE`).
pub const FACE_THUMBNAIL_SIZE: u32 = 250;

/// Immich's crop of a face (`getCrop`) from a `width` x `height` picture: the box, kept inside
/// the image it was drawn on, scaled to the picture; a square about its middle, 10% wider than
/// its longer side, as large as fits without leaving the picture on any side.
pub fn face_crop(face: &FaceBox, (width, height): (u32, u32)) -> Crop {
    let (old_w, old_h) = (
        face.image_width.max(1) as f64,
        face.image_height.max(1) as f64,
    );
    let clamp = |v: i32, max: f64| (v as f64).clamp(0.0, max);
    let (x1, y1) = (clamp(face.x1, old_w), clamp(face.y1, old_h));
    let (x2, y2) = (clamp(face.x2, old_w), clamp(face.y2, old_h));
    let width_scale = width as f64 / old_w;
    let height_scale = height as f64 / old_h;
    let half_width = width_scale * (x2 - x1) / 2.0;
    let half_height = height_scale * (y2 - y1) / 2.0;
    // JavaScript's Math.round: halves go up.
    let round = |v: f64| (v + 0.5).floor() as i64;
    let middle_x = round(width_scale * x1 + half_width);
    let middle_y = round(height_scale * y1 + half_height);
    let target = (half_width.max(half_height) * 1.1).floor() as i64;
    let (w, h) = (width as i64, height as i64);
    let half = [
        middle_x - (middle_x - target).max(0),
        middle_y - (middle_y - target).max(0),
        (w - 1).min(middle_x + target) - middle_x,
        (h - 1).min(middle_y + target) - middle_y,
    ]
    .into_iter()
    .min()
    .unwrap_or(0)
    .max(0);
    Crop {
        x: (middle_x - half).max(0) as u32,
        y: (middle_y - half).max(0) as u32,
        side: (half * 2) as u32,
    }
}

/// The side of the thumbnail made from a crop: the crop's own when small enough (never
/// enlarged), else `FACE_THUMBNAIL_SIZE`.
pub fn face_thumbnail_side(crop: &Crop) -> u32 {
    crop.side.min(FACE_THUMBNAIL_SIZE)
}

/// Points through an asset's edits (Immich's `transformPoints`), from the picture they apply to
/// (`start`, the displayed original's size) to the edited one; `inverse` goes back, from the
/// edited picture (`start` its size then) to the original. Answers the size reached.
pub fn transform_points(
    points: &mut [(f64, f64)],
    edits: &[EditAction],
    start: (f64, f64),
    inverse: bool,
) -> (f64, f64) {
    let (mut width, mut height) = start;
    let crop = edits.iter().find_map(|e| match *e {
        EditAction::Crop {
            x,
            y,
            width,
            height,
        } => Some((x as f64, y as f64, width as f64, height as f64)),
        _ => None,
    });
    if !inverse && let Some((x, y, w, h)) = crop {
        for p in points.iter_mut() {
            *p = (p.0 - x, p.1 - y);
        }
        (width, height) = (w, h);
    }
    let mut apply = |edit: &EditAction| match *edit {
        EditAction::Rotate { angle } => {
            let (new_w, new_h) = if angle == 90 || angle == 270 {
                (height, width)
            } else {
                (width, height)
            };
            // Clockwise in picture coordinates (y down); back the other way when inverting.
            // Exact for quarter turns: no trigonometry.
            let (cos, sin) = match angle % 360 {
                90 => (0.0, 1.0),
                180 => (-1.0, 0.0),
                270 => (0.0, -1.0),
                _ => (1.0, 0.0),
            };
            let sin = if inverse { -sin } else { sin };
            for p in points.iter_mut() {
                let (x, y) = (p.0 - width / 2.0, p.1 - height / 2.0);
                *p = (
                    cos * x - sin * y + new_w / 2.0,
                    sin * x + cos * y + new_h / 2.0,
                );
            }
            (width, height) = (new_w, new_h);
        }
        EditAction::Mirror { axis } => {
            for p in points.iter_mut() {
                match axis {
                    MirrorAxis::Horizontal => p.0 = width - p.0,
                    MirrorAxis::Vertical => p.1 = height - p.1,
                }
            }
        }
        EditAction::Crop { .. } => {}
    };
    if inverse {
        edits.iter().rev().for_each(&mut apply);
    } else {
        edits.iter().for_each(&mut apply);
    }
    if inverse && let Some((x, y, _, _)) = crop {
        for p in points.iter_mut() {
            *p = (p.0 + x, p.1 + y);
        }
    }
    (width, height)
}

/// A stored face as the edited picture shows it (Immich's `transformFaceBoundingBox`): scaled
/// to the displayed original (`displayed`), through the edits, truncated; unchanged without
/// edits.
pub fn face_on_edited(face: &FaceBox, edits: &[EditAction], displayed: (i64, i64)) -> FaceBox {
    if edits.is_empty() {
        return *face;
    }
    let (w, h) = (displayed.0 as f64, displayed.1 as f64);
    let sx = w / face.image_width as f64;
    let sy = h / face.image_height as f64;
    let mut points = [
        (face.x1 as f64 * sx, face.y1 as f64 * sy),
        (face.x2 as f64 * sx, face.y2 as f64 * sy),
    ];
    let (width, height) = transform_points(&mut points, edits, (w, h), false);
    let [a, b] = points;
    FaceBox {
        image_width: width as i32,
        image_height: height as i32,
        x1: a.0.min(b.0).trunc() as i32,
        y1: a.1.min(b.1).trunc() as i32,
        x2: a.0.max(b.0).trunc() as i32,
        y2: a.1.max(b.1).trunc() as i32,
    }
}

/// A box drawn on the edited picture (`POST /faces`: `image` is the size the client drew on, a
/// scaled copy of the `edited` picture) taken back to the displayed original (`displayed`),
/// as Immich stores it: scaled by the widths, through the edits backwards, rounded.
pub fn face_from_edited(
    drawn: &FaceBox,
    edits: &[EditAction],
    edited: (i64, i64),
    displayed: (i64, i64),
) -> FaceBox {
    let scale = edited.0 as f64 / drawn.image_width as f64;
    let mut points = [
        (drawn.x1 as f64 * scale, drawn.y1 as f64 * scale),
        (drawn.x2 as f64 * scale, drawn.y2 as f64 * scale),
    ];
    transform_points(&mut points, edits, (edited.0 as f64, edited.1 as f64), true);
    let [a, b] = points;
    // JavaScript's Math.round: halves go up.
    let round = |v: f64| (v + 0.5).floor() as i32;
    FaceBox {
        image_width: displayed.0 as i32,
        image_height: displayed.1 as i32,
        x1: round(a.0.min(b.0)),
        y1: round(a.1.min(b.1)),
        x2: round(a.0.max(b.0)),
        y2: round(a.1.max(b.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(w: i32, h: i32, x1: i32, y1: i32, x2: i32, y2: i32) -> FaceBox {
        FaceBox {
            image_width: w,
            image_height: h,
            x1,
            y1,
            x2,
            y2,
        }
    }

    #[test]
    fn the_box_is_scaled_and_widened_by_a_tenth() {
        // A 100 x 100 box in the middle of a 1000 x 1000 image, on a 500 x 500 preview: a
        // 50 px box about (250, 250), widened to 55 (half 27).
        let crop = face_crop(&face(1000, 1000, 450, 450, 550, 550), (500, 500));
        assert_eq!(
            crop,
            Crop {
                x: 223,
                y: 223,
                side: 54
            }
        );
        // The same box on the image itself.
        let crop = face_crop(&face(1000, 1000, 450, 450, 550, 550), (1000, 1000));
        assert_eq!(
            crop,
            Crop {
                x: 445,
                y: 445,
                side: 110
            }
        );
    }

    #[test]
    fn the_square_stays_inside_the_picture() {
        // A face in the top-left corner: the square shrinks to what fits left and up.
        let crop = face_crop(&face(100, 100, 0, 0, 20, 40), (100, 100));
        assert_eq!(
            crop,
            Crop {
                x: 0,
                y: 10,
                side: 20
            }
        );
        // A box spilling out of its image is clamped to it first.
        // (80..100 about 90, widened to 11, but only 9 fit right and down).
        let crop = face_crop(&face(100, 100, 80, 80, 140, 140), (100, 100));
        assert_eq!(
            crop,
            Crop {
                x: 81,
                y: 81,
                side: 18
            }
        );
    }

    #[test]
    fn faces_follow_the_edits_and_back() {
        let edits = [
            EditAction::Crop {
                x: 100,
                y: 50,
                width: 600,
                height: 300,
            },
            EditAction::Rotate { angle: 90 },
            EditAction::Mirror {
                axis: MirrorAxis::Horizontal,
            },
        ];
        // Drawn on a 400 x 200 copy of an 800 x 400 original.
        let stored = face(400, 200, 100, 50, 150, 100);
        let shown = face_on_edited(&stored, &edits, (800, 400));
        // (200,100)-(300,200) less the crop: (100,50)-(200,150) in 600 x 300; a quarter turn
        // clockwise: x' = 300 - y, y' = x, in 300 x 600; mirrored: x'' = 300 - x'.
        assert_eq!(shown, face(300, 600, 50, 100, 150, 200));
        // Drawn on the edited picture at half size, and taken back.
        let drawn = face(150, 300, 25, 50, 75, 100);
        assert_eq!(
            face_from_edited(&drawn, &edits, (300, 600), (800, 400)),
            face(800, 400, 200, 100, 300, 200)
        );
        assert_eq!(face_on_edited(&stored, &[], (800, 400)), stored);
    }

    #[test]
    fn thumbnails_are_never_enlarged() {
        assert_eq!(
            face_thumbnail_side(&Crop {
                x: 0,
                y: 0,
                side: 54
            }),
            54
        );
        assert_eq!(
            face_thumbnail_side(&Crop {
                x: 0,
                y: 0,
                side: 900
            }),
            250
        );
    }
}

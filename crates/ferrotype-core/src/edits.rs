//! Non-destructive asset edits (Immich's `asset_edit`): crop, rotate and mirror, kept as a list
//! applied in order to the picture as it is shown (EXIF orientation applied). The original file
//! never changes; the thumbnail job makes edited copies of the thumbnail, the preview and the
//! full-size image.
//!
//! Coordinates are those of the displayed original: a crop is a rectangle of the original's
//! displayed size (`exifImageWidth` x `exifImageHeight`, swapped for orientations 5 to 8), and
//! Immich requires it to be the first action. Rotations are clockwise.

use serde_json::{Value, json};
use uuid::Uuid;

/// `MirrorAxis`: `horizontal` flips left and right, `vertical` top and bottom (Immich mirrors
/// `horizontal` across the vertical line through the centre, as its web editor's button does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorAxis {
    Horizontal,
    Vertical,
}

impl MirrorAxis {
    pub fn as_str(self) -> &'static str {
        match self {
            MirrorAxis::Horizontal => "horizontal",
            MirrorAxis::Vertical => "vertical",
        }
    }

    pub fn parse(s: &str) -> Option<MirrorAxis> {
        match s {
            "horizontal" => Some(MirrorAxis::Horizontal),
            "vertical" => Some(MirrorAxis::Vertical),
            _ => None,
        }
    }
}

/// One action and its parameters (`AssetEditActionItemDto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAction {
    Crop {
        x: u64,
        y: u64,
        width: u64,
        height: u64,
    },
    /// Clockwise, one of 0, 90, 180, 270.
    Rotate {
        angle: u16,
    },
    Mirror {
        axis: MirrorAxis,
    },
}

/// The rotations Immich accepts.
pub const ANGLES: [u16; 4] = [0, 90, 180, 270];

impl EditAction {
    /// `AssetEditAction`: `crop`, `rotate` or `mirror`.
    pub fn name(&self) -> &'static str {
        match self {
            EditAction::Crop { .. } => "crop",
            EditAction::Rotate { .. } => "rotate",
            EditAction::Mirror { .. } => "mirror",
        }
    }

    /// The parameters object as Immich stores and answers it.
    pub fn parameters(&self) -> Value {
        match *self {
            EditAction::Crop {
                x,
                y,
                width,
                height,
            } => json!({ "x": x, "y": y, "width": width, "height": height }),
            EditAction::Rotate { angle } => json!({ "angle": angle }),
            EditAction::Mirror { axis } => json!({ "axis": axis.as_str() }),
        }
    }

    /// An action from its name and parameters (a validated request, or a stored row); `None`
    /// when they do not make one.
    pub fn from_parts(action: &str, parameters: &Value) -> Option<EditAction> {
        let int = |k: &str| parameters.get(k).and_then(Value::as_u64);
        match action {
            "crop" => Some(EditAction::Crop {
                x: int("x")?,
                y: int("y")?,
                width: int("width")?.max(1),
                height: int("height")?.max(1),
            }),
            "rotate" => {
                let angle = parameters.get("angle").and_then(Value::as_f64)?;
                ANGLES
                    .iter()
                    .find(|a| f64::from(**a) == angle)
                    .map(|&angle| EditAction::Rotate { angle })
            }
            "mirror" => Some(EditAction::Mirror {
                axis: MirrorAxis::parse(parameters.get("axis")?.as_str()?)?,
            }),
            _ => None,
        }
    }
}

/// A stored edit: its id (UUID v4, as Immich's), its asset, its place in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetEdit {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub sequence: i32,
    pub action: EditAction,
}

/// Why Immich refuses a list of edits for an asset (`AssetService.editAsset`), in its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EditRefused {
    #[error("Crop action must be the first edit action")]
    CropNotFirst,
    #[error("Asset dimensions are not available for editing")]
    NoDimensions,
    #[error("Crop parameters are out of bounds")]
    CropOutOfBounds,
}

/// Checks `edits` against the asset's displayed size, as Immich does: the size must be known,
/// a crop must come first and stay inside the picture.
pub fn check_edits(edits: &[EditAction], displayed: Option<(u64, u64)>) -> Result<(), EditRefused> {
    let (width, height) = displayed
        .filter(|(w, h)| *w > 0 && *h > 0)
        .ok_or(EditRefused::NoDimensions)?;
    let crop = edits.iter().find_map(|e| match *e {
        EditAction::Crop {
            x,
            y,
            width,
            height,
        } => Some((x, y, width, height)),
        _ => None,
    });
    if let Some((x, y, w, h)) = crop {
        if !matches!(edits.first(), Some(EditAction::Crop { .. })) {
            return Err(EditRefused::CropNotFirst);
        }
        if x.saturating_add(w) > width || y.saturating_add(h) > height {
            return Err(EditRefused::CropOutOfBounds);
        }
    }
    Ok(())
}

/// The size of the edited picture, from the size the edits' coordinates are in (Immich's
/// `getOutputDimensions`).
pub fn output_size(edits: &[EditAction], (mut width, mut height): (u64, u64)) -> (u64, u64) {
    for edit in edits {
        match *edit {
            EditAction::Crop {
                width: w,
                height: h,
                ..
            } => (width, height) = (w, h),
            EditAction::Rotate { angle: 90 | 270 } => (width, height) = (height, width),
            _ => {}
        }
    }
    (width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_parts() {
        for action in [
            EditAction::Crop {
                x: 1,
                y: 2,
                width: 3,
                height: 4,
            },
            EditAction::Rotate { angle: 270 },
            EditAction::Mirror {
                axis: MirrorAxis::Vertical,
            },
        ] {
            assert_eq!(
                EditAction::from_parts(action.name(), &action.parameters()),
                Some(action)
            );
        }
        assert_eq!(
            EditAction::from_parts("rotate", &json!({ "angle": 90.0 })),
            Some(EditAction::Rotate { angle: 90 })
        );
        assert_eq!(
            EditAction::from_parts("rotate", &json!({ "angle": 45 })),
            None
        );
        assert_eq!(
            EditAction::from_parts("mirror", &json!({ "angle": 90 })),
            None
        );
    }

    #[test]
    fn edits_are_checked_as_immich_does() {
        let crop = EditAction::Crop {
            x: 10,
            y: 10,
            width: 90,
            height: 40,
        };
        let rotate = EditAction::Rotate { angle: 90 };
        assert_eq!(check_edits(&[crop, rotate], Some((100, 50))), Ok(()));
        assert_eq!(
            check_edits(&[rotate, crop], Some((100, 50))),
            Err(EditRefused::CropNotFirst)
        );
        assert_eq!(
            check_edits(&[crop], Some((99, 50))),
            Err(EditRefused::CropOutOfBounds)
        );
        assert_eq!(check_edits(&[rotate], None), Err(EditRefused::NoDimensions));
    }

    #[test]
    fn output_size_follows_crop_and_quarter_turns() {
        let edits = [
            EditAction::Crop {
                x: 0,
                y: 0,
                width: 30,
                height: 20,
            },
            EditAction::Rotate { angle: 90 },
            EditAction::Mirror {
                axis: MirrorAxis::Horizontal,
            },
            EditAction::Rotate { angle: 180 },
        ];
        assert_eq!(output_size(&edits, (100, 50)), (20, 30));
        assert_eq!(output_size(&[], (100, 50)), (100, 50));
    }
}

//! Faces (Immich's `asset_face`): boxes on an asset, each for a person of the asset's owner or
//! for nobody yet. Immich finds most of them by machine learning; Ferrotype keeps those its
//! users draw (`POST /faces`, source `manual`), which is what makes a person real: its face
//! thumbnail, its assets, its place in the people list. A face is in the pixels of the image it
//! was drawn on (`image_width` x `image_height`), so it is scaled to whatever picture shows it.
//! A face deleted without `force` is kept (`deleted_at`), shown nowhere and synced as deleted.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use super::people::Person;
use crate::model::Timestamp;

/// Where a face comes from (Immich's `SourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceSource {
    MachineLearning,
    Exif,
    Manual,
}

impl FaceSource {
    /// Immich's spelling, as stored and answered.
    pub fn as_str(self) -> &'static str {
        match self {
            FaceSource::MachineLearning => "machine-learning",
            FaceSource::Exif => "exif",
            FaceSource::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<FaceSource> {
        match s {
            "machine-learning" => Some(FaceSource::MachineLearning),
            "exif" => Some(FaceSource::Exif),
            "manual" => Some(FaceSource::Manual),
            _ => None,
        }
    }
}

/// A face's box, in the pixels of a `width` x `height` image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaceBox {
    pub image_width: i32,
    pub image_height: i32,
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
}

/// A face, as Immich's `asset_face` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub person_id: Option<Uuid>,
    pub bounds: FaceBox,
    pub source: FaceSource,
    /// Immich hides faces that an edit cropped away; every face made here is visible.
    pub is_visible: bool,
    pub deleted_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A face to make.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFace {
    pub asset_id: Uuid,
    pub person_id: Option<Uuid>,
    pub bounds: FaceBox,
    pub source: FaceSource,
}

#[async_trait]
pub trait FaceRepo: Send + Sync {
    /// Makes the face (visible, not deleted).
    async fn create_face(&self, face: &NewFace) -> CatalogResult<Face>;
    /// One face, soft-deleted or not.
    async fn face(&self, id: Uuid) -> CatalogResult<Option<Face>>;
    /// The asset's visible faces that are not deleted, from left to right (Immich's order:
    /// by `x1`, then by creation).
    async fn asset_faces(&self, asset_id: Uuid) -> CatalogResult<Vec<Face>>;
    /// The person's faces on the asset that are not deleted.
    async fn person_faces_on_asset(
        &self,
        person_id: Uuid,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<Face>>;
    /// One visible face of the person that is not deleted (the first made), to show them by.
    async fn first_face_of_person(&self, person_id: Uuid) -> CatalogResult<Option<Face>>;
    /// Gives the face to the person; false when there is no such face.
    async fn reassign_face(&self, face_id: Uuid, person_id: Uuid) -> CatalogResult<bool>;
    /// Gives every face of `from` to `to` (merging people); answers how many moved.
    async fn move_faces(&self, from: Uuid, to: Uuid) -> CatalogResult<u64>;
    /// Deletes the face for good (recorded for the sync; a person it was the feature face of
    /// has none after); false when there is no such face.
    async fn delete_face(&self, id: Uuid) -> CatalogResult<bool>;
    /// Marks the face deleted (Immich's soft delete); false when there is no such face.
    async fn soft_delete_face(&self, id: Uuid) -> CatalogResult<bool>;
    /// Makes the face the person's feature face (`face_asset_id`), touching `updated_at`;
    /// `None` when there is no such person.
    async fn set_person_face(
        &self,
        person_id: Uuid,
        face_id: Option<Uuid>,
    ) -> CatalogResult<Option<Person>>;
    /// Records the person's face thumbnail (a blob key), touching `updated_at`; `None` when
    /// there is no such person.
    async fn set_person_thumbnail(
        &self,
        person_id: Uuid,
        path: &str,
    ) -> CatalogResult<Option<Person>>;
    /// Everyone's people whose face thumbnail is to be made when the thumbnail queue is
    /// started: all of them with `all` (a forced start), else those without one.
    async fn people_to_thumbnail(&self, all: bool) -> CatalogResult<Vec<Person>>;
    /// How many assets show the person (Immich's statistics): assets on the timeline, not in
    /// the trash, with a visible face of theirs that is not deleted.
    async fn person_asset_count(&self, person_id: Uuid) -> CatalogResult<u64>;
}

//! People (Immich's `person`): the people a user names in their photos. Immich fills a person
//! with faces found by machine learning; here a person is made by hand (`POST /people`) and
//! gets the faces its owner draws (`super::faces`), its feature face and thumbnail with them.
//! The records live here, beside their port, as the area is self-contained. Deleted people are
//! recorded for the sync (`PersonDeleteV1`).

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::Timestamp;

/// A person, as Immich's `person` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: Uuid,
    pub owner_id: Uuid,
    /// "" for an unnamed person.
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    /// The face thumbnail's blob key ("" until the thumbnail job makes one).
    pub thumbnail_path: String,
    /// The face shown for the person (Immich's `faceAssetId`, despite its name a face's id).
    pub face_asset_id: Option<Uuid>,
    pub is_hidden: bool,
    pub is_favorite: bool,
    /// A hex colour with its `#` (`#333`, `#a0b1c2ff`).
    pub color: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A person to make (`POST /people`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewPerson {
    pub owner_id: Uuid,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub is_hidden: bool,
    pub is_favorite: bool,
    pub color: Option<String>,
}

/// What `PUT /people/{id}` changes: `None` keeps the field; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonChange {
    pub name: Option<String>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub is_hidden: Option<bool>,
    pub is_favorite: Option<bool>,
    pub color: Option<Option<String>>,
}

/// One page of a user's people (`GET /people`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    /// Whether people come after this page.
    pub has_next_page: bool,
}

/// How many people a user has, and how many of them are hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeopleCount {
    pub total: u64,
    pub hidden: u64,
}

#[async_trait]
pub trait PersonRepo: Send + Sync {
    /// Makes the person (its `updated_at` is its `created_at`).
    async fn create_person(&self, person: &NewPerson) -> CatalogResult<Person>;
    /// One person, whoever's it is.
    async fn person(&self, id: Uuid) -> CatalogResult<Option<Person>>;
    /// A page of the owner's people as Immich lists them (`skip` of them passed, at most
    /// `take`): those with a visible face, not deleted, on an asset of the timeline out of the
    /// trash, and a name or at least `min_faces` such faces; the hidden ones only
    /// `with_hidden`; in Immich's order: the hidden last, the favourites first, the named
    /// before the unnamed, more faces first, then by name (byte order) and by creation.
    async fn people(
        &self,
        owner_id: Uuid,
        with_hidden: bool,
        min_faces: u64,
        skip: u64,
        take: u64,
    ) -> CatalogResult<PeoplePage>;
    /// How many of the owner's people have a visible face on an asset of the timeline out of
    /// the trash (Immich's count, whatever their name or number of faces), and how many of
    /// those are hidden.
    async fn people_count(&self, owner_id: Uuid) -> CatalogResult<PeopleCount>;
    /// Changes the person and touches its `updated_at` (even when nothing else changes, as
    /// Immich's update does); `None` when there is no such person.
    async fn update_person(&self, id: Uuid, change: &PersonChange)
    -> CatalogResult<Option<Person>>;
    /// Deletes the people (recording each for the sync); answers how many there were.
    async fn delete_people(&self, ids: &[Uuid]) -> CatalogResult<u64>;
}

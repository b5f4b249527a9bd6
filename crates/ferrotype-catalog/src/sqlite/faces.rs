//! Faces (`asset_faces`, `face_audit`, migration 0025).

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{
    CatalogResult, Face, FaceBox, FaceRepo, FaceSource, NewFace, Person,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::people::{PERSON_COLUMNS, one as one_person, person_at};
use super::{SqliteCatalog, opt_parse_ts, opt_parse_uuid, parse_ts, parse_uuid, ts};

/// A face's columns (`f`), in the order `face_at` reads them.
pub(crate) const FACE_COLUMNS: &str = "f.id, f.asset_id, f.person_id, f.image_width, \
    f.image_height, f.bounding_box_x1, f.bounding_box_y1, f.bounding_box_x2, \
    f.bounding_box_y2, f.source_type, f.is_visible, f.deleted_at, f.created_at";

/// The face of a row that starts with `FACE_COLUMNS`.
pub(crate) fn face_at(r: &Row<'_>) -> rusqlite::Result<Face> {
    let source: String = r.get(9)?;
    Ok(Face {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        asset_id: parse_uuid(&r.get::<_, String>(1)?)?,
        person_id: opt_parse_uuid(r.get(2)?)?,
        bounds: FaceBox {
            image_width: r.get(3)?,
            image_height: r.get(4)?,
            x1: r.get(5)?,
            y1: r.get(6)?,
            x2: r.get(7)?,
            y2: r.get(8)?,
        },
        source: FaceSource::parse(&source).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                9,
                rusqlite::types::Type::Text,
                format!("unknown face source {source}").into(),
            )
        })?,
        is_visible: r.get(10)?,
        deleted_at: opt_parse_ts(r.get(11)?)?,
        created_at: parse_ts(&r.get::<_, String>(12)?)?,
    })
}

fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Face>> {
    conn.prepare_cached(&format!(
        "SELECT {FACE_COLUMNS} FROM asset_faces f WHERE f.id = ?1"
    ))?
    .query_row([id.to_string()], face_at)
    .optional()
}

fn faces(conn: &Connection, sql: &str, args: &[String]) -> rusqlite::Result<Vec<Face>> {
    conn.prepare_cached(sql)?
        .query_map(rusqlite::params_from_iter(args), face_at)?
        .collect()
}

#[async_trait]
impl FaceRepo for SqliteCatalog {
    async fn create_face(&self, face: &NewFace) -> CatalogResult<Face> {
        let face = face.clone();
        self.write(move |conn| {
            let id = Uuid::new_v4();
            let b = face.bounds;
            conn.execute(
                "INSERT INTO asset_faces (id, asset_id, person_id, image_width, image_height,
                    bounding_box_x1, bounding_box_y1, bounding_box_x2, bounding_box_y2,
                    source_type, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id.to_string(),
                    face.asset_id.to_string(),
                    face.person_id.map(|p| p.to_string()),
                    b.image_width,
                    b.image_height,
                    b.x1,
                    b.y1,
                    b.x2,
                    b.y2,
                    face.source.as_str(),
                    ts(&Utc::now()),
                ],
            )?;
            one(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
        })
        .await
    }

    async fn face(&self, id: Uuid) -> CatalogResult<Option<Face>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn asset_faces(&self, asset_id: Uuid) -> CatalogResult<Vec<Face>> {
        self.read(move |conn| {
            faces(
                conn,
                &format!(
                    "SELECT {FACE_COLUMNS} FROM asset_faces f
                     WHERE f.asset_id = ?1 AND f.deleted_at IS NULL AND f.is_visible
                     ORDER BY f.bounding_box_x1, f.created_at, f.id"
                ),
                &[asset_id.to_string()],
            )
        })
        .await
    }

    async fn person_faces_on_asset(
        &self,
        person_id: Uuid,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<Face>> {
        self.read(move |conn| {
            faces(
                conn,
                &format!(
                    "SELECT {FACE_COLUMNS} FROM asset_faces f
                     WHERE f.person_id = ?1 AND f.asset_id = ?2 AND f.deleted_at IS NULL
                     ORDER BY f.created_at, f.id"
                ),
                &[person_id.to_string(), asset_id.to_string()],
            )
        })
        .await
    }

    async fn first_face_of_person(&self, person_id: Uuid) -> CatalogResult<Option<Face>> {
        self.read(move |conn| {
            Ok(faces(
                conn,
                &format!(
                    "SELECT {FACE_COLUMNS} FROM asset_faces f
                     WHERE f.person_id = ?1 AND f.deleted_at IS NULL AND f.is_visible
                     ORDER BY f.created_at, f.id LIMIT 1"
                ),
                &[person_id.to_string()],
            )?
            .pop())
        })
        .await
    }

    async fn reassign_face(&self, face_id: Uuid, person_id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE asset_faces SET person_id = ?2 WHERE id = ?1",
                params![face_id.to_string(), person_id.to_string()],
            )? > 0)
        })
        .await
    }

    async fn move_faces(&self, from: Uuid, to: Uuid) -> CatalogResult<u64> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE asset_faces SET person_id = ?2 WHERE person_id = ?1",
                params![from.to_string(), to.to_string()],
            )? as u64)
        })
        .await
    }

    async fn delete_face(&self, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM asset_faces WHERE id = ?1", [id.to_string()])? > 0)
        })
        .await
    }

    async fn soft_delete_face(&self, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE asset_faces SET deleted_at = ?2 WHERE id = ?1",
                params![id.to_string(), ts(&Utc::now())],
            )? > 0)
        })
        .await
    }

    async fn set_person_face(
        &self,
        person_id: Uuid,
        face_id: Option<Uuid>,
    ) -> CatalogResult<Option<Person>> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE people SET face_asset_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![
                    person_id.to_string(),
                    face_id.map(|f| f.to_string()),
                    ts(&Utc::now())
                ],
            )?;
            one_person(conn, person_id)
        })
        .await
    }

    async fn set_person_thumbnail(
        &self,
        person_id: Uuid,
        path: &str,
    ) -> CatalogResult<Option<Person>> {
        let path = path.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE people SET thumbnail_path = ?2, updated_at = ?3 WHERE id = ?1",
                params![person_id.to_string(), path, ts(&Utc::now())],
            )?;
            one_person(conn, person_id)
        })
        .await
    }

    async fn people_to_thumbnail(&self, all: bool) -> CatalogResult<Vec<Person>> {
        self.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM people p
                 WHERE ?1 OR p.thumbnail_path = '' ORDER BY p.id"
            ))?
            .query_map([all], person_at)?
            .collect()
        })
        .await
    }

    async fn person_asset_count(&self, person_id: Uuid) -> CatalogResult<u64> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT count(DISTINCT a.id) FROM asset_faces f
                 JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                    AND a.deleted_at IS NULL
                 WHERE f.person_id = ?1 AND f.deleted_at IS NULL AND f.is_visible",
            )?
            .query_row([person_id.to_string()], |r| {
                r.get::<_, i64>(0).map(|n| n as u64)
            })
        })
        .await
    }
}

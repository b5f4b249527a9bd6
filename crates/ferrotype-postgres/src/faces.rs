//! Faces (`asset_faces`, `face_audit`, migration 0013).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use ferrotype_core::catalog::{
    CatalogError, CatalogResult, Face, FaceBox, FaceRepo, FaceSource, NewFace, Person,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::people::{PERSON_COLUMNS, one as one_person, person_at};
use crate::{PgCatalog, map_error, now};

/// A face's columns (`f`), in the order `face_at` reads them.
pub(crate) const FACE_COLUMNS: &str = "f.id, f.asset_id, f.person_id, f.image_width, \
    f.image_height, f.bounding_box_x1, f.bounding_box_y1, f.bounding_box_x2, \
    f.bounding_box_y2, f.source_type, f.is_visible, f.deleted_at, f.created_at";

/// The face of a row that starts with `FACE_COLUMNS`.
pub(crate) fn face_at(r: &Row) -> CatalogResult<Face> {
    let source: String = r.get(9);
    Ok(Face {
        id: r.get(0),
        asset_id: r.get(1),
        person_id: r.get(2),
        bounds: FaceBox {
            image_width: r.get(3),
            image_height: r.get(4),
            x1: r.get(5),
            y1: r.get(6),
            x2: r.get(7),
            y2: r.get(8),
        },
        source: FaceSource::parse(&source)
            .ok_or_else(|| CatalogError::Backend(format!("unknown face source {source}")))?,
        is_visible: r.get(10),
        deleted_at: r.get(11),
        created_at: r.get(12),
    })
}

async fn faces(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> CatalogResult<Vec<Face>> {
    client
        .query(sql, params)
        .await
        .map_err(map_error)?
        .iter()
        .map(face_at)
        .collect()
}

#[async_trait]
impl FaceRepo for PgCatalog {
    async fn create_face(&self, face: &NewFace) -> CatalogResult<Face> {
        let id = Uuid::new_v4();
        let b = face.bounds;
        let params: [&(dyn ToSql + Sync); 11] = [
            &id,
            &face.asset_id,
            &face.person_id,
            &b.image_width,
            &b.image_height,
            &b.x1,
            &b.y1,
            &b.x2,
            &b.y2,
            &face.source.as_str(),
            &now(),
        ];
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                &format!(
                    "INSERT INTO asset_faces AS f (id, asset_id, person_id, image_width,
                        image_height, bounding_box_x1, bounding_box_y1, bounding_box_x2,
                        bounding_box_y2, source_type, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     RETURNING {FACE_COLUMNS}"
                ),
                &params,
            )
            .await
            .map_err(map_error)?;
        face_at(&row)
    }

    async fn face(&self, id: Uuid) -> CatalogResult<Option<Face>> {
        let conn = self.conn().await?;
        Ok(faces(
            &conn,
            &format!("SELECT {FACE_COLUMNS} FROM asset_faces f WHERE f.id = $1"),
            &[&id],
        )
        .await?
        .pop())
    }

    async fn asset_faces(&self, asset_id: Uuid) -> CatalogResult<Vec<Face>> {
        let conn = self.conn().await?;
        faces(
            &conn,
            &format!(
                "SELECT {FACE_COLUMNS} FROM asset_faces f
                 WHERE f.asset_id = $1 AND f.deleted_at IS NULL AND f.is_visible
                 ORDER BY f.bounding_box_x1, f.created_at, f.id"
            ),
            &[&asset_id],
        )
        .await
    }

    async fn person_faces_on_asset(
        &self,
        person_id: Uuid,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<Face>> {
        let conn = self.conn().await?;
        faces(
            &conn,
            &format!(
                "SELECT {FACE_COLUMNS} FROM asset_faces f
                 WHERE f.person_id = $1 AND f.asset_id = $2 AND f.deleted_at IS NULL
                 ORDER BY f.created_at, f.id"
            ),
            &[&person_id, &asset_id],
        )
        .await
    }

    async fn first_face_of_person(&self, person_id: Uuid) -> CatalogResult<Option<Face>> {
        let conn = self.conn().await?;
        Ok(faces(
            &conn,
            &format!(
                "SELECT {FACE_COLUMNS} FROM asset_faces f
                 WHERE f.person_id = $1 AND f.deleted_at IS NULL AND f.is_visible
                 ORDER BY f.created_at, f.id LIMIT 1"
            ),
            &[&person_id],
        )
        .await?
        .pop())
    }

    async fn reassign_face(&self, face_id: Uuid, person_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "UPDATE asset_faces SET person_id = $2 WHERE id = $1",
                &[&face_id, &person_id],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }

    async fn move_faces(&self, from: Uuid, to: Uuid) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE asset_faces SET person_id = $2 WHERE person_id = $1",
            &[&from, &to],
        )
        .await
        .map_err(map_error)
    }

    async fn delete_face(&self, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute("DELETE FROM asset_faces WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }

    async fn soft_delete_face(&self, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "UPDATE asset_faces SET deleted_at = $2 WHERE id = $1",
                &[&id, &now()],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }

    async fn set_person_face(
        &self,
        person_id: Uuid,
        face_id: Option<Uuid>,
    ) -> CatalogResult<Option<Person>> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE people SET face_asset_id = $2, updated_at = $3 WHERE id = $1",
            &[&person_id, &face_id, &now()],
        )
        .await
        .map_err(map_error)?;
        one_person(&conn, person_id).await
    }

    async fn set_person_thumbnail(
        &self,
        person_id: Uuid,
        path: &str,
    ) -> CatalogResult<Option<Person>> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE people SET thumbnail_path = $2, updated_at = $3 WHERE id = $1",
            &[&person_id, &path, &now()],
        )
        .await
        .map_err(map_error)?;
        one_person(&conn, person_id).await
    }

    async fn people_to_thumbnail(&self, all: bool) -> CatalogResult<Vec<Person>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {PERSON_COLUMNS} FROM people p
                     WHERE $1 OR p.thumbnail_path = '' ORDER BY p.id"
                ),
                &[&all],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(person_at).collect())
    }

    async fn person_asset_count(&self, person_id: Uuid) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT count(DISTINCT a.id) FROM asset_faces f
                 JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                    AND a.deleted_at IS NULL
                 WHERE f.person_id = $1 AND f.deleted_at IS NULL AND f.is_visible",
                &[&person_id],
            )
            .await
            .map_err(map_error)?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}

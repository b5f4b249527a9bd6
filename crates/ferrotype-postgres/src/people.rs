//! People (`people`, `person_audit`, migration 0012).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use ferrotype_core::catalog::{
    CatalogResult, NewPerson, PeopleCount, PeoplePage, Person, PersonChange, PersonRepo,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PgCatalog, map_error, now};

/// A person's columns (`p`), in the order `person_at` reads them.
pub(crate) const PERSON_COLUMNS: &str = "p.id, p.owner_id, p.name, p.birth_date, \
    p.thumbnail_path, p.face_asset_id, p.is_hidden, p.is_favorite, p.color, p.created_at, \
    p.updated_at";

/// The person of a row that starts with `PERSON_COLUMNS`.
pub(crate) fn person_at(r: &Row) -> Person {
    Person {
        id: r.get(0),
        owner_id: r.get(1),
        name: r.get(2),
        birth_date: r.get(3),
        thumbnail_path: r.get(4),
        face_asset_id: r.get(5),
        is_hidden: r.get(6),
        is_favorite: r.get(7),
        color: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
    }
}

pub(crate) async fn one(client: &impl GenericClient, id: Uuid) -> CatalogResult<Option<Person>> {
    let row = client
        .query_opt(
            &format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = $1"),
            &[&id],
        )
        .await
        .map_err(map_error)?;
    Ok(row.as_ref().map(person_at))
}

#[async_trait]
impl PersonRepo for PgCatalog {
    async fn create_person(&self, person: &NewPerson) -> CatalogResult<Person> {
        let id = Uuid::new_v4();
        let params: [&(dyn ToSql + Sync); 8] = [
            &id,
            &person.owner_id,
            &person.name,
            &person.birth_date,
            &person.is_hidden,
            &person.is_favorite,
            &person.color,
            &now(),
        ];
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                &format!(
                    "INSERT INTO people AS p (id, owner_id, name, birth_date, is_hidden,
                        is_favorite, color, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                     RETURNING {PERSON_COLUMNS}"
                ),
                &params,
            )
            .await
            .map_err(map_error)?;
        Ok(person_at(&row))
    }

    async fn person(&self, id: Uuid) -> CatalogResult<Option<Person>> {
        let conn = self.conn().await?;
        one(&conn, id).await
    }

    async fn people(
        &self,
        owner_id: Uuid,
        with_hidden: bool,
        min_faces: u64,
        skip: u64,
        take: u64,
    ) -> CatalogResult<PeoplePage> {
        let clamp = |n: u64| n.min(i64::MAX as u64 - 1) as i64;
        let (limit, offset, min_faces) = (clamp(take) + 1, clamp(skip), clamp(min_faces));
        let conn = self.conn().await?;
        // Names in byte order, as SQLite compares them.
        let rows = conn
            .query(
                &format!(
                    "SELECT {PERSON_COLUMNS} FROM people p
                     JOIN asset_faces f ON f.person_id = p.id AND f.deleted_at IS NULL
                        AND f.is_visible
                     JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                        AND a.deleted_at IS NULL
                     WHERE p.owner_id = $1 AND ($2 OR NOT p.is_hidden)
                     GROUP BY p.id
                     HAVING p.name != '' OR count(f.asset_id) >= $5
                     ORDER BY p.is_hidden, p.is_favorite DESC, p.name = '',
                        count(f.asset_id) DESC, p.name COLLATE \"C\", p.created_at, p.id
                     LIMIT $3 OFFSET $4"
                ),
                &[&owner_id, &with_hidden, &limit, &offset, &min_faces],
            )
            .await
            .map_err(map_error)?;
        let mut people: Vec<Person> = rows.iter().map(person_at).collect();
        let has_next_page = people.len() as u64 > take;
        people.truncate(take as usize);
        Ok(PeoplePage {
            people,
            has_next_page,
        })
    }

    async fn people_count(&self, owner_id: Uuid) -> CatalogResult<PeopleCount> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE p.is_hidden) FROM people p
                 WHERE p.owner_id = $1 AND EXISTS (
                    SELECT 1 FROM asset_faces f
                    JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                        AND a.deleted_at IS NULL
                    WHERE f.person_id = p.id AND f.deleted_at IS NULL AND f.is_visible)",
                &[&owner_id],
            )
            .await
            .map_err(map_error)?;
        Ok(PeopleCount {
            total: row.get::<_, i64>(0) as u64,
            hidden: row.get::<_, i64>(1) as u64,
        })
    }

    async fn update_person(
        &self,
        id: Uuid,
        change: &PersonChange,
    ) -> CatalogResult<Option<Person>> {
        let birth_date = change.birth_date.flatten();
        let color = change.color.clone().flatten();
        let params: [&(dyn ToSql + Sync); 9] = [
            &id,
            &change.name,
            &change.birth_date.is_some(),
            &birth_date,
            &change.is_hidden,
            &change.is_favorite,
            &change.color.is_some(),
            &color,
            &now(),
        ];
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "UPDATE people AS p SET name = COALESCE($2, p.name),
                        birth_date = CASE WHEN $3 THEN $4::date ELSE p.birth_date END,
                        is_hidden = COALESCE($5, p.is_hidden),
                        is_favorite = COALESCE($6, p.is_favorite),
                        color = CASE WHEN $7 THEN $8::text ELSE p.color END,
                        updated_at = $9
                     WHERE p.id = $1
                     RETURNING {PERSON_COLUMNS}"
                ),
                &params,
            )
            .await
            .map_err(map_error)?;
        Ok(row.as_ref().map(person_at))
    }

    async fn delete_people(&self, ids: &[Uuid]) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM people WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(map_error)
    }
}

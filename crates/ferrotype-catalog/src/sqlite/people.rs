//! People (`people`, `person_audit`, migration 0024).

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use ferrotype_core::catalog::{
    CatalogResult, NewPerson, PeopleCount, PeoplePage, Person, PersonChange, PersonRepo,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteCatalog, opt_parse_uuid, parse_ts, parse_uuid, ts};

/// A person's columns (`p`), in the order `person_at` reads them.
pub(crate) const PERSON_COLUMNS: &str = "p.id, p.owner_id, p.name, p.birth_date, \
    p.thumbnail_path, p.face_asset_id, p.is_hidden, p.is_favorite, p.color, p.created_at, \
    p.updated_at";

/// Birth dates are kept as `YYYY-MM-DD`.
fn date_text(d: &Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(s: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    s.map(|s| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

/// The person of a row that starts with `PERSON_COLUMNS`.
pub(crate) fn person_at(r: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
        name: r.get(2)?,
        birth_date: parse_date(r.get(3)?)?,
        thumbnail_path: r.get(4)?,
        face_asset_id: opt_parse_uuid(r.get(5)?)?,
        is_hidden: r.get(6)?,
        is_favorite: r.get(7)?,
        color: r.get(8)?,
        created_at: parse_ts(&r.get::<_, String>(9)?)?,
        updated_at: parse_ts(&r.get::<_, String>(10)?)?,
    })
}

pub(crate) fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Person>> {
    conn.prepare_cached(&format!(
        "SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = ?1"
    ))?
    .query_row([id.to_string()], person_at)
    .optional()
}

#[async_trait]
impl PersonRepo for SqliteCatalog {
    async fn create_person(&self, person: &NewPerson) -> CatalogResult<Person> {
        let person = person.clone();
        self.write(move |conn| {
            let id = Uuid::new_v4();
            conn.execute(
                "INSERT INTO people (id, owner_id, name, birth_date, is_hidden, is_favorite,
                    color, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    id.to_string(),
                    person.owner_id.to_string(),
                    person.name,
                    date_text(&person.birth_date),
                    person.is_hidden,
                    person.is_favorite,
                    person.color,
                    ts(&Utc::now()),
                ],
            )?;
            one(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
        })
        .await
    }

    async fn person(&self, id: Uuid) -> CatalogResult<Option<Person>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn people(
        &self,
        owner_id: Uuid,
        with_hidden: bool,
        min_faces: u64,
        skip: u64,
        take: u64,
    ) -> CatalogResult<PeoplePage> {
        self.read(move |conn| {
            let clamp = |n: u64| n.min(i64::MAX as u64 - 1) as i64;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM people p
                 JOIN asset_faces f ON f.person_id = p.id AND f.deleted_at IS NULL
                    AND f.is_visible
                 JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                    AND a.deleted_at IS NULL
                 WHERE p.owner_id = ?1 AND (?2 OR NOT p.is_hidden)
                 GROUP BY p.id
                 HAVING p.name != '' OR count(f.asset_id) >= ?5
                 ORDER BY p.is_hidden, p.is_favorite DESC, p.name = '',
                    count(f.asset_id) DESC, p.name, p.created_at, p.id
                 LIMIT ?3 OFFSET ?4"
            ))?;
            let mut people: Vec<Person> = stmt
                .query_map(
                    params![
                        owner_id.to_string(),
                        with_hidden,
                        clamp(take) + 1,
                        clamp(skip),
                        clamp(min_faces),
                    ],
                    person_at,
                )?
                .collect::<rusqlite::Result<_>>()?;
            let has_next_page = people.len() as u64 > take;
            people.truncate(take as usize);
            Ok(PeoplePage {
                people,
                has_next_page,
            })
        })
        .await
    }

    async fn people_count(&self, owner_id: Uuid) -> CatalogResult<PeopleCount> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT count(*), coalesce(sum(p.is_hidden), 0) FROM people p
                 WHERE p.owner_id = ?1 AND EXISTS (
                    SELECT 1 FROM asset_faces f
                    JOIN assets a ON a.id = f.asset_id AND a.visibility = 'timeline'
                        AND a.deleted_at IS NULL
                    WHERE f.person_id = p.id AND f.deleted_at IS NULL AND f.is_visible)",
            )?
            .query_row([owner_id.to_string()], |r| {
                Ok(PeopleCount {
                    total: r.get::<_, i64>(0)? as u64,
                    hidden: r.get::<_, i64>(1)? as u64,
                })
            })
        })
        .await
    }

    async fn update_person(
        &self,
        id: Uuid,
        change: &PersonChange,
    ) -> CatalogResult<Option<Person>> {
        let change = change.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE people SET name = COALESCE(?2, name),
                    birth_date = CASE WHEN ?3 THEN ?4 ELSE birth_date END,
                    is_hidden = COALESCE(?5, is_hidden),
                    is_favorite = COALESCE(?6, is_favorite),
                    color = CASE WHEN ?7 THEN ?8 ELSE color END,
                    updated_at = ?9
                 WHERE id = ?1",
                params![
                    id.to_string(),
                    change.name,
                    change.birth_date.is_some(),
                    date_text(&change.birth_date.flatten()),
                    change.is_hidden,
                    change.is_favorite,
                    change.color.is_some(),
                    change.color.clone().flatten(),
                    ts(&Utc::now()),
                ],
            )?;
            let person = if changed > 0 { one(&tx, id)? } else { None };
            tx.commit()?;
            Ok(person)
        })
        .await
    }

    async fn delete_people(&self, ids: &[Uuid]) -> CatalogResult<u64> {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let mut deleted = 0;
            for id in &ids {
                deleted += tx.execute("DELETE FROM people WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(deleted as u64)
        })
        .await
    }
}

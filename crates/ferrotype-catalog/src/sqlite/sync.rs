//! The sync stream's reads (one snapshot, row by row, so memory does not grow with the catalog)
//! and the per-session checkpoints.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, Stack, SyncRepo, SyncStream};
use ferrotype_core::model::{Album, AlbumRole};
use ferrotype_core::sync::{REQUEST_TYPES_IN_ORDER, SyncEvent, SyncItem, SyncQuery, SyncRow};
use rusqlite::{Connection, Params, Row, params};
use uuid::Uuid;

use super::asset_edits::{EDIT_COLUMNS, edit_at};
use super::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use super::faces::{FACE_COLUMNS, face_at};
use super::memories::{MEMORY_COLUMNS, memory_at};
use super::metadata::{EXIF_COLUMNS, exif_at};
use super::people::{PERSON_COLUMNS, person_at};
use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, next_update_id, opt_parse_uuid, parse_ts, parse_uuid, ts};

/// Rows cross the channel in batches of this many: one channel operation per batch, not per row
/// (per row, the channel's cost halved the sync's throughput).
const SYNC_BATCH: usize = 256;

/// Batches read ahead of the consumer: enough to keep the reader busy while a batch is written
/// out (2,048 rows), few enough that a slow client pauses the read.
const SYNC_BUFFER: usize = 8;

/// The receiving end of the producer's channel, as a `Stream` of single events.
struct Received {
    batches: tokio::sync::mpsc::Receiver<Vec<CatalogResult<SyncEvent>>>,
    current: std::vec::IntoIter<CatalogResult<SyncEvent>>,
}

impl futures_core::Stream for Received {
    type Item = CatalogResult<SyncEvent>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        loop {
            if let Some(event) = self.current.next() {
                return std::task::Poll::Ready(Some(event));
            }
            match self.batches.poll_recv(cx) {
                std::task::Poll::Ready(Some(batch)) => self.current = batch.into_iter(),
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
    }
}

/// The albums the user (?1) owns or is a member of, with the cursor from which each is theirs:
/// nothing for their own, their membership's `update_id` for the others. A row of such an
/// album is news when its own cursor or that one is past the checkpoint.
const MY_ALBUMS: &str = "WITH mine(album_id, since) AS (
        SELECT id, '' FROM albums WHERE owner_id = ?1
        UNION ALL SELECT album_id, update_id FROM album_users WHERE user_id = ?1)";

/// Each asset in the user's albums, with the latest cursor of its links (joined to `MY_ALBUMS`).
const ALBUM_ASSET_LINKS: &str = "links(asset_id, since) AS (
        SELECT aa.asset_id, max(max(aa.update_id, mine.since))
        FROM album_assets aa JOIN mine ON mine.album_id = aa.album_id GROUP BY aa.asset_id)";

/// Runs one query and hands each row to the sink; false when the sink wants no more.
fn each<P: Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    sink: &mut dyn FnMut(SyncItem) -> bool,
    read: impl Fn(&Row<'_>) -> rusqlite::Result<SyncItem>,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        if !sink(read(row)?) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn uuid_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Uuid> {
    parse_uuid(&r.get::<_, String>(at)?)
}

/// A stack's row (without its members, which the assets' `stackId` tell).
fn stack_at(r: &Row<'_>) -> rusqlite::Result<Stack> {
    Ok(Stack {
        id: uuid_at(r, 0)?,
        owner_id: uuid_at(r, 1)?,
        primary_asset_id: uuid_at(r, 2)?,
        created_at: parse_ts(&r.get::<_, String>(3)?)?,
        updated_at: parse_ts(&r.get::<_, String>(4)?)?,
        asset_ids: Vec::new(),
    })
}

fn album_at(r: &Row<'_>) -> rusqlite::Result<Album> {
    Ok(Album {
        id: uuid_at(r, 0)?,
        owner_id: uuid_at(r, 1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        thumbnail_asset_id: opt_parse_uuid(r.get(4)?)?,
        is_activity_enabled: r.get(5)?,
        order: r.get(6)?,
        created_at: parse_ts(&r.get::<_, String>(7)?)?,
        updated_at: parse_ts(&r.get::<_, String>(8)?)?,
    })
}

/// Streams one request type: its deletes, then its upserts. False when the sink stopped.
fn stream_type(
    conn: &Connection,
    request_type: &str,
    query: &SyncQuery,
    now: &str,
    sink: &mut dyn FnMut(SyncItem) -> bool,
) -> rusqlite::Result<bool> {
    let me = query.user_id.to_string();
    let item = |row: SyncRow, update_id: String| SyncItem { row, update_id };
    match request_type {
        "AuthUsersV1" => each(
            conn,
            &format!(
                "SELECT {USER_COLUMNS}, u.update_id FROM users u
                 WHERE u.id = ?1 AND u.update_id > ?2 AND u.update_id < ?3"
            ),
            params![me, query.after("AuthUserV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AuthUser(Box::new(user_at(r, 0)?)),
                    r.get(17)?,
                ))
            },
        ),
        "UsersV1" => Ok(each(
            conn,
            "SELECT user_id, id FROM user_audit WHERE id > ?1 AND id < ?2 ORDER BY id",
            params![query.after("UserDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::UserDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {USER_COLUMNS}, u.update_id FROM users u
                 WHERE u.update_id > ?1 AND u.update_id < ?2 ORDER BY u.update_id"
            ),
            params![query.after("UserV1"), now],
            sink,
            |r| Ok(item(SyncRow::User(Box::new(user_at(r, 0)?)), r.get(17)?)),
        )?),
        "AssetsV2" => Ok(each(
            conn,
            "SELECT asset_id, id FROM asset_audit
             WHERE owner_id = ?1 AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("AssetDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::AssetDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {ASSET_COLUMNS}, a.update_id FROM assets a
                 WHERE a.owner_id = ?1 AND a.update_id > ?2 AND a.update_id < ?3
                 ORDER BY a.update_id"
            ),
            params![me, query.after("AssetV2"), now],
            sink,
            |r| Ok(item(SyncRow::Asset(Box::new(asset_at(r)?)), r.get(ASSET_COLUMN_COUNT)?)),
        )?),
        "AssetExifsV1" => each(
            conn,
            &format!(
                "SELECT {EXIF_COLUMNS}, asset_exif.asset_id, asset_exif.update_id
                 FROM asset_exif JOIN assets a ON a.id = asset_exif.asset_id
                 WHERE a.owner_id = ?1 AND asset_exif.update_id > ?2 AND asset_exif.update_id < ?3
                 ORDER BY asset_exif.update_id"
            ),
            params![me, query.after("AssetExifV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AssetExif(uuid_at(r, 27)?, Box::new(exif_at(r)?)),
                    r.get(28)?,
                ))
            },
        ),
        "AlbumsV2" => Ok(each(
            conn,
            "SELECT album_id, id FROM album_audit
             WHERE user_id = ?1 AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("AlbumDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::AlbumDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "{MY_ALBUMS} SELECT al.id, al.owner_id, al.name, al.description,
                    al.thumbnail_asset_id, al.is_activity_enabled, al.sort_order, al.created_at,
                    al.updated_at, max(al.update_id, mine.since) AS cursor
                 FROM albums al JOIN mine ON mine.album_id = al.id
                 WHERE cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("AlbumV2"), now],
            sink,
            |r| Ok(item(SyncRow::Album(Box::new(album_at(r)?)), r.get(9)?)),
        )?),
        "AlbumUsersV1" => Ok(each(
            conn,
            &format!(
                "{MY_ALBUMS} SELECT album_id, user_id, id FROM album_user_audit
                 WHERE (user_id = ?1 OR album_id IN (SELECT album_id FROM mine))
                   AND id > ?2 AND id < ?3 ORDER BY id"
            ),
            params![me, query.after("AlbumUserDeleteV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AlbumUserDelete {
                        album_id: uuid_at(r, 0)?,
                        user_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )? && each(
            conn,
            &format!(
                "{MY_ALBUMS} SELECT m.album_id, m.user_id, m.role,
                    max(m.update_id, mine.since) AS cursor
                 FROM album_users m JOIN mine ON mine.album_id = m.album_id
                 WHERE cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("AlbumUserV1"), now],
            sink,
            |r| {
                let role: String = r.get(2)?;
                Ok(item(
                    SyncRow::AlbumUser {
                        album_id: uuid_at(r, 0)?,
                        user_id: uuid_at(r, 1)?,
                        role: AlbumRole::parse(&role).unwrap_or(AlbumRole::Viewer),
                    },
                    r.get(3)?,
                ))
            },
        )?),
        // Others' assets in the user's albums (their own come with AssetsV2). The cursor is the
        // latest of the asset's change, its joining an album, and the user's joining that
        // album: an album shared today brings its old assets too.
        "AlbumAssetsV2" => each(
            conn,
            &format!(
                "{MY_ALBUMS}, {ALBUM_ASSET_LINKS} SELECT {ASSET_COLUMNS},
                    max(a.update_id, links.since) AS cursor
                 FROM links JOIN assets a ON a.id = links.asset_id
                 WHERE a.owner_id != ?1 AND cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("AlbumAssetCreateV2"), now],
            sink,
            |r| Ok(item(SyncRow::AlbumAsset(Box::new(asset_at(r)?)), r.get(ASSET_COLUMN_COUNT)?)),
        ),
        "AlbumAssetExifsV1" => each(
            conn,
            &format!(
                "{MY_ALBUMS}, {ALBUM_ASSET_LINKS} SELECT {EXIF_COLUMNS}, asset_exif.asset_id,
                    max(asset_exif.update_id, links.since) AS cursor
                 FROM links JOIN asset_exif ON asset_exif.asset_id = links.asset_id
                 JOIN assets a ON a.id = links.asset_id
                 WHERE a.owner_id != ?1 AND cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("AlbumAssetExifCreateV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AlbumAssetExif(uuid_at(r, 27)?, Box::new(exif_at(r)?)),
                    r.get(28)?,
                ))
            },
        ),
        "AlbumToAssetsV1" => Ok(each(
            conn,
            &format!(
                "{MY_ALBUMS} SELECT album_id, asset_id, id FROM album_asset_audit
                 WHERE album_id IN (SELECT album_id FROM mine) AND id > ?2 AND id < ?3
                 ORDER BY id"
            ),
            params![me, query.after("AlbumToAssetDeleteV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AlbumToAssetDelete {
                        album_id: uuid_at(r, 0)?,
                        asset_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )? && each(
            conn,
            &format!(
                "{MY_ALBUMS} SELECT aa.album_id, aa.asset_id, max(aa.update_id, mine.since) AS cursor
                 FROM album_assets aa JOIN mine ON mine.album_id = aa.album_id
                 WHERE cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("AlbumToAssetV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AlbumToAsset {
                        album_id: uuid_at(r, 0)?,
                        asset_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )?),
        // Partnerships the user is in, either way.
        "PartnersV1" => Ok(each(
            conn,
            "SELECT shared_by_id, shared_with_id, id FROM partner_audit
             WHERE (shared_by_id = ?1 OR shared_with_id = ?1) AND id > ?2 AND id < ?3
             ORDER BY id",
            params![me, query.after("PartnerDeleteV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::PartnerDelete {
                        shared_by_id: uuid_at(r, 0)?,
                        shared_with_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )? && each(
            conn,
            "SELECT shared_by_id, shared_with_id, in_timeline, update_id FROM partners
             WHERE (shared_by_id = ?1 OR shared_with_id = ?1) AND update_id > ?2 AND update_id < ?3
             ORDER BY update_id",
            params![me, query.after("PartnerV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::Partner {
                        shared_by_id: uuid_at(r, 0)?,
                        shared_with_id: uuid_at(r, 1)?,
                        in_timeline: r.get(2)?,
                    },
                    r.get(3)?,
                ))
            },
        )?),
        // The assets of those who share with the user. As with albums, instead of Immich's
        // backfill entities a row's cursor is the later of its own and the partnership's
        // `create_id`: a partner added today brings their whole library in the next stream.
        "PartnerAssetsV2" => Ok(each(
            conn,
            "SELECT asset_id, id FROM asset_audit
             WHERE owner_id IN (SELECT shared_by_id FROM partners WHERE shared_with_id = ?1)
               AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("PartnerAssetDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::PartnerAssetDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {ASSET_COLUMNS}, max(a.update_id, p.create_id) AS cursor
                 FROM partners p JOIN assets a ON a.owner_id = p.shared_by_id
                 WHERE p.shared_with_id = ?1 AND cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("PartnerAssetV2"), now],
            sink,
            |r| Ok(item(SyncRow::PartnerAsset(Box::new(asset_at(r)?)), r.get(ASSET_COLUMN_COUNT)?)),
        )?),
        "PartnerAssetExifsV1" => each(
            conn,
            &format!(
                "SELECT {EXIF_COLUMNS}, asset_exif.asset_id,
                    max(asset_exif.update_id, p.create_id) AS cursor
                 FROM partners p JOIN assets a ON a.owner_id = p.shared_by_id
                 JOIN asset_exif ON asset_exif.asset_id = a.id
                 WHERE p.shared_with_id = ?1 AND cursor > ?2 AND cursor < ?3 ORDER BY cursor"
            ),
            params![me, query.after("PartnerAssetExifV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::PartnerAssetExif(uuid_at(r, 27)?, Box::new(exif_at(r)?)),
                    r.get(28)?,
                ))
            },
        ),
        // Client metadata on the user's own assets; the removals of an asset deleted since go
        // with its AssetDeleteV1 (the join finds no asset), as in Immich.
        "AssetMetadataV1" => Ok(each(
            conn,
            "SELECT m.asset_id, m.key, m.id FROM asset_metadata_audit m
             JOIN assets a ON a.id = m.asset_id
             WHERE a.owner_id = ?1 AND m.id > ?2 AND m.id < ?3 ORDER BY m.id",
            params![me, query.after("AssetMetadataDeleteV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AssetMetadataDelete {
                        asset_id: uuid_at(r, 0)?,
                        key: r.get(1)?,
                    },
                    r.get(2)?,
                ))
            },
        )? && each(
            conn,
            "SELECT m.asset_id, m.key, m.value, m.update_id FROM asset_metadata m
             JOIN assets a ON a.id = m.asset_id
             WHERE a.owner_id = ?1 AND m.update_id > ?2 AND m.update_id < ?3
             ORDER BY m.update_id",
            params![me, query.after("AssetMetadataV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::AssetMetadata {
                        asset_id: uuid_at(r, 0)?,
                        key: r.get(1)?,
                        value: r.get(2)?,
                    },
                    r.get(3)?,
                ))
            },
        )?),
        "StacksV1" => Ok(each(
            conn,
            "SELECT stack_id, id FROM stack_audit
             WHERE user_id = ?1 AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("StackDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::StackDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            "SELECT s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at, s.update_id
             FROM stacks s
             WHERE s.owner_id = ?1 AND s.update_id > ?2 AND s.update_id < ?3
             ORDER BY s.update_id",
            params![me, query.after("StackV1"), now],
            sink,
            |r| Ok(item(SyncRow::Stack(Box::new(stack_at(r)?)), r.get(5)?)),
        )?),
        // The stacks of those who share with the user, from the partnership's start as their
        // assets.
        "PartnerStacksV1" => Ok(each(
            conn,
            "SELECT stack_id, id FROM stack_audit
             WHERE user_id IN (SELECT shared_by_id FROM partners WHERE shared_with_id = ?1)
               AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("PartnerStackDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::PartnerStackDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            "SELECT s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at,
                max(s.update_id, p.create_id) AS cursor
             FROM partners p JOIN stacks s ON s.owner_id = p.shared_by_id
             WHERE p.shared_with_id = ?1 AND cursor > ?2 AND cursor < ?3 ORDER BY cursor",
            params![me, query.after("PartnerStackV1"), now],
            sink,
            |r| Ok(item(SyncRow::PartnerStack(Box::new(stack_at(r)?)), r.get(5)?)),
        )?),
        "MemoriesV1" => Ok(each(
            conn,
            "SELECT memory_id, id FROM memory_audit
             WHERE user_id = ?1 AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("MemoryDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::MemoryDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {MEMORY_COLUMNS}, m.update_id FROM memories m
                 WHERE m.owner_id = ?1 AND m.update_id > ?2 AND m.update_id < ?3
                 ORDER BY m.update_id"
            ),
            params![me, query.after("MemoryV1"), now],
            sink,
            |r| Ok(item(SyncRow::Memory(Box::new(memory_at(r)?)), r.get(12)?)),
        )?),
        "MemoryToAssetsV1" => Ok(each(
            conn,
            "SELECT memory_id, asset_id, id FROM memory_asset_audit
             WHERE memory_id IN (SELECT id FROM memories WHERE owner_id = ?1)
               AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("MemoryToAssetDeleteV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::MemoryToAssetDelete {
                        memory_id: uuid_at(r, 0)?,
                        asset_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )? && each(
            conn,
            "SELECT ma.memory_id, ma.asset_id, ma.update_id
             FROM memory_assets ma JOIN memories m ON m.id = ma.memory_id
             WHERE m.owner_id = ?1 AND ma.update_id > ?2 AND ma.update_id < ?3
             ORDER BY ma.update_id",
            params![me, query.after("MemoryToAssetV1"), now],
            sink,
            |r| {
                Ok(item(
                    SyncRow::MemoryToAsset {
                        memory_id: uuid_at(r, 0)?,
                        asset_id: uuid_at(r, 1)?,
                    },
                    r.get(2)?,
                ))
            },
        )?),
        "AssetEditsV1" => Ok(each(
            conn,
            "SELECT x.edit_id, x.id FROM asset_edit_audit x JOIN assets a ON a.id = x.asset_id
             WHERE a.owner_id = ?1 AND x.id > ?2 AND x.id < ?3 ORDER BY x.id",
            params![me, query.after("AssetEditDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::AssetEditDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {EDIT_COLUMNS}, e.update_id FROM asset_edits e
                 JOIN assets a ON a.id = e.asset_id
                 WHERE a.owner_id = ?1 AND e.update_id > ?2 AND e.update_id < ?3
                 ORDER BY e.update_id"
            ),
            params![me, query.after("AssetEditV1"), now],
            sink,
            |r| Ok(item(SyncRow::AssetEdit(Box::new(edit_at(r)?)), r.get(5)?)),
        )?),
        "PeopleV1" => Ok(each(
            conn,
            "SELECT person_id, id FROM person_audit
             WHERE owner_id = ?1 AND id > ?2 AND id < ?3 ORDER BY id",
            params![me, query.after("PersonDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::PersonDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {PERSON_COLUMNS}, p.update_id FROM people p
                 WHERE p.owner_id = ?1 AND p.update_id > ?2 AND p.update_id < ?3
                 ORDER BY p.update_id"
            ),
            params![me, query.after("PersonV1"), now],
            sink,
            |r| Ok(item(SyncRow::Person(Box::new(person_at(r)?)), r.get(11)?)),
        )?),
        // A face's asset is joined for its owner, as Immich's sync does: the deletes of a
        // deleted asset's faces are not streamed (its AssetDeleteV1 says enough).
        "AssetFacesV2" => Ok(each(
            conn,
            "SELECT x.face_id, x.id FROM face_audit x JOIN assets a ON a.id = x.asset_id
             WHERE a.owner_id = ?1 AND x.id > ?2 AND x.id < ?3 ORDER BY x.id",
            params![me, query.after("AssetFaceDeleteV1"), now],
            sink,
            |r| Ok(item(SyncRow::AssetFaceDelete(uuid_at(r, 0)?), r.get(1)?)),
        )? && each(
            conn,
            &format!(
                "SELECT {FACE_COLUMNS}, f.update_id FROM asset_faces f
                 JOIN assets a ON a.id = f.asset_id
                 WHERE a.owner_id = ?1 AND f.update_id > ?2 AND f.update_id < ?3
                 ORDER BY f.update_id"
            ),
            params![me, query.after("AssetFaceV2"), now],
            sink,
            |r| Ok(item(SyncRow::AssetFace(Box::new(face_at(r)?)), r.get(13)?)),
        )?),
        // OCR: nothing exists to sync until it does (AssetFacesV1 is refused as deprecated).
        _ => Ok(true),
    }
}

/// Streams every requested type in Immich's order from one read transaction; returns the
/// cursor that stands for "now".
pub(crate) fn stream(
    conn: &Connection,
    query: &SyncQuery,
    sink: &mut dyn FnMut(SyncItem) -> bool,
) -> rusqlite::Result<String> {
    let now = next_update_id().to_string();
    // One snapshot: rows committed while streaming wait for the next sync.
    let tx = conn.unchecked_transaction()?;
    for request_type in REQUEST_TYPES_IN_ORDER {
        if query.wants(request_type) && !stream_type(&tx, request_type, query, &now, sink)? {
            break;
        }
    }
    tx.finish()?;
    Ok(now)
}

pub(crate) fn checkpoints(
    conn: &Connection,
    session_id: Uuid,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, ack FROM session_sync_checkpoints WHERE session_id = ?1 ORDER BY type",
    )?;
    let rows = stmt.query_map([session_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub(crate) fn set_checkpoints(
    conn: &mut Connection,
    session_id: Uuid,
    acks: &[(String, String)],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let now = ts(&Utc::now());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO session_sync_checkpoints (session_id, type, ack, updated_at)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1)
             ON CONFLICT (session_id, type) DO UPDATE SET ack = ?3, updated_at = ?4",
        )?;
        for (kind, ack) in acks {
            stmt.execute(params![session_id.to_string(), kind, ack, now])?;
        }
    }
    tx.commit()
}

pub(crate) fn delete_checkpoints(
    conn: &mut Connection,
    session_id: Uuid,
    types: Option<&[String]>,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let id = session_id.to_string();
    match types {
        None => {
            tx.execute(
                "DELETE FROM session_sync_checkpoints WHERE session_id = ?1",
                [&id],
            )?;
            tx.execute(
                "UPDATE sessions SET is_pending_sync_reset = 0 WHERE id = ?1",
                [&id],
            )?;
        }
        Some(types) => {
            let mut stmt = tx.prepare_cached(
                "DELETE FROM session_sync_checkpoints WHERE session_id = ?1 AND type = ?2",
            )?;
            for kind in types {
                stmt.execute(params![id, kind])?;
            }
        }
    }
    tx.commit()
}

pub(crate) fn reset_pending(conn: &Connection, session_id: Uuid) -> rusqlite::Result<bool> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT is_pending_sync_reset FROM sessions WHERE id = ?1",
            [session_id.to_string()],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
}

#[async_trait]
impl SyncRepo for SqliteCatalog {
    fn stream_sync(&self, query: SyncQuery) -> SyncStream {
        let (tx, rx) = tokio::sync::mpsc::channel(SYNC_BUFFER);
        let inner = self.inner.clone();
        // The producer: one read transaction on a blocking thread, paced by the channel.
        tokio::task::spawn_blocking(move || {
            // A closed channel (the consumer dropped the stream) ends the read.
            let mut batch = Vec::with_capacity(SYNC_BATCH);
            let mut sink = |item| {
                batch.push(Ok(SyncEvent::Row(item)));
                batch.len() < SYNC_BATCH
                    || tx
                        .blocking_send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(SYNC_BATCH),
                        ))
                        .is_ok()
            };
            let last = super::with_reader(&inner, |conn| stream(conn, &query, &mut sink))
                .map(SyncEvent::Complete);
            batch.push(last);
            if !tx.is_closed() {
                let _ = tx.blocking_send(batch);
            }
        });
        Box::pin(Received {
            batches: rx,
            current: Vec::new().into_iter(),
        })
    }

    async fn sync_checkpoints(&self, session_id: Uuid) -> CatalogResult<Vec<(String, String)>> {
        self.read(move |conn| checkpoints(conn, session_id)).await
    }

    async fn set_sync_checkpoints(
        &self,
        session_id: Uuid,
        acks: &[(String, String)],
    ) -> CatalogResult<()> {
        let acks = acks.to_vec();
        self.write(move |conn| set_checkpoints(conn, session_id, &acks))
            .await
    }

    async fn delete_sync_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> CatalogResult<()> {
        let types = types.map(<[String]>::to_vec);
        self.write(move |conn| delete_checkpoints(conn, session_id, types.as_deref()))
            .await
    }

    async fn sync_reset_pending(&self, session_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| reset_pending(conn, session_id)).await
    }
}

//! The sync stream (the mobile app's `POST /sync/stream`) and the per-session checkpoints.
//!
//! Cursors are UUIDv7s made from the start of the transaction that wrote the row (see
//! `ferrotype_uuid7` in the migration). With many writers a row can commit after rows with
//! higher cursors; so a stream sends only rows below a bound that no transaction still open can
//! write under: the start of the oldest open transaction (or now), as a cursor. Everything below
//! it is committed and in the stream's snapshot, which is taken after the bound is read: a
//! client that acknowledges a cursor never misses a row behind it.

use std::pin::pin;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ferrotype_core::catalog::SyncRepo;
use ferrotype_core::catalog::{CatalogResult, Stack, SyncStream};
use ferrotype_core::model::{Album, AlbumRole};
use ferrotype_core::sync::{REQUEST_TYPES_IN_ORDER, SyncEvent, SyncItem, SyncQuery, SyncRow};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::asset_edits::{EDIT_COLUMNS, edit_at};
use crate::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use crate::faces::{FACE_COLUMNS, face_at};
use crate::memories::{MEMORY_COLUMNS, memory_at};
use crate::metadata::{EXIF_COLUMNS, exif_at};
use crate::people::{PERSON_COLUMNS, person_at};
use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, now};

/// How many rows the stream reads ahead of its consumer.
const SYNC_BUFFER: usize = 256;

/// The albums the user ($1) owns or is a member of, with the cursor from which each is theirs:
/// none for their own, their membership's `update_id` for the others. A row of such an album is
/// news when its own cursor or that one is past the checkpoint.
const MY_ALBUMS: &str = "WITH mine(album_id, since) AS (
        SELECT id, '00000000-0000-0000-0000-000000000000'::uuid FROM albums WHERE owner_id = $1
        UNION ALL SELECT album_id, update_id FROM album_users WHERE user_id = $1)";

/// Each asset in the user's albums, with the latest cursor of its links. (PostgreSQL 15 has no
/// max(uuid); as text, UUIDs sort as they do as bytes.)
const ALBUM_ASSET_LINKS: &str = "links(asset_id, since) AS (
        SELECT aa.asset_id, max(GREATEST(aa.update_id, mine.since)::text)::uuid
        FROM album_assets aa JOIN mine ON mine.album_id = aa.album_id GROUP BY aa.asset_id)";

/// The lowest UUIDv7 of the millisecond of `t`: below it are exactly the cursors of earlier
/// milliseconds.
fn cursor_at(t: DateTime<Utc>) -> Uuid {
    let millis = t.timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

fn album_at(r: &Row) -> Album {
    Album {
        id: r.get(0),
        owner_id: r.get(1),
        name: r.get(2),
        description: r.get(3),
        thumbnail_asset_id: r.get(4),
        is_activity_enabled: r.get(5),
        order: r.get(6),
        created_at: r.get(7),
        updated_at: r.get(8),
    }
}

/// A stack's row (without its members, which the assets' `stackId` tell).
fn stack_at(r: &Row) -> Stack {
    Stack {
        id: r.get(0),
        owner_id: r.get(1),
        primary_asset_id: r.get(2),
        created_at: r.get(3),
        updated_at: r.get(4),
        asset_ids: Vec::new(),
    }
}

/// Where one request type's reads stand.
struct Ctx<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    me: Uuid,
    bound: Uuid,
    out: &'a mpsc::Sender<CatalogResult<SyncEvent>>,
}

impl Ctx<'_> {
    /// Runs one query ($1 the user, $2 the checkpoint, $3 the bound) and sends each row; false
    /// when the receiver is gone.
    async fn each(
        &self,
        sql: &str,
        after: Uuid,
        read: impl Fn(&Row) -> CatalogResult<SyncItem>,
    ) -> CatalogResult<bool> {
        let params: [&(dyn ToSql + Sync); 3] = [&self.me, &after, &self.bound];
        let rows = self
            .tx
            .query_raw(sql, params.iter().map(|p| *p as &dyn ToSql))
            .await
            .map_err(map_error)?;
        let mut rows = pin!(rows);
        while let Some(row) = rows.next().await {
            let item = read(&row.map_err(map_error)?)?;
            if self.out.send(Ok(SyncEvent::Row(item))).await.is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn item(row: SyncRow, update_id: Uuid) -> SyncItem {
    SyncItem {
        row,
        update_id: update_id.to_string(),
    }
}

/// A checkpoint as a cursor; one that is not a UUID starts that type over.
fn after(query: &SyncQuery, entity_type: &str) -> Uuid {
    Uuid::parse_str(query.after(entity_type)).unwrap_or(Uuid::nil())
}

/// Streams one request type: its deletes, then its upserts. False when the receiver is gone.
async fn stream_type(ctx: &Ctx<'_>, request_type: &str, query: &SyncQuery) -> CatalogResult<bool> {
    let a = |t: &str| after(query, t);
    match request_type {
        "AuthUsersV1" => {
            ctx.each(
                &format!(
                    "SELECT {USER_COLUMNS}, u.update_id FROM users u
                     WHERE u.id = $1 AND u.update_id > $2 AND u.update_id < $3"
                ),
                a("AuthUserV1"),
                |r| Ok(item(SyncRow::AuthUser(Box::new(user_at(r, 0)?)), r.get(17))),
            )
            .await
        }
        "UsersV1" => Ok(ctx
            .each(
                "SELECT user_id, id FROM user_audit
                 WHERE $1::uuid IS NOT NULL AND id > $2 AND id < $3 ORDER BY id",
                a("UserDeleteV1"),
                |r| Ok(item(SyncRow::UserDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {USER_COLUMNS}, u.update_id FROM users u
                         WHERE $1::uuid IS NOT NULL AND u.update_id > $2 AND u.update_id < $3
                         ORDER BY u.update_id"
                    ),
                    a("UserV1"),
                    |r| Ok(item(SyncRow::User(Box::new(user_at(r, 0)?)), r.get(17))),
                )
                .await?),
        "AssetsV2" => Ok(ctx
            .each(
                "SELECT asset_id, id FROM asset_audit
                 WHERE owner_id = $1 AND id > $2 AND id < $3 ORDER BY id",
                a("AssetDeleteV1"),
                |r| Ok(item(SyncRow::AssetDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {ASSET_COLUMNS}, a.update_id FROM assets a
                         WHERE a.owner_id = $1 AND a.update_id > $2 AND a.update_id < $3
                         ORDER BY a.update_id"
                    ),
                    a("AssetV2"),
                    |r| {
                        Ok(item(
                            SyncRow::Asset(Box::new(asset_at(r)?)),
                            r.get(ASSET_COLUMN_COUNT),
                        ))
                    },
                )
                .await?),
        "AssetExifsV1" => {
            ctx.each(
                &format!(
                    "SELECT {EXIF_COLUMNS}, asset_exif.asset_id, asset_exif.update_id
                     FROM asset_exif JOIN assets a ON a.id = asset_exif.asset_id
                     WHERE a.owner_id = $1 AND asset_exif.update_id > $2
                       AND asset_exif.update_id < $3
                     ORDER BY asset_exif.update_id"
                ),
                a("AssetExifV1"),
                |r| {
                    Ok(item(
                        SyncRow::AssetExif(r.get(27), Box::new(exif_at(r))),
                        r.get(28),
                    ))
                },
            )
            .await
        }
        "AlbumsV2" => Ok(ctx
            .each(
                "SELECT album_id, id FROM album_audit
                 WHERE user_id = $1 AND id > $2 AND id < $3 ORDER BY id",
                a("AlbumDeleteV1"),
                |r| Ok(item(SyncRow::AlbumDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "{MY_ALBUMS} SELECT * FROM (
                            SELECT al.id, al.owner_id, al.name, al.description,
                                al.thumbnail_asset_id, al.is_activity_enabled, al.sort_order,
                                al.created_at, al.updated_at,
                                GREATEST(al.update_id, mine.since) AS cursor
                            FROM albums al JOIN mine ON mine.album_id = al.id) t
                         WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                    ),
                    a("AlbumV2"),
                    |r| Ok(item(SyncRow::Album(Box::new(album_at(r))), r.get(9))),
                )
                .await?),
        "AlbumUsersV1" => Ok(ctx
            .each(
                &format!(
                    "{MY_ALBUMS} SELECT album_id, user_id, id FROM album_user_audit
                     WHERE (user_id = $1 OR album_id IN (SELECT album_id FROM mine))
                       AND id > $2 AND id < $3 ORDER BY id"
                ),
                a("AlbumUserDeleteV1"),
                |r| {
                    Ok(item(
                        SyncRow::AlbumUserDelete {
                            album_id: r.get(0),
                            user_id: r.get(1),
                        },
                        r.get(2),
                    ))
                },
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "{MY_ALBUMS} SELECT * FROM (
                            SELECT m.album_id, m.user_id, m.role,
                                GREATEST(m.update_id, mine.since) AS cursor
                            FROM album_users m JOIN mine ON mine.album_id = m.album_id) t
                         WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                    ),
                    a("AlbumUserV1"),
                    |r| {
                        let role: String = r.get(2);
                        Ok(item(
                            SyncRow::AlbumUser {
                                album_id: r.get(0),
                                user_id: r.get(1),
                                role: AlbumRole::parse(&role).unwrap_or(AlbumRole::Viewer),
                            },
                            r.get(3),
                        ))
                    },
                )
                .await?),
        // Others' assets in the user's albums (their own come with AssetsV2). The cursor is the
        // latest of the asset's change, its joining an album, and the user's joining that
        // album: an album shared today brings its old assets too.
        "AlbumAssetsV2" => {
            ctx.each(
                &format!(
                    "{MY_ALBUMS}, {ALBUM_ASSET_LINKS} SELECT * FROM (
                        SELECT {ASSET_COLUMNS}, GREATEST(a.update_id, links.since) AS cursor
                        FROM links JOIN assets a ON a.id = links.asset_id
                        WHERE a.owner_id <> $1) t
                     WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                ),
                a("AlbumAssetCreateV2"),
                |r| {
                    Ok(item(
                        SyncRow::AlbumAsset(Box::new(asset_at(r)?)),
                        r.get(ASSET_COLUMN_COUNT),
                    ))
                },
            )
            .await
        }
        "AlbumAssetExifsV1" => {
            ctx.each(
                &format!(
                    "{MY_ALBUMS}, {ALBUM_ASSET_LINKS} SELECT * FROM (
                        SELECT {EXIF_COLUMNS}, asset_exif.asset_id,
                            GREATEST(asset_exif.update_id, links.since) AS cursor
                        FROM links JOIN asset_exif ON asset_exif.asset_id = links.asset_id
                        JOIN assets a ON a.id = links.asset_id
                        WHERE a.owner_id <> $1) t
                     WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                ),
                a("AlbumAssetExifCreateV1"),
                |r| {
                    Ok(item(
                        SyncRow::AlbumAssetExif(r.get(27), Box::new(exif_at(r))),
                        r.get(28),
                    ))
                },
            )
            .await
        }
        "AlbumToAssetsV1" => Ok(ctx
            .each(
                &format!(
                    "{MY_ALBUMS} SELECT album_id, asset_id, id FROM album_asset_audit
                     WHERE album_id IN (SELECT album_id FROM mine) AND id > $2 AND id < $3
                     ORDER BY id"
                ),
                a("AlbumToAssetDeleteV1"),
                |r| {
                    Ok(item(
                        SyncRow::AlbumToAssetDelete {
                            album_id: r.get(0),
                            asset_id: r.get(1),
                        },
                        r.get(2),
                    ))
                },
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "{MY_ALBUMS} SELECT * FROM (
                            SELECT aa.album_id, aa.asset_id,
                                GREATEST(aa.update_id, mine.since) AS cursor
                            FROM album_assets aa JOIN mine ON mine.album_id = aa.album_id) t
                         WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                    ),
                    a("AlbumToAssetV1"),
                    |r| {
                        Ok(item(
                            SyncRow::AlbumToAsset {
                                album_id: r.get(0),
                                asset_id: r.get(1),
                            },
                            r.get(2),
                        ))
                    },
                )
                .await?),
        // Partnerships the user is in, either way.
        "PartnersV1" => Ok(ctx
            .each(
                "SELECT shared_by_id, shared_with_id, id FROM partner_audit
                 WHERE (shared_by_id = $1 OR shared_with_id = $1) AND id > $2 AND id < $3
                 ORDER BY id",
                a("PartnerDeleteV1"),
                |r| {
                    Ok(item(
                        SyncRow::PartnerDelete {
                            shared_by_id: r.get(0),
                            shared_with_id: r.get(1),
                        },
                        r.get(2),
                    ))
                },
            )
            .await?
            && ctx
                .each(
                    "SELECT shared_by_id, shared_with_id, in_timeline, update_id FROM partners
                     WHERE (shared_by_id = $1 OR shared_with_id = $1)
                       AND update_id > $2 AND update_id < $3
                     ORDER BY update_id",
                    a("PartnerV1"),
                    |r| {
                        Ok(item(
                            SyncRow::Partner {
                                shared_by_id: r.get(0),
                                shared_with_id: r.get(1),
                                in_timeline: r.get(2),
                            },
                            r.get(3),
                        ))
                    },
                )
                .await?),
        // The assets of those who share with the user, each from the later of its own cursor
        // and the partnership's create_id (a new partner's whole library comes at once).
        "PartnerAssetsV2" => Ok(ctx
            .each(
                "SELECT asset_id, id FROM asset_audit
                 WHERE owner_id IN (SELECT shared_by_id FROM partners WHERE shared_with_id = $1)
                   AND id > $2 AND id < $3 ORDER BY id",
                a("PartnerAssetDeleteV1"),
                |r| Ok(item(SyncRow::PartnerAssetDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT * FROM (
                            SELECT {ASSET_COLUMNS}, GREATEST(a.update_id, p.create_id) AS cursor
                            FROM partners p JOIN assets a ON a.owner_id = p.shared_by_id
                            WHERE p.shared_with_id = $1) t
                         WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                    ),
                    a("PartnerAssetV2"),
                    |r| {
                        Ok(item(
                            SyncRow::PartnerAsset(Box::new(asset_at(r)?)),
                            r.get(ASSET_COLUMN_COUNT),
                        ))
                    },
                )
                .await?),
        "PartnerAssetExifsV1" => {
            ctx.each(
                &format!(
                    "SELECT * FROM (
                        SELECT {EXIF_COLUMNS}, asset_exif.asset_id,
                            GREATEST(asset_exif.update_id, p.create_id) AS cursor
                        FROM partners p JOIN assets a ON a.owner_id = p.shared_by_id
                        JOIN asset_exif ON asset_exif.asset_id = a.id
                        WHERE p.shared_with_id = $1) t
                     WHERE cursor > $2 AND cursor < $3 ORDER BY cursor"
                ),
                a("PartnerAssetExifV1"),
                |r| {
                    Ok(item(
                        SyncRow::PartnerAssetExif(r.get(27), Box::new(exif_at(r))),
                        r.get(28),
                    ))
                },
            )
            .await
        }
        // Client metadata on the user's own assets; the removals of an asset deleted since go
        // with its AssetDeleteV1 (the join finds no asset), as in Immich.
        "AssetMetadataV1" => Ok(ctx
            .each(
                "SELECT m.asset_id, m.key, m.id FROM asset_metadata_audit m
                 JOIN assets a ON a.id = m.asset_id
                 WHERE a.owner_id = $1 AND m.id > $2 AND m.id < $3 ORDER BY m.id",
                a("AssetMetadataDeleteV1"),
                |r| {
                    Ok(item(
                        SyncRow::AssetMetadataDelete {
                            asset_id: r.get(0),
                            key: r.get(1),
                        },
                        r.get(2),
                    ))
                },
            )
            .await?
            && ctx
                .each(
                    "SELECT m.asset_id, m.key, m.value, m.update_id FROM asset_metadata m
                     JOIN assets a ON a.id = m.asset_id
                     WHERE a.owner_id = $1 AND m.update_id > $2 AND m.update_id < $3
                     ORDER BY m.update_id",
                    a("AssetMetadataV1"),
                    |r| {
                        Ok(item(
                            SyncRow::AssetMetadata {
                                asset_id: r.get(0),
                                key: r.get(1),
                                value: r.get(2),
                            },
                            r.get(3),
                        ))
                    },
                )
                .await?),
        "StacksV1" => Ok(ctx
            .each(
                "SELECT stack_id, id FROM stack_audit
                 WHERE user_id = $1 AND id > $2 AND id < $3 ORDER BY id",
                a("StackDeleteV1"),
                |r| Ok(item(SyncRow::StackDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    "SELECT s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at,
                        s.update_id
                     FROM stacks s
                     WHERE s.owner_id = $1 AND s.update_id > $2 AND s.update_id < $3
                     ORDER BY s.update_id",
                    a("StackV1"),
                    |r| Ok(item(SyncRow::Stack(Box::new(stack_at(r))), r.get(5))),
                )
                .await?),
        // The stacks of those who share with the user, from the partnership's start as their
        // assets.
        "PartnerStacksV1" => Ok(ctx
            .each(
                "SELECT stack_id, id FROM stack_audit
                 WHERE user_id IN (SELECT shared_by_id FROM partners WHERE shared_with_id = $1)
                   AND id > $2 AND id < $3 ORDER BY id",
                a("PartnerStackDeleteV1"),
                |r| Ok(item(SyncRow::PartnerStackDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    "SELECT * FROM (
                        SELECT s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at,
                            GREATEST(s.update_id, p.create_id) AS cursor
                        FROM partners p JOIN stacks s ON s.owner_id = p.shared_by_id
                        WHERE p.shared_with_id = $1) t
                     WHERE cursor > $2 AND cursor < $3 ORDER BY cursor",
                    a("PartnerStackV1"),
                    |r| Ok(item(SyncRow::PartnerStack(Box::new(stack_at(r))), r.get(5))),
                )
                .await?),
        "MemoriesV1" => Ok(ctx
            .each(
                "SELECT memory_id, id FROM memory_audit
                 WHERE user_id = $1 AND id > $2 AND id < $3 ORDER BY id",
                a("MemoryDeleteV1"),
                |r| Ok(item(SyncRow::MemoryDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {MEMORY_COLUMNS}, m.update_id FROM memories m
                         WHERE m.owner_id = $1 AND m.update_id > $2 AND m.update_id < $3
                         ORDER BY m.update_id"
                    ),
                    a("MemoryV1"),
                    |r| Ok(item(SyncRow::Memory(Box::new(memory_at(r))), r.get(12))),
                )
                .await?),
        "MemoryToAssetsV1" => Ok(ctx
            .each(
                "SELECT memory_id, asset_id, id FROM memory_asset_audit
                 WHERE memory_id IN (SELECT id FROM memories WHERE owner_id = $1)
                   AND id > $2 AND id < $3 ORDER BY id",
                a("MemoryToAssetDeleteV1"),
                |r| {
                    Ok(item(
                        SyncRow::MemoryToAssetDelete {
                            memory_id: r.get(0),
                            asset_id: r.get(1),
                        },
                        r.get(2),
                    ))
                },
            )
            .await?
            && ctx
                .each(
                    "SELECT ma.memory_id, ma.asset_id, ma.update_id
                     FROM memory_assets ma JOIN memories m ON m.id = ma.memory_id
                     WHERE m.owner_id = $1 AND ma.update_id > $2 AND ma.update_id < $3
                     ORDER BY ma.update_id",
                    a("MemoryToAssetV1"),
                    |r| {
                        Ok(item(
                            SyncRow::MemoryToAsset {
                                memory_id: r.get(0),
                                asset_id: r.get(1),
                            },
                            r.get(2),
                        ))
                    },
                )
                .await?),
        "AssetEditsV1" => Ok(ctx
            .each(
                "SELECT x.edit_id, x.id FROM asset_edit_audit x JOIN assets a ON a.id = x.asset_id
                 WHERE a.owner_id = $1 AND x.id > $2 AND x.id < $3 ORDER BY x.id",
                a("AssetEditDeleteV1"),
                |r| Ok(item(SyncRow::AssetEditDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {EDIT_COLUMNS}, e.update_id FROM asset_edits e
                         JOIN assets a ON a.id = e.asset_id
                         WHERE a.owner_id = $1 AND e.update_id > $2 AND e.update_id < $3
                         ORDER BY e.update_id"
                    ),
                    a("AssetEditV1"),
                    |r| Ok(item(SyncRow::AssetEdit(Box::new(edit_at(r)?)), r.get(5))),
                )
                .await?),
        "PeopleV1" => Ok(ctx
            .each(
                "SELECT person_id, id FROM person_audit
                 WHERE owner_id = $1 AND id > $2 AND id < $3 ORDER BY id",
                a("PersonDeleteV1"),
                |r| Ok(item(SyncRow::PersonDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {PERSON_COLUMNS}, p.update_id FROM people p
                         WHERE p.owner_id = $1 AND p.update_id > $2 AND p.update_id < $3
                         ORDER BY p.update_id"
                    ),
                    a("PersonV1"),
                    |r| Ok(item(SyncRow::Person(Box::new(person_at(r))), r.get(11))),
                )
                .await?),
        // A face's asset is joined for its owner, as Immich's sync does: the deletes of a
        // deleted asset's faces are not streamed (its AssetDeleteV1 says enough).
        "AssetFacesV2" => Ok(ctx
            .each(
                "SELECT x.face_id, x.id FROM face_audit x JOIN assets a ON a.id = x.asset_id
                 WHERE a.owner_id = $1 AND x.id > $2 AND x.id < $3 ORDER BY x.id",
                a("AssetFaceDeleteV1"),
                |r| Ok(item(SyncRow::AssetFaceDelete(r.get(0)), r.get(1))),
            )
            .await?
            && ctx
                .each(
                    &format!(
                        "SELECT {FACE_COLUMNS}, f.update_id FROM asset_faces f
                         JOIN assets a ON a.id = f.asset_id
                         WHERE a.owner_id = $1 AND f.update_id > $2 AND f.update_id < $3
                         ORDER BY f.update_id"
                    ),
                    a("AssetFaceV2"),
                    |r| Ok(item(SyncRow::AssetFace(Box::new(face_at(r)?)), r.get(13))),
                )
                .await?),
        // OCR: nothing exists to sync until it does (AssetFacesV1 is refused as deprecated).
        _ => Ok(true),
    }
}

#[async_trait]
impl SyncRepo for PgCatalog {
    /// From one snapshot, every row of the requested types changed after the query's
    /// checkpoints (per type deletes first, then upserts, each in cursor order), then the cursor
    /// that stands for "now". The read runs on its own task, paced by a bounded channel; dropping
    /// the stream ends it.
    fn stream_sync(&self, query: SyncQuery) -> SyncStream {
        let (tx, rx) = mpsc::channel(SYNC_BUFFER);
        let catalog = self.clone();
        tokio::spawn(async move {
            let last = catalog
                .sync_into(&query, &tx)
                .await
                .map(SyncEvent::Complete);
            if !tx.is_closed() {
                let _ = tx.send(last).await;
            }
        });
        Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        }))
    }

    /// The session's checkpoints: (entity type, ack).
    async fn sync_checkpoints(&self, session_id: Uuid) -> CatalogResult<Vec<(String, String)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT type, ack FROM session_sync_checkpoints WHERE session_id = $1
                 ORDER BY type",
                &[&session_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Stores acks (entity type, ack), replacing the previous one of each type.
    async fn set_sync_checkpoints(
        &self,
        session_id: Uuid,
        acks: &[(String, String)],
    ) -> CatalogResult<()> {
        let types: Vec<&str> = acks.iter().map(|(t, _)| t.as_str()).collect();
        let values: Vec<&str> = acks.iter().map(|(_, a)| a.as_str()).collect();
        let conn = self.conn().await?;
        // One statement; a type given twice keeps its last ack, as SQLite's one-by-one writes do.
        conn.execute(
            "INSERT INTO session_sync_checkpoints (session_id, type, ack, updated_at)
             SELECT DISTINCT ON (t.type) $1, t.type, t.ack, $4
             FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(type, ack, n)
             WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1)
             ORDER BY t.type, t.n DESC
             ON CONFLICT (session_id, type) DO UPDATE SET ack = excluded.ack,
                updated_at = excluded.updated_at",
            &[&session_id, &types, &values, &now()],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Deletes the session's checkpoints of these types (all when `None`); deleting all also
    /// clears a pending reset.
    async fn delete_sync_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        match types {
            None => {
                tx.execute(
                    "DELETE FROM session_sync_checkpoints WHERE session_id = $1",
                    &[&session_id],
                )
                .await
                .map_err(map_error)?;
                tx.execute(
                    "UPDATE sessions SET is_pending_sync_reset = false WHERE id = $1",
                    &[&session_id],
                )
                .await
                .map_err(map_error)?;
            }
            Some(types) => {
                tx.execute(
                    "DELETE FROM session_sync_checkpoints WHERE session_id = $1 AND type = ANY($2)",
                    &[&session_id, &types],
                )
                .await
                .map_err(map_error)?;
            }
        }
        tx.commit().await.map_err(map_error)
    }

    /// Whether the session must start its sync over (`SyncResetV1`).
    async fn sync_reset_pending(&self, session_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT is_pending_sync_reset FROM sessions WHERE id = $1",
                &[&session_id],
            )
            .await
            .map_err(map_error)?;
        Ok(row.is_some_and(|r| r.get(0)))
    }
}

impl PgCatalog {
    /// Sends the rows of `stream_sync` to `out` as they are read and returns the cursor that
    /// stands for "now" (the `SyncCompleteV1` ack). Stops early, without an error, when `out`'s
    /// receiver is dropped (the client left).
    async fn sync_into(
        &self,
        query: &SyncQuery,
        out: &mpsc::Sender<CatalogResult<SyncEvent>>,
    ) -> CatalogResult<String> {
        let mut conn = self.conn().await?;
        // The bound, read BEFORE the snapshot: a transaction open now is below it only by what
        // it has not written yet (its cursors start at its own start, past the bound), and one
        // that begins later starts past it too.
        let oldest: DateTime<Utc> = conn
            .query_one(
                "SELECT LEAST(clock_timestamp(), (
                    SELECT min(xact_start) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()))",
                &[],
            )
            .await
            .map_err(map_error)?
            .get(0);
        let bound = cursor_at(oldest);
        let tx = conn
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(map_error)?;
        let ctx = Ctx {
            tx: &tx,
            me: query.user_id,
            bound,
            out,
        };
        for request_type in REQUEST_TYPES_IN_ORDER {
            if query.wants(request_type) && !stream_type(&ctx, request_type, query).await? {
                break;
            }
        }
        tx.commit().await.map_err(map_error)?;
        Ok(bound.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::cursor_at;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_bound_is_the_lowest_cursor_of_its_millisecond() {
        let t = Utc.timestamp_millis_opt(1_700_000_000_123).unwrap();
        let c = cursor_at(t);
        assert_eq!(c.get_version_num(), 7);
        assert_eq!(c.to_string(), "018bcfe5-687b-7000-8000-000000000000");
        let just_before = cursor_at(Utc.timestamp_millis_opt(1_700_000_000_122).unwrap());
        assert!(just_before < c);
    }
}

//! Who may do what with an asset or an album: Immich's access rules, in one place for every
//! route. The API's permission (an API key's scope) is checked before, by the contract layer;
//! these are the rules of ownership, sharing, links and the locked folder. A refusal never says
//! whether the thing exists (Immich answers "Not found or no <access> access" either way).

use uuid::Uuid;

use crate::catalog::{Catalog, CatalogError};
use crate::model::{AlbumRole, AlbumSummary, Asset, SharedLink, Visibility};
use crate::permissions::Permission;

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in user (session or API key); `elevated` when the session is unlocked with the
    /// PIN code (the locked folder).
    User { id: Uuid, elevated: bool },
    /// A visitor of a shared link.
    Link(&'a SharedLink),
}

/// What the actor wants to do, by Immich's access names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetAccess {
    /// `asset.read`, `asset.view`: see it and its files' thumbnails.
    Read,
    View,
    /// `asset.download`: its original.
    Download,
    /// Anything that changes it (`asset.update`, `asset.delete`, `asset.share`, ...): the owner's.
    Change(Permission),
}

impl AssetAccess {
    pub fn permission(self) -> Permission {
        match self {
            AssetAccess::Read => Permission::AssetRead,
            AssetAccess::View => Permission::AssetView,
            AssetAccess::Download => Permission::AssetDownload,
            AssetAccess::Change(permission) => permission,
        }
    }

    /// From the permission a route needs; any but reading, viewing and downloading changes the
    /// asset.
    pub fn of(permission: Permission) -> AssetAccess {
        match permission {
            Permission::AssetRead => AssetAccess::Read,
            Permission::AssetView => AssetAccess::View,
            Permission::AssetDownload => AssetAccess::Download,
            other => AssetAccess::Change(other),
        }
    }

    fn reads(self) -> bool {
        !matches!(self, AssetAccess::Change(_))
    }

    /// What a partner may do with the sharer's assets (Immich's `checkPartnerAccess` callers):
    /// read, view, download, and share (into their own albums and links).
    fn partner_may(self) -> bool {
        self.reads() || self == AssetAccess::Change(Permission::AssetShare)
    }
}

/// Whether `user` sees `asset` as its owner's partner: the owner shares with them, and the asset
/// is on the owner's timeline or hidden (a live photo's motion part), not archived, locked or in
/// the trash (Immich's `checkPartnerAccess`).
async fn partner_sees(catalog: &dyn Catalog, user: Uuid, asset: &Asset) -> Result<bool, Refused> {
    if asset.deleted_at.is_some()
        || !matches!(asset.visibility, Visibility::Timeline | Visibility::Hidden)
    {
        return Ok(false);
    }
    Ok(catalog.partner(asset.owner_id, user).await?.is_some())
}

#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Immich's 400 "Not found or no <access> access".
    #[error("Not found or no {0} access")]
    NoAccess(Permission),
    /// A link's visitor tried a change (Immich's 403 "Forbidden").
    #[error("Forbidden")]
    Forbidden,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// The asset, if `actor` may `access` it:
/// - a link's visitor reads what the link shows (downloads only when it allows them), never
///   what is in the locked folder, and changes nothing;
/// - the locked folder is its owner's, from an unlocked session, and nobody else's;
/// - owners do anything with their assets; others read them through an album shared with them,
///   and partners read (and share) what the owner has on their timeline.
pub async fn asset(
    catalog: &dyn Catalog,
    actor: Actor<'_>,
    id: Uuid,
    access: AssetAccess,
) -> Result<Asset, Refused> {
    let refused = Refused::NoAccess(access.permission());
    match actor {
        Actor::Link(link) => {
            let allowed = match access {
                AssetAccess::Read | AssetAccess::View => true,
                AssetAccess::Download => link.allow_download,
                AssetAccess::Change(_) => return Err(Refused::Forbidden),
            };
            if allowed
                && catalog.shared_link_reaches(link, id).await?
                && let Some(asset) = catalog.asset(id).await?
                && asset.visibility != Visibility::Locked
            {
                return Ok(asset);
            }
            Err(refused)
        }
        Actor::User { id: user, elevated } => {
            let Some(asset) = catalog.asset(id).await? else {
                return Err(refused);
            };
            if asset.visibility == Visibility::Locked {
                return if asset.owner_id == user && elevated {
                    Ok(asset)
                } else {
                    Err(refused)
                };
            }
            if asset.owner_id == user
                || (access.reads() && catalog.asset_in_shared_album(user, id).await?)
                || (access.partner_may() && partner_sees(catalog, user, &asset).await?)
            {
                return Ok(asset);
            }
            Err(refused)
        }
    }
}

/// The assets, if every one is `actor`'s own to change with `access` (Immich's all-or-nothing
/// owner check: one refused refuses all). Locked ones need an unlocked session; links change
/// nothing.
pub async fn owned_assets(
    catalog: &dyn Catalog,
    actor: Actor<'_>,
    ids: &[Uuid],
    access: Permission,
) -> Result<Vec<Asset>, Refused> {
    let mut assets = Vec::with_capacity(ids.len());
    for id in ids {
        assets.push(asset(catalog, actor, *id, AssetAccess::Change(access)).await?);
    }
    Ok(assets)
}

/// Who someone is to an album.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Owner,
    Member(AlbumRole),
}

impl Standing {
    /// Owners and editors change an album's contents and share it; viewers only look.
    pub fn edits(self) -> bool {
        self != Standing::Member(AlbumRole::Viewer)
    }
}

/// The album and `actor`'s standing in it, if `allowed` accepts that standing. A link to the album
/// reads it as a viewer, and may do nothing else (`access` other than `album.read`).
pub async fn album(
    catalog: &dyn Catalog,
    actor: Actor<'_>,
    id: Uuid,
    access: Permission,
    allowed: fn(Standing) -> bool,
) -> Result<(AlbumSummary, Standing), Refused> {
    let refused = Refused::NoAccess(access);
    let user = match actor {
        Actor::Link(link) => {
            if access != Permission::AlbumRead || link.album_id != Some(id) {
                return Err(refused);
            }
            let summary = catalog.album(id).await?.ok_or(refused)?;
            return Ok((summary, Standing::Member(AlbumRole::Viewer)));
        }
        Actor::User { id, .. } => id,
    };
    let Some(summary) = catalog.album(id).await? else {
        return Err(refused);
    };
    let standing = if summary.album.owner_id == user {
        Some(Standing::Owner)
    } else {
        summary
            .members
            .iter()
            .find(|m| m.user.id == user)
            .map(|m| Standing::Member(m.role))
    };
    match standing {
        Some(standing) if allowed(standing) => Ok((summary, standing)),
        _ => Err(refused),
    }
}

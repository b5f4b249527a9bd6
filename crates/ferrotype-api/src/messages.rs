//! Immich's answers to requests that break a rule, in one catalogue: each with its status and
//! its exact text (clients and Immich's own tests compare them). Routes return
//! `ApiError::from(messages::NAME)`; answers with a variable part are functions of `ApiError`
//! (`no_access`) or built where their part is known. The texts are Immich 3.x's where Immich has
//! the rule; the others are ours, worded the same way.

use axum::http::StatusCode;

use crate::error::ApiError;

/// A refusal: the status and the message of Immich's error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: &'static str,
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::new(r.status, r.message)
    }
}

const fn refusal(status: StatusCode, message: &'static str) -> Refusal {
    Refusal { status, message }
}

// 401: who is asking is not established.
pub const AUTHENTICATION_REQUIRED: Refusal =
    refusal(StatusCode::UNAUTHORIZED, "Authentication required");
pub const ELEVATED_PERMISSION_IS_REQUIRED: Refusal =
    refusal(StatusCode::UNAUTHORIZED, "Elevated permission is required");
pub const INCORRECT_EMAIL_OR_PASSWORD: Refusal =
    refusal(StatusCode::UNAUTHORIZED, "Incorrect email or password");
pub const INVALID_API_KEY: Refusal = refusal(StatusCode::UNAUTHORIZED, "Invalid API key");
pub const INVALID_PASSWORD: Refusal = refusal(StatusCode::UNAUTHORIZED, "Invalid password");
pub const INVALID_SHARE_KEY: Refusal = refusal(StatusCode::UNAUTHORIZED, "Invalid share key");
pub const INVALID_USER_TOKEN: Refusal = refusal(StatusCode::UNAUTHORIZED, "Invalid user token");
pub const PASSWORD_LOGIN_HAS_BEEN_DISABLED: Refusal =
    refusal(StatusCode::UNAUTHORIZED, "Password login has been disabled");
pub const PASSWORD_REQUIRED: Refusal = refusal(StatusCode::UNAUTHORIZED, "Password required");

// 403: who is asking may not do this.
pub const CANNOT_DELETE_YOUR_OWN_ACCOUNT: Refusal =
    refusal(StatusCode::FORBIDDEN, "Cannot delete your own account");
pub const FORBIDDEN: Refusal = refusal(StatusCode::FORBIDDEN, "Forbidden");
pub const NOT_AUTHENTICATED_WITH_AN_API_KEY: Refusal =
    refusal(StatusCode::FORBIDDEN, "Not authenticated with an API Key");
pub const SYNC_WITH_API_KEY: Refusal = refusal(
    StatusCode::FORBIDDEN,
    "Sync endpoints cannot be used with API keys",
);

// 404: nothing there.
pub const ASSET_MEDIA_NOT_FOUND: Refusal = refusal(StatusCode::NOT_FOUND, "Asset media not found");
pub const FILE_NOT_FOUND: Refusal = refusal(StatusCode::NOT_FOUND, "File not found");
pub const NOT_FOUND: Refusal = refusal(StatusCode::NOT_FOUND, "Not Found");
pub const NO_PROFILE_IMAGE: Refusal =
    refusal(StatusCode::NOT_FOUND, "User does not have a profile image");

// 400: the request breaks a rule.
pub const ADMIN_STATUS_BY_ANOTHER_ADMIN: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Admin status can only be changed by another admin",
);
pub const ALBUM_NOT_SHARED_WITH_USER: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Album not shared with user");
pub const API_KEY_NOT_FOUND: Refusal = refusal(StatusCode::BAD_REQUEST, "API Key not found");
pub const ASSET_DATA_REQUIRED: Refusal = refusal(StatusCode::BAD_REQUEST, "assetData is required");
pub const ASSET_IS_NOT_A_VIDEO: Refusal = refusal(StatusCode::BAD_REQUEST, "Asset is not a video");
pub const CANNOT_ADD_ANOTHER_OWNER: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Cannot add another owner");
pub const CANNOT_REMOVE_ALBUM_OWNER: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Cannot remove album owner");
pub const COORDINATES_OUT_OF_RANGE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "latitude or longitude out of range",
);
pub const DATE_TIME_ORIGINAL_NOT_ISO: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "dateTimeOriginal must be a valid ISO 8601 date string",
);
pub const DOWNLOAD_NEEDS_ASSETS_ALBUM_OR_USER: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "assetIds, albumId, or userId is required",
);
pub const EMAIL_INVALID: Refusal = refusal(StatusCode::BAD_REQUEST, "email must be an email");
pub const EMAIL_IS_NOT_AVAILABLE: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Email is not available");
pub const FILE_CREATED_AT_NOT_ISO: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "fileCreatedAt must be a valid ISO 8601 date string",
);
pub const FILE_IS_REQUIRED: Refusal = refusal(StatusCode::BAD_REQUEST, "file is required");
pub const FILE_MODIFIED_AT_NOT_ISO: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "fileModifiedAt must be a valid ISO 8601 date string",
);
pub const INVALID_ALBUM_ID: Refusal = refusal(StatusCode::BAD_REQUEST, "Invalid albumId");
pub const INVALID_ALBUM_THUMBNAIL: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Invalid album thumbnail");
pub const INVALID_ASSET_IDS: Refusal = refusal(StatusCode::BAD_REQUEST, "Invalid assetIds");
pub const INVALID_LICENSE_KEY: Refusal = refusal(StatusCode::BAD_REQUEST, "Invalid license key");
pub const INVALID_SHARED_LINK_TYPE: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Invalid shared link type");
pub const INVALID_USER: Refusal = refusal(StatusCode::BAD_REQUEST, "Invalid user");
pub const LATITUDE_WITHOUT_LONGITUDE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "latitude and longitude go together",
);
pub const LINK_TYPE_UNKNOWN: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "type must be one of the following values: ALBUM, INDIVIDUAL",
);
pub const LIVE_PHOTO_VIDEO_ID_NOT_UUID: Refusal =
    refusal(StatusCode::BAD_REQUEST, "livePhotoVideoId must be a UUID");
pub const LIVE_PHOTO_VIDEO_MUST_BE_A_VIDEO: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Live photo video must be a video");
pub const LIVE_PHOTO_VIDEO_NOT_FOUND: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Live photo video not found");
pub const LIVE_PHOTO_VIDEO_NOT_OWNED: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Live photo video does not belong to the user",
);
pub const METADATA_NOT_KEY_VALUE_LIST: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "metadata must be an array of {key, value} objects",
);
pub const NEW_PASSWORD_EMPTY: Refusal =
    refusal(StatusCode::BAD_REQUEST, "newPassword should not be empty");
pub const NOTIFICATION_NOT_FOUND: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Notification not found");
pub const NO_FIELDS_TO_UPDATE: Refusal = refusal(StatusCode::BAD_REQUEST, "No fields to update");
pub const ORDER_NOT_ASC_OR_DESC: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "order must be one of the following values: asc, desc",
);
pub const PARTNER_ALREADY_EXISTS: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Partner already exists");
pub const PARTNER_NOT_FOUND: Refusal = refusal(StatusCode::BAD_REQUEST, "Partner not found");
/// Immich has no such check (it makes the partnership); sharing with oneself means nothing.
pub const PARTNER_NOT_YOURSELF: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Cannot share with yourself");
pub const PASSWORD_EMPTY: Refusal =
    refusal(StatusCode::BAD_REQUEST, "password should not be empty");
pub const PROFILE_IMAGE_NOT_FOUND: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Profile image not found");
pub const QUOTA_EXCEEDED: Refusal = refusal(StatusCode::BAD_REQUEST, "Quota has been exceeded!");
pub const QUOTA_NEGATIVE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "quotaSizeInBytes must not be negative",
);
pub const RATING_OUT_OF_RANGE: Refusal =
    refusal(StatusCode::BAD_REQUEST, "rating must be from -1 to 5");
pub const READ_AT_NOT_DATE: Refusal = refusal(StatusCode::BAD_REQUEST, "readAt must be a date");
pub const ROLE_NOT_EDITOR_OR_VIEWER: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "role must be one of the following values: editor, viewer",
);
pub const SESSION_TOKEN_ONLY: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "This endpoint can only be used with a session token",
);
pub const SHARED_LINK_NOT_FOUND: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Shared link not found");
pub const SHARED_LINK_SLUG_TAKEN: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Shared link with this slug already exists",
);
pub const SHARED_LINK_WITHOUT_PASSWORD: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Shared link is not password protected",
);
pub const SMTP_INVALID: Refusal = refusal(StatusCode::BAD_REQUEST, "Invalid SMTP configuration");
pub const SMTP_NOT_VERIFIED: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Failed to verify SMTP configuration",
);
pub const TIME_BUCKET_NOT_DATE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "timeBucket must be a date like 2024-05-01",
);
pub const TIME_BUCKET_NOT_STRING: Refusal =
    refusal(StatusCode::BAD_REQUEST, "timeBucket must be a string");
pub const WITH_PARTNERS_UNSUPPORTED: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "withPartners is only supported for non-archived, non-trashed, non-favorited, non-locked assets",
);
pub const ANOTHER_USERS_LOCKED_TIMELINE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "You may not access another user's locked timeline",
);
pub const USER_ALREADY_ADDED: Refusal = refusal(StatusCode::BAD_REQUEST, "User already added");
pub const USER_ID_NOT_UUID_OR_ME: Refusal =
    refusal(StatusCode::BAD_REQUEST, "userId must be a UUID or me");
pub const USER_IS_OWNER: Refusal = refusal(StatusCode::BAD_REQUEST, "User is owner");
pub const USER_NOT_FOUND: Refusal = refusal(StatusCode::BAD_REQUEST, "User not found");
pub const VISIBILITY_UNKNOWN: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "visibility must be one of the following values: archive, timeline, hidden, locked",
);
pub const WRONG_PASSWORD: Refusal = refusal(StatusCode::BAD_REQUEST, "Wrong password");
pub const TAG_ALREADY_EXISTS: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "A tag with that name already exists",
);
pub const TAG_NOT_FOUND: Refusal = refusal(StatusCode::BAD_REQUEST, "Tag not found");
pub const PRIMARY_ASSET_NOT_IN_STACK: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Primary asset must be in the stack",
);
pub const ASSET_NOT_IN_STACK: Refusal = refusal(StatusCode::BAD_REQUEST, "Asset not in stack");
pub const CANNOT_REMOVE_STACK_PRIMARY: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Cannot remove stack's primary asset",
);
// 400: asset edits (Immich's `AssetService.editAsset`; the edit rules' own texts are
// `ferrotype_core::edits::EditRefused`).
pub const ASSET_NOT_FOUND: Refusal = refusal(StatusCode::BAD_REQUEST, "Asset not found");
pub const EDIT_ONLY_IMAGES: Refusal = refusal(StatusCode::BAD_REQUEST, "Only images can be edited");
pub const EDIT_LIVE_PHOTO: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Editing live photos is not supported",
);
pub const EDIT_PANORAMA: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Editing panorama images is not supported",
);
pub const EDIT_GIF: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Editing GIF images is not supported",
);
pub const EDIT_SVG: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Editing SVG images is not supported",
);
// People (Immich's `PersonService`).
pub const PERSON_NOT_FOUND: Refusal = refusal(StatusCode::NOT_FOUND, "Person not found");
pub const INVALID_FEATURE_FACE: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Invalid assetId for feature face or asset is offline",
);
/// `findOrFail`: a person that passed the access check but is gone.
pub const PERSON_NOT_FOUND_BAD_REQUEST: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Person not found");
pub const MERGE_INTO_ITSELF: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Cannot merge a person into themselves",
);
// Faces (Immich's `PersonService.createFace`).
pub const ASSET_DIMENSIONS_INVALID: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Asset does not have valid dimensions",
);
// Maintenance mode (`routes/maintenance.rs`): Immich's maintenance worker's texts, then ours.
pub const MISSING_JWT_TOKEN: Refusal = refusal(StatusCode::UNAUTHORIZED, "Missing JWT Token");
pub const INVALID_JWT_TOKEN: Refusal = refusal(StatusCode::UNAUTHORIZED, "Invalid JWT Token");
pub const NOT_IN_MAINTENANCE_MODE: Refusal =
    refusal(StatusCode::BAD_REQUEST, "Not in maintenance mode");
/// Ferrotype makes no database backups (ARCHITECTURE.md, "Maintenance mode").
pub const NO_DATABASE_BACKUPS: Refusal = refusal(
    StatusCode::BAD_REQUEST,
    "Ferrotype has no database backups to restore",
);
/// Every API request but those Immich's maintenance worker serves, while maintenance is on.
pub const IN_MAINTENANCE_MODE: Refusal = refusal(
    StatusCode::SERVICE_UNAVAILABLE,
    "The server is in maintenance mode",
);

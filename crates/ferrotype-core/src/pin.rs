//! The PIN code and the locked folder (Immich 3.x): a user may set a six-digit PIN code; a
//! session unlocked with it may see and change assets whose visibility is `locked` for 15
//! minutes, kept open while it is used (`keep_unlocked`). Resetting the code locks every
//! session. The code is stored as an argon2 hash, as passwords are.

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::accounts::{AccountError, hash_password, verify_password};
use crate::catalog::{Catalog, CatalogError};
use crate::model::{Session, SessionChange, Timestamp, User};

/// How long an unlock lasts.
pub const UNLOCK_MINUTES: i64 = 15;

/// An unlocked session used within this many minutes of its unlock's end is kept unlocked
/// this long from then on (Immich's rule in its session check).
pub const EXTEND_MINUTES: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("User already has a PIN code")]
    AlreadySet,
    #[error("User does not have a PIN code")]
    NotSet,
    #[error("Wrong password")]
    WrongPassword,
    #[error("Wrong PIN code")]
    WrongPin,
    #[error("Either password or pinCode is required")]
    NothingGiven,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// What proves the user may change or reset their PIN code: the password or the code.
#[derive(Debug, Default, Clone)]
pub struct Proof<'a> {
    pub password: Option<&'a str>,
    pub pin_code: Option<&'a str>,
}

async fn check(catalog: &dyn Catalog, user: &User, proof: &Proof<'_>) -> Result<(), PinError> {
    let Some(stored) = catalog.pin_code_hash(user.id).await? else {
        return Err(PinError::NotSet);
    };
    match (proof.password, proof.pin_code) {
        (Some(password), _) => {
            let ok = user
                .password_hash
                .as_deref()
                .is_some_and(|h| verify_password(password, h));
            if ok {
                Ok(())
            } else {
                Err(PinError::WrongPassword)
            }
        }
        (None, Some(pin)) if verify_password(pin, &stored) => Ok(()),
        (None, Some(_)) => Err(PinError::WrongPin),
        (None, None) => Err(PinError::NothingGiven),
    }
}

pub async fn set_up(catalog: &dyn Catalog, user_id: Uuid, pin: &str) -> Result<(), PinError> {
    if catalog.pin_code_hash(user_id).await?.is_some() {
        return Err(PinError::AlreadySet);
    }
    let hash = hash_password(pin)?;
    catalog.set_pin_code_hash(user_id, Some(&hash)).await?;
    Ok(())
}

pub async fn change(
    catalog: &dyn Catalog,
    user: &User,
    proof: &Proof<'_>,
    new_pin: &str,
) -> Result<(), PinError> {
    check(catalog, user, proof).await?;
    let hash = hash_password(new_pin)?;
    catalog.set_pin_code_hash(user.id, Some(&hash)).await?;
    Ok(())
}

/// Removes the code and locks every session of the user.
pub async fn reset(catalog: &dyn Catalog, user: &User, proof: &Proof<'_>) -> Result<(), PinError> {
    check(catalog, user, proof).await?;
    catalog.set_pin_code_hash(user.id, None).await?;
    catalog.lock_sessions_of(user.id).await?;
    Ok(())
}

/// Unlocks the session for `UNLOCK_MINUTES`.
pub async fn unlock(
    catalog: &dyn Catalog,
    user: &User,
    session: &Session,
    pin: &str,
) -> Result<(), PinError> {
    let proof = Proof {
        password: None,
        pin_code: Some(pin),
    };
    check(catalog, user, &proof).await?;
    let change = SessionChange {
        pin_expires_at: Some(Some(Utc::now() + Duration::minutes(UNLOCK_MINUTES))),
        ..SessionChange::default()
    };
    catalog.update_session(session.id, &change).await?;
    Ok(())
}

pub async fn lock(catalog: &dyn Catalog, session_id: Uuid) -> Result<(), PinError> {
    let change = SessionChange {
        pin_expires_at: Some(None),
        ..SessionChange::default()
    };
    catalog.update_session(session_id, &change).await?;
    Ok(())
}

/// The new end of a session's unlock when it is used at `now`: still unlocked, but ending
/// within `EXTEND_MINUTES`, it is moved to `EXTEND_MINUTES` from now (so a user browsing the
/// locked folder is not locked out mid-use, while an idle session still locks within five
/// minutes). `None`: nothing to change (locked, expired, or ending later than that).
pub fn extended_unlock(pin_expires_at: Option<Timestamp>, now: Timestamp) -> Option<Timestamp> {
    let ends = pin_expires_at?;
    let extended = now + Duration::minutes(EXTEND_MINUTES);
    (ends > now && extended > ends).then_some(extended)
}

/// Applies `extended_unlock` to a session being used: stores the new end and updates `session`
/// to match, so the request sees what is stored.
pub async fn keep_unlocked(
    catalog: &dyn Catalog,
    session: &mut Session,
    now: Timestamp,
) -> Result<(), CatalogError> {
    if let Some(ends) = extended_unlock(session.pin_expires_at, now) {
        let change = SessionChange {
            pin_expires_at: Some(Some(ends)),
            ..SessionChange::default()
        };
        catalog.update_session(session.id, &change).await?;
        session.pin_expires_at = Some(ends);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unlock_near_its_end_is_extended_when_used() {
        let now = Utc::now();
        let five = now + Duration::minutes(5);
        // Locked, or already expired: stays so.
        assert_eq!(extended_unlock(None, now), None);
        assert_eq!(extended_unlock(Some(now - Duration::seconds(1)), now), None);
        assert_eq!(extended_unlock(Some(now), now), None);
        // More than five minutes left: unchanged.
        assert_eq!(
            extended_unlock(Some(now + Duration::minutes(10)), now),
            None
        );
        assert_eq!(extended_unlock(Some(five), now), None);
        // Less than five minutes left: five minutes from now.
        assert_eq!(
            extended_unlock(Some(now + Duration::seconds(30)), now),
            Some(five)
        );
        assert_eq!(
            extended_unlock(Some(five - Duration::milliseconds(1)), now),
            Some(five)
        );
    }
}

//! Immich's maintenance mode: while it is on, the API answers only what Immich's maintenance
//! worker serves and no background job starts. The state is Immich's `maintenance-mode` system
//! metadata (`{isMaintenanceMode, secret, action}`), so a restarted server stays in maintenance
//! and every process on a shared catalog sees it; each process keeps a copy in memory
//! (`MaintenanceMode`), read again when the bus says it changed (`BusMessage::MaintenanceChanged`).

use std::sync::RwLock;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{Catalog, CatalogError};
use crate::system_config::keys;

/// The stored state, as Immich stores it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceState {
    pub is_maintenance_mode: bool,
    /// What the maintenance tokens are signed with; a new one each time maintenance starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The `SetMaintenanceModeDto` that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Value>,
}

impl MaintenanceState {
    /// The action under way (`status.action`): the one that started maintenance, `start` when
    /// none was recorded, `end` outside maintenance.
    pub fn action_name(&self) -> String {
        if !self.is_maintenance_mode {
            return "end".to_string();
        }
        self.action
            .as_ref()
            .and_then(|a| a["action"].as_str())
            .unwrap_or("start")
            .to_string()
    }
}

/// This process's copy of the state.
#[derive(Debug, Default)]
pub struct MaintenanceMode {
    current: RwLock<MaintenanceState>,
}

/// Immich's secret: 64 random bytes, in hex.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn state_json(state: &MaintenanceState) -> Result<Value, CatalogError> {
    serde_json::to_value(state).map_err(|e| CatalogError::Backend(e.to_string()))
}

async fn stored(catalog: &dyn Catalog) -> Result<MaintenanceState, CatalogError> {
    let value = catalog.system_metadata(keys::MAINTENANCE_MODE).await?;
    Ok(value
        .and_then(|v| match serde_json::from_value::<MaintenanceState>(v) {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::error!("unreadable maintenance mode state, taken as off: {e}");
                None
            }
        })
        // A state that says on without a secret could never be ended: taken as off.
        .filter(|s| !s.is_maintenance_mode || s.secret.is_some())
        .unwrap_or_default())
}

impl MaintenanceMode {
    /// The stored state.
    pub async fn load(catalog: &dyn Catalog) -> Result<Self, CatalogError> {
        Ok(MaintenanceMode {
            current: RwLock::new(stored(catalog).await?),
        })
    }

    /// Reads the stored state again (another process changed it).
    pub async fn reload(&self, catalog: &dyn Catalog) -> Result<(), CatalogError> {
        let state = stored(catalog).await?;
        self.set(state);
        Ok(())
    }

    fn set(&self, state: MaintenanceState) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub fn get(&self) -> MaintenanceState {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn is_active(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_maintenance_mode
    }

    /// Turns maintenance on with a new secret, stored before it holds here; returns the state.
    pub async fn start(
        &self,
        catalog: &dyn Catalog,
        action: Value,
    ) -> Result<MaintenanceState, CatalogError> {
        let state = MaintenanceState {
            is_maintenance_mode: true,
            secret: Some(generate_secret()),
            action: Some(action),
        };
        catalog
            .set_system_metadata(keys::MAINTENANCE_MODE, &state_json(&state)?)
            .await?;
        self.set(state.clone());
        Ok(state)
    }

    /// Turns maintenance off (the secret is forgotten, so its tokens are worthless).
    pub async fn end(&self, catalog: &dyn Catalog) -> Result<(), CatalogError> {
        let state = MaintenanceState::default();
        catalog
            .set_system_metadata(keys::MAINTENANCE_MODE, &state_json(&state)?)
            .await?;
        self.set(state);
        Ok(())
    }
}

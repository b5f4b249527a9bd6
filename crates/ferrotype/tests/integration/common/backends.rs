//! Stories that run on both catalogs: a server on SQLite or on PostgreSQL (a fresh database of
//! the test binary's throwaway cluster), its admin and named users signed in, and
//! `on_both_backends!` to make a test of each story on each.

use ferrotype_postgres::testing::TestCluster;
use serde_json::json;

use super::{Client, Server, admin, login};

/// Which catalog the server keeps.
#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh server with an empty catalog of this kind.
    pub async fn server(self) -> Server {
        match self {
            Backend::Sqlite => Server::start(),
            Backend::Postgres => {
                let url = TestCluster::shared().database_url().await;
                Server::start_with(&[("FERROTYPE_DATABASE_URL", url.as_str())])
            }
        }
    }
}

/// The admin and one user per name (`<name lowercased>@example.com`, password
/// `password-1234`), made by the admin and each signed in.
pub async fn admin_and_users<const N: usize>(
    server: &Server,
    names: [&str; N],
) -> (Client, [Client; N]) {
    let admin = admin(server).await;
    let mut users = Vec::with_capacity(N);
    for name in names {
        let email = format!("{}@example.com", name.to_lowercase());
        let r = admin
            .post(
                "/api/admin/users",
                json!({"email": email, "password": "password-1234", "name": name}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        users.push(login(server, &email, "password-1234").await);
    }
    let Ok(users) = users.try_into() else {
        unreachable!("one user per name")
    };
    (admin, users)
}

/// Each story (an `async fn(Backend)` of the module) as a test on SQLite, in `mod sqlite`, and
/// one on PostgreSQL, in `mod postgres`.
#[allow(unused_macros)] // Only the integration binary has stories on both backends.
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    super::$story($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}
#[allow(unused_imports)] // Only the integration binary has stories on both backends.
pub(crate) use on_both_backends;

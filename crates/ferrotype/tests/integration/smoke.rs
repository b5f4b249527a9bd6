use crate::common::*;

#[tokio::test]
async fn starts_and_answers_ping() {
    let mut server = Server::start();
    let r = Client::new(&server, Cred::None)
        .get("/api/server/ping")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["res"], "pong");
    let status = server.stop();
    assert!(status.success(), "exit status {status}");
}

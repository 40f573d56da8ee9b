//! The dashboard's queries on SQLite (PostgreSQL runs the same checks in postgres.rs).

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_store_on_sqlite() {
    let mut s = TestServer::start().await;
    let db = s.db.clone();
    common::dashboard::checks(&[&s], &db).await;
    s.stop().await;
}

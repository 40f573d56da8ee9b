//! End-user notices: the `notify_user` e-mail's two links, `GET /notice/{token}` (a page that
//! asks for confirmation, because mail scanners fetch links) and `POST /notice/{token}` (the
//! answer). See docs/server.md, End-user notices.

mod answer;
pub mod email;
mod page;
pub mod token;

use rand::RngCore;

use crate::error::Result;
use crate::store::Store;
pub use page::router;
pub use token::{Answer, Claims, NoticeKey};

/// The key notice links are signed with: made at the first start and kept in `settings`, so
/// links survive restarts and every instance sharing the database accepts them.
pub async fn load_key(store: &dyn Store) -> Result<NoticeKey> {
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    Ok(NoticeKey::new(store.notice_key(&fresh).await?))
}

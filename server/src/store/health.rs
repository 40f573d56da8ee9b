//! Which back end this is, and whether its database answers (`/readyz`).

use async_trait::async_trait;

use crate::error::Result;

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;
}

/// `HealthStore` for a back end with a `read` pool.
macro_rules! health_sql {
    ($store:ty, $dialect:expr) => {
        #[async_trait::async_trait]
        impl crate::store::HealthStore for $store {
            fn backend(&self) -> &'static str {
                $dialect.name
            }

            async fn ping(&self) -> crate::error::Result<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }
        }
    };
}

pub(super) use health_sql;

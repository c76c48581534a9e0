//! Where cleaned images are kept, by tenant and id.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use uuid::Uuid;

use super::Processed;

/// Where cleaned images are kept: a local directory in development, an S3-compatible bucket in production.
///
/// Objects are `{tenant_id}/{media_id}` and `{tenant_id}/{media_id}.thumb`: named by id only, and reached only
/// with the tenant's id, so that one tenant cannot read another's image by guessing its media id.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
}

impl MediaStore {
    /// Files under `dir`, which is created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<MediaStore> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the media directory {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(MediaStore { store: Arc::new(store) })
    }

    /// The bucket named by `CIVIC_MEDIA_S3_BUCKET`, or `None` when it is unset. Everything else comes from the
    /// standard `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and
    /// `AWS_ENDPOINT` for an S3-compatible store such as MinIO, Tencent COS or Alibaba OSS; those last two
    /// also want `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`). A bucket with an invalid configuration is an error,
    /// not a silent fallback to local files.
    pub fn s3_from_env() -> anyhow::Result<Option<MediaStore>> {
        let Some(bucket) = std::env::var("CIVIC_MEDIA_S3_BUCKET").ok().filter(|b| !b.trim().is_empty()) else {
            return Ok(None);
        };
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket.trim())
            .build()
            .context("CIVIC_MEDIA_S3_BUCKET is set but the S3 configuration is invalid")?;
        Ok(Some(MediaStore { store: Arc::new(store) }))
    }

    fn key(tenant: Uuid, id: Uuid, thumb: bool) -> ObjectPath {
        let name = if thumb { format!("{id}.thumb") } else { id.to_string() };
        ObjectPath::from_iter([tenant.to_string(), name])
    }

    /// Stores the image and its thumbnail; when either fails, neither is left behind (best effort).
    pub async fn put(&self, tenant: Uuid, id: Uuid, p: &Processed) -> anyhow::Result<()> {
        let (image_key, thumb_key) = (Self::key(tenant, id, false), Self::key(tenant, id, true));
        let image = self.store.put(&image_key, PutPayload::from_bytes(p.image.clone()));
        let thumb = self.store.put(&thumb_key, PutPayload::from_bytes(p.thumb.clone()));
        if let Err(err) = tokio::try_join!(image, thumb) {
            // The write error is the one worth reporting; a failed clean-up leaves an unreferenced object.
            let _ = self.delete(tenant, id).await;
            return Err(err).context("storing an image");
        }
        Ok(())
    }

    /// The image (or its thumbnail), or `None` when there is no such object.
    pub async fn get(&self, tenant: Uuid, id: Uuid, thumb: bool) -> anyhow::Result<Option<Bytes>> {
        match self.store.get(&Self::key(tenant, id, thumb)).await {
            Ok(found) => Ok(Some(found.bytes().await.context("reading an image")?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err).context("reading an image"),
        }
    }

    /// Removes every object of a tenant (when the tenant is purged).
    pub async fn delete_tenant(&self, tenant: Uuid) -> anyhow::Result<usize> {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::from(tenant.to_string());
        let objects: Vec<_> =
            self.store.list(Some(&prefix)).try_collect().await.context("listing a tenant's images")?;
        for o in &objects {
            match self.store.delete(&o.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(err).context("deleting a tenant's image"),
            }
        }
        Ok(objects.len())
    }

    /// Removes the image and its thumbnail; removing what is already gone succeeds.
    pub async fn delete(&self, tenant: Uuid, id: Uuid) -> anyhow::Result<()> {
        for thumb in [false, true] {
            match self.store.delete(&Self::key(tenant, id, thumb)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(err).context("deleting an image"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use image::RgbImage;

    use super::*;
    use crate::infra::media::fixtures::{RED, jpeg};
    use crate::infra::media::process;

    #[tokio::test]
    async fn local_store_round_trips_by_tenant_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::local(&dir.path().join("media")).unwrap();
        let (tenant, other_tenant, id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = process(&jpeg(&RgbImage::from_pixel(800, 400, RED))).unwrap();

        assert_eq!(store.get(tenant, id, false).await.unwrap(), None);
        store.put(tenant, id, &p).await.unwrap();
        assert_eq!(store.get(tenant, id, false).await.unwrap(), Some(p.image.clone()));
        assert_eq!(store.get(tenant, id, true).await.unwrap(), Some(p.thumb.clone()));
        assert_eq!(store.get(other_tenant, id, false).await.unwrap(), None, "another tenant's id finds nothing");
        assert!(dir.path().join(format!("media/{tenant}/{id}.thumb")).is_file());

        store.delete(tenant, id).await.unwrap();
        assert_eq!(store.get(tenant, id, false).await.unwrap(), None);
        assert_eq!(store.get(tenant, id, true).await.unwrap(), None);
        store.delete(tenant, id).await.unwrap();
    }
}

//! Attachment bytes behind a [`BlobStore`] trait: the local filesystem by default, or an
//! S3-compatible bucket ([`S3Blobs`], through the `object_store` crate). Metadata
//! (who, which timesheet, type, size, sha256) lives in the database; the bytes live here,
//! under a random key, written to a temporary file and renamed so a crash never leaves a
//! half-written attachment behind a committed row.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("attachment storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("attachment key `{0}` is not valid")]
    BadKey(String),
    #[error("attachment storage (S3): {0}")]
    Remote(#[from] object_store::Error),
}

#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// Files in one directory, one per key.
#[derive(Debug)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// Keys are ours (UUIDs), but never let one name a path outside the directory.
    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(BlobError::BadKey(key.to_owned()));
        }
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let path = self.path(key)?;
        let tmp = path.with_extension("partial");
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        Ok(tokio::fs::read(self.path(key)?).await?)
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Objects in an S3-compatible bucket, one per key (under an optional prefix).
#[derive(Debug)]
pub struct S3Blobs {
    store: object_store::aws::AmazonS3,
    prefix: String,
}

impl S3Blobs {
    pub fn new(s: &crate::config::S3Settings) -> Result<Self, BlobError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key)
            .with_allow_http(s.allow_http);
        if let Some(endpoint) = &s.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        Ok(Self {
            store: builder.build()?,
            prefix: s
                .prefix
                .clone()
                .unwrap_or_default()
                .trim_matches('/')
                .to_owned(),
        })
    }

    fn path(&self, key: &str) -> Result<object_store::path::Path, BlobError> {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(BlobError::BadKey(key.to_owned()));
        }
        Ok(if self.prefix.is_empty() {
            object_store::path::Path::from(key)
        } else {
            object_store::path::Path::from(format!("{}/{key}", self.prefix))
        })
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        use object_store::ObjectStoreExt as _;
        self.store.put(&self.path(key)?, bytes.into()).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        use object_store::ObjectStoreExt as _;
        Ok(self
            .store
            .get(&self.path(key)?)
            .await?
            .bytes()
            .await?
            .to_vec())
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        use object_store::ObjectStoreExt as _;
        match self.store.delete(&self.path(key)?).await {
            Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The types accepted for a timesheet attachment, recognised by their first bytes (the
/// client's `Content-Type` must agree): PDF, JPEG and PNG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// The default directory: `attachments/` beside the database file.
pub fn default_dir(database: &Path) -> PathBuf {
    database
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("attachments")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }

    #[tokio::test]
    async fn blobs_round_trip_and_keys_cannot_escape_the_directory() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = LocalBlobs::new(dir.path()).expect("blobs");
        blobs.put("abc-123", b"hello".to_vec()).await.expect("put");
        assert_eq!(blobs.get("abc-123").await.expect("get"), b"hello");
        assert!(matches!(
            blobs.put("../etc/passwd", vec![]).await,
            Err(BlobError::BadKey(_))
        ));
        blobs.delete("abc-123").await.expect("delete");
        blobs
            .delete("abc-123")
            .await
            .expect("deleting twice is fine");
        assert!(blobs.get("abc-123").await.is_err());
    }
}

//! Argon2id into memory the caller keeps, so a hashing thread reuses one block buffer for every
//! run instead of allocating 19 MiB per run.
//!
//! Why: glibc's allocator raises its mmap threshold after the first large block is freed, so
//! later 19 MiB buffers come from the heap and stay resident after they are freed. Under a flood
//! of sign-ins that grew the server past 370 MiB; with one buffer per hashing thread the hashing
//! memory is `threads × 19 MiB`, whatever the load.
//!
//! The hashes are the standard PHC strings the `argon2` crate writes and reads (a test checks
//! both directions), so stored hashes, kiosk PIN hashes and this module stay interchangeable.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The largest stored hash this server will verify, in KiB (the default is 19,456). A hash
/// asking for more is treated as not matching rather than letting a row size the allocation.
const MAX_MEMORY_KIB: u32 = 256 * 1024;

/// One thread's argon2 working memory: grown to the largest run so far, never shrunk.
#[derive(Default)]
pub struct ArgonMemory {
    blocks: Vec<Block>,
}

impl std::fmt::Debug for ArgonMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArgonMemory({} blocks)", self.blocks.len())
    }
}

impl ArgonMemory {
    /// One argon2 run of `password` with `salt` into `out`, in this thread's blocks (grown to
    /// what `params` needs).
    fn run(
        &mut self,
        (algorithm, version, params): (Algorithm, Version, Params),
        password: &str,
        salt: Salt<'_>,
        out: &mut [u8],
    ) -> Result<(), argon2::password_hash::Error> {
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let count = params.block_count();
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            out,
            &mut self.blocks[..count],
        )?;
        Ok(())
    }

    /// A PHC-format argon2id hash with the default parameters and a fresh random salt.
    pub fn hash(&mut self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        let params = Params::default();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon2id = (Algorithm::Argon2id, Version::V0x13, params.clone());
        self.run(argon2id, password, salt.as_salt(), &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the PHC string `hash` (any argon2 variant, version and
    /// parameters); a malformed hash matches nothing. The comparison is constant-time.
    pub fn verify(&mut self, password: &str, hash: &str) -> bool {
        self.try_verify(password, hash).unwrap_or(false)
    }

    fn try_verify(
        &mut self,
        password: &str,
        hash: &str,
    ) -> Result<bool, argon2::password_hash::Error> {
        let parsed = PasswordHash::new(hash)?;
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        if params.m_cost() > MAX_MEMORY_KIB {
            return Ok(false);
        }
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let mut out = vec![0u8; expected.len()];
        self.run((algorithm, version, params), password, salt, &mut out)?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out)? == expected)
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_are_the_argon2_crates_own_in_both_directions() {
        let mut memory = ArgonMemory::default();
        let ours = memory.hash("correct horse").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );

        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .expect("hash")
            .to_string();
        assert!(memory.verify("battery staple", &theirs));
        assert!(!memory.verify("battery stapler", &theirs));
    }

    #[test]
    fn other_parameters_and_variants_verify_and_the_buffer_grows_only_as_needed() {
        let mut memory = ArgonMemory::default();
        let small = Params::new(1024, 1, 1, None).expect("params");
        let salt = SaltString::generate(&mut OsRng);
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, small)
            .hash_password(b"pin 4821", &salt)
            .expect("hash")
            .to_string();
        assert!(memory.verify("pin 4821", &argon2i));
        assert_eq!(memory.blocks.len(), 1024);
        memory.hash("pw").expect("hash");
        assert_eq!(memory.blocks.len(), Params::default().block_count());
        assert!(
            memory.verify("pin 4821", &argon2i),
            "a larger buffer still verifies"
        );
        assert_eq!(memory.blocks.len(), Params::default().block_count());
    }

    #[test]
    fn malformed_or_oversized_hashes_match_nothing() {
        let mut memory = ArgonMemory::default();
        assert!(!memory.verify("pw", ""));
        assert!(!memory.verify("pw", "not a hash"));
        assert!(!memory.verify("pw", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"));
        let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!memory.verify("pw", huge));
        assert!(memory.blocks.is_empty(), "refused before allocating");
    }
}

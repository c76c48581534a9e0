//! Keys derived from `CIVIC_SECRET_KEY`, and the primitives built on them. Nothing here is hand-rolled:
//! HKDF, HMAC, AES-256-GCM, SHA-256 (RustCrypto), argon2id (`argon2`) and JWT (`jsonwebtoken`).

use aes_gcm::{Aes256Gcm, KeyInit, aead::Aead};
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

type HmacSha256 = Hmac<Sha256>;

/// Keys for one deployment. Each purpose has its own key, derived with HKDF so that none can stand in for
/// another.
pub struct Keys {
    token_encoding: EncodingKey,
    token_decoding: DecodingKey,
    pii: Aes256Gcm,
    lookup: [u8; 32],
    state: [u8; 32],
    payment_notify: [u8; 32],
}

fn derive(secret: &[u8], purpose: &str) -> [u8; 32] {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(b"civic/v1"), secret);
    let mut out = [0u8; 32];
    hk.expand(purpose.as_bytes(), &mut out).expect("32 bytes is a valid HKDF-SHA256 length");
    out
}

impl Keys {
    pub fn from_secret(secret: &[u8]) -> Keys {
        let token = derive(secret, "session-token");
        let pii = derive(secret, "personal-data-encryption");
        Keys {
            token_encoding: EncodingKey::from_secret(&token),
            token_decoding: DecodingKey::from_secret(&token),
            pii: Aes256Gcm::new((&pii).into()),
            lookup: derive(secret, "personal-data-lookup"),
            state: derive(secret, "oauth-state"),
            payment_notify: derive(secret, "simulated-payment-notification"),
        }
    }

    /// The key that signs the simulated payment provider's notifications.
    pub fn payment_notify_key(&self) -> [u8; 32] {
        self.payment_notify
    }

    /// Encrypts personal data: `v1.` + base64url(nonce ‖ ciphertext+tag).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .pii
            .encrypt((&nonce).into(), plaintext.as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer does not fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1.{}", B64.encode(out))
    }

    pub fn decrypt(&self, sealed: &str) -> AppResult<String> {
        let fail = || AppError::internal(anyhow::anyhow!("stored personal data did not decrypt"));
        let body = sealed.strip_prefix("v1.").ok_or_else(fail)?;
        let bytes = B64.decode(body).map_err(|_| fail())?;
        if bytes.len() < 12 {
            return Err(fail());
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self.pii.decrypt(nonce.into(), ct).map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }

    /// A keyed hash for finding a row by a personal value without storing the value in clear.
    pub fn lookup_hash(&self, kind: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.lookup).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Signs an OAuth `state` for a tenant: the one-time `nonce` the service keeps for it, valid until `expires`
    /// (unix seconds).
    pub fn sign_state(&self, tenant_slug: &str, nonce: Uuid, expires: i64) -> String {
        let payload = format!("{tenant_slug}.{expires}.{}", nonce.simple());
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.state).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        format!("{}.{}", B64.encode(payload), B64.encode(mac.finalize().into_bytes()))
    }

    /// The nonce of a `state` this service signed for the tenant, unexpired at `now`.
    pub fn verify_state(&self, state: &str, tenant_slug: &str, now: i64) -> Option<Uuid> {
        let (payload, tag) = state.split_once('.')?;
        let (payload, tag) = (B64.decode(payload).ok()?, B64.decode(tag).ok()?);
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.state).expect("HMAC takes any key length");
        mac.update(&payload);
        mac.verify_slice(&tag).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let mut parts = payload.rsplitn(3, '.');
        let (nonce, expires, slug) = (parts.next()?, parts.next()?, parts.next()?);
        let fresh = slug == tenant_slug && expires.parse::<i64>().is_ok_and(|e| e >= now);
        if fresh { Uuid::parse_str(nonce).ok() } else { None }
    }

    pub fn sign_session(&self, claims: &SessionClaims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.token_encoding)
            .expect("HS256 signing of a serialisable struct does not fail")
    }

    /// The claims of a valid session token unexpired at `now` (Unix seconds, from the state's clock); `None` for
    /// anything else.
    pub fn verify_session(&self, token: &str, now: i64) -> Option<SessionClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the given time, not the system's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<SessionClaims>(token, &self.token_decoding, &validation).ok()?.claims;
        (claims.exp + 5 >= now).then_some(claims)
    }
}

/// What a session token says. `ep` is the staff account's session epoch: a password change raises it and so
/// ends every session issued before.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SessionClaims {
    pub sub: uuid::Uuid,
    pub tid: uuid::Uuid,
    pub kind: SessionKind,
    pub ep: i32,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    Staff,
    Consumer,
    /// The platform operator's console session (`sub` and `tid` nil; `ep` the platform token's fingerprint).
    Platform,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn secret_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()).ct_eq(&Sha256::digest(b.as_bytes())).into()
}

/// `n` random bytes, base64url.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// A new tenant API key and the hash that is stored. Keys carry 256 random bits, so SHA-256 suffices.
pub fn new_api_key() -> (String, String) {
    let key = format!("ck_{}", random_token(32));
    let hash = sha256_hex(&key);
    (key, hash)
}

/// argon2id with the crate's default (OWASP) parameters. Slow on purpose: call from a blocking thread.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters does not fail")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_secret(&[7u8; 32])
    }

    #[test]
    fn personal_data_round_trips_and_is_not_stored_in_clear() {
        let k = keys();
        let sealed = k.encrypt("13800138000");
        assert!(!sealed.contains("13800138000"));
        assert_ne!(sealed, k.encrypt("13800138000"), "a fresh nonce each time");
        assert_eq!(k.decrypt(&sealed).unwrap(), "13800138000");
        assert!(Keys::from_secret(&[8u8; 32]).decrypt(&sealed).is_err(), "another key cannot read it");
    }

    #[test]
    fn oauth_state_is_bound_to_tenant_and_time() {
        let k = keys();
        let nonce = Uuid::now_v7();
        let s = k.sign_state("acme", nonce, 1000);
        assert_eq!(k.verify_state(&s, "acme", 999), Some(nonce));
        assert_eq!(k.verify_state(&s, "other", 999), None);
        assert_eq!(k.verify_state(&s, "acme", 1001), None);
        assert_eq!(k.verify_state(&format!("{s}x"), "acme", 999), None);
    }

    #[test]
    fn passwords_verify_only_with_the_right_text() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsf"));
    }
}

//! Request signing for Binance REST and the WebSocket API.
//!
//! * REST: the signed payload is the query string followed (no separator) by the form body, with
//!   every value percent-encoded (UTF-8) BEFORE signing. HMAC signatures are lowercase hex;
//!   Ed25519 and RSA signatures are base64 and must be percent-encoded again in the query.
//! * WebSocket API: every parameter except `signature` (including `apiKey`) sorted
//!   alphabetically, joined as `k=v` with `&`, values raw (not percent-encoded).
//!
//! The key kind is chosen from the secret: a PEM private key (PKCS#8) is Ed25519 or RSA, anything
//! else is an HMAC secret.

use base64::Engine as _;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use hmac::{Hmac, Mac};
use keel_exchange::{ExchangeError, ExchangeResult, RejectReason};
use keel_vault::Secret;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rsa::signature::{SignatureEncoding as _, Signer as _};
use sha2::Sha256;
use std::fmt;

/// Characters left as they are in a query value: RFC 3986 unreserved (`A-Z a-z 0-9 - . _ ~`).
/// Everything else (non-ASCII, `+`, `/`, `=`, `&`, space ...) is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one query value (UTF-8), as Binance expects before signing.
pub fn encode_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Builds `k1=v1&k2=v2` in the given order with percent-encoded values (the REST query/body).
pub fn encode_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut out = String::with_capacity(params.len() * 16);
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k.as_ref());
        out.push('=');
        out.push_str(&encode_value(v.as_ref()));
    }
    out
}

/// The REST signature payload: the query string concatenated with the form body (no separator).
pub fn rest_payload(query: &str, body: &str) -> String {
    let mut out = String::with_capacity(query.len() + body.len());
    out.push_str(query);
    out.push_str(body);
    out
}

/// The WebSocket API signature payload: parameters (including `apiKey`, excluding `signature`)
/// sorted alphabetically by name, joined `k=v` with `&`, values raw UTF-8.
pub fn ws_api_payload<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, _)| *k != "signature")
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Which kind of key a [`Signer`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// HMAC-SHA256, hex signature.
    Hmac,
    /// Ed25519 (PKCS#8 PEM), base64 signature. The only kind `session.logon` accepts.
    Ed25519,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (PKCS#8 PEM), base64 signature.
    Rsa,
}

/// Signs Binance requests with the account's secret. `Debug` never prints key material.
pub enum Signer {
    Hmac(Box<Hmac<Sha256>>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({:?}, [redacted])", self.kind())
    }
}

fn bad_key(message: impl Into<String>) -> ExchangeError {
    ExchangeError::rejected(RejectReason::Other, message)
}

impl Signer {
    /// Chooses the signer from the secret: a `-----BEGIN ... PRIVATE KEY-----` PEM is parsed as
    /// an Ed25519 or RSA PKCS#8 key; anything else is an HMAC secret.
    pub fn from_secret(secret: &Secret) -> ExchangeResult<Signer> {
        let raw = secret.expose().trim();
        if raw.is_empty() {
            return Err(bad_key("the API secret is empty"));
        }
        if raw.starts_with("-----BEGIN") {
            if raw.contains("ENCRYPTED") {
                return Err(bad_key(
                    "the private key is encrypted; export it as an unencrypted PKCS#8 PEM",
                ));
            }
            if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(raw) {
                return Ok(Signer::Ed25519(Box::new(key)));
            }
            if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(raw) {
                return Ok(Signer::Rsa(Box::new(
                    rsa::pkcs1v15::SigningKey::<Sha256>::new(key),
                )));
            }
            return Err(bad_key(
                "the private key is not an Ed25519 or RSA key in PKCS#8 PEM form",
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(raw.as_bytes())
            .map_err(|_| bad_key("the API secret cannot be used as an HMAC key"))?;
        Ok(Signer::Hmac(Box::new(mac)))
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            Signer::Hmac(_) => KeyKind::Hmac,
            Signer::Ed25519(_) => KeyKind::Ed25519,
            Signer::Rsa(_) => KeyKind::Rsa,
        }
    }

    /// The signature of `payload`: lowercase hex for HMAC, base64 for Ed25519/RSA.
    pub fn sign(&self, payload: &str) -> String {
        match self {
            Signer::Hmac(mac) => {
                let mut mac = (**mac).clone();
                mac.update(payload.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            Signer::Ed25519(key) => {
                let sig = ed25519_dalek::Signer::sign(key.as_ref(), payload.as_bytes());
                base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
            }
            Signer::Rsa(key) => {
                let sig = key.sign(payload.as_bytes());
                base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
            }
        }
    }

    /// The signature as it goes into a REST query string or form body (percent-encoded, so the
    /// base64 `+`, `/` and `=` survive).
    pub fn sign_for_query(&self, payload: &str) -> String {
        encode_value(&self.sign(payload))
    }

    /// Signs a REST request: returns `query` with `&signature=...` appended. `body` is the form
    /// body (empty for none); the payload is `query + body`.
    pub fn sign_rest(&self, query: &str, body: &str) -> String {
        let signature = self.sign_for_query(&rest_payload(query, body));
        if query.is_empty() {
            format!("signature={signature}")
        } else {
            format!("{query}&signature={signature}")
        }
    }

    /// Signs WebSocket API parameters (which must include `apiKey`): the raw signature value to
    /// put in `params.signature`.
    pub fn sign_ws_api<K: AsRef<str>, V: AsRef<str>>(&self, params: &[(K, V)]) -> String {
        self.sign(&ws_api_payload(params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_secret_is_chosen_for_plain_text_and_debug_is_redacted() {
        let signer = Signer::from_secret(&Secret::new("canary-secret")).expect("hmac");
        assert_eq!(signer.kind(), KeyKind::Hmac);
        assert!(!format!("{signer:?}").contains("canary"));
        assert_eq!(signer.sign("a").len(), 64);
    }

    #[test]
    fn garbage_pem_is_refused_with_a_clear_message() {
        let err = Signer::from_secret(&Secret::new(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ))
        .expect_err("not a key");
        assert!(err.to_string().contains("PKCS#8"), "{err}");
        assert!(Signer::from_secret(&Secret::new("  ")).is_err());
    }

    #[test]
    fn ws_payload_sorts_and_skips_signature() {
        let p = ws_api_payload(&[("b", "2"), ("signature", "x"), ("a", "１")]);
        assert_eq!(p, "a=１&b=2");
        assert_eq!(
            encode_params(&[("a", "x y+/"), ("b", "~.-_")]),
            "a=x%20y%2B%2F&b=~.-_"
        );
    }
}

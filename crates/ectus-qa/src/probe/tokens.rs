//! Forged JWTs: signed with a wrong secret, unsigned (`alg: none`), with another algorithm
//! (HS512) or expired — each one a service must refuse.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// HMAC-SHA256 or HMAC-SHA512 of `message` with `key` (RFC 2104).
fn hmac<D: sha2::Digest + sha2::digest::core_api::BlockSizeUser>(
    key: &[u8],
    message: &[u8],
) -> Vec<u8> {
    let block = <D as sha2::digest::core_api::BlockSizeUser>::block_size();
    let mut key = if key.len() > block {
        D::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    key.resize(block, 0);
    let inner: Vec<u8> = key.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = key.iter().map(|b| b ^ 0x5c).collect();
    let mut first = D::new();
    first.update(&inner);
    first.update(message);
    let mut second = D::new();
    second.update(&outer);
    second.update(first.finalize());
    second.finalize().to_vec()
}

/// A token with `header` and `claims`, signed with `secret` by `alg` (`HS256`, `HS512`, or
/// `none` for no signature).
pub fn token(alg: &str, secret: &str, claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": alg, "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = match alg {
        "HS256" => URL_SAFE_NO_PAD.encode(hmac::<sha2::Sha256>(
            secret.as_bytes(),
            signing_input.as_bytes(),
        )),
        "HS512" => URL_SAFE_NO_PAD.encode(hmac::<sha2::Sha512>(
            secret.as_bytes(),
            signing_input.as_bytes(),
        )),
        _ => String::new(),
    };
    format!("{signing_input}.{signature}")
}

/// The claims a token of this service carries, for `subject`.
pub fn claims(subject: i64, service: &str, expires_in: i64) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    serde_json::json!({
        "sub": subject.to_string(),
        "iat": now,
        "exp": now.saturating_add(expires_in),
        "iss": service,
        "aud": service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_the_rfc_4231_vector() {
        // RFC 4231, test case 2.
        let mac = hmac::<sha2::Sha256>(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

//! Listen addresses in the configuration: `HOST:PORT` with an IP host, and for listeners that
//! can be turned off, `"off"` (or an empty string) for none. A value that is not an address is
//! refused with the value and what is allowed.

use std::net::SocketAddr;

use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer, Serializer};

const EXPECTED: &str = "HOST:PORT with an IP host, such as 127.0.0.1:8080 or 0.0.0.0:8080";
const EXPECTED_OR_OFF: &str =
    "HOST:PORT with an IP host, such as 127.0.0.1:9091, or \"off\" to turn the listener off";

/// `#[serde(with = "address")]` for a required listen address.
pub fn serialize<S: Serializer>(address: &SocketAddr, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(address)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse()
        .map_err(|_| D::Error::invalid_value(Unexpected::Str(&text), &EXPECTED))
}

/// `#[serde(with = "address::optional")]` for a listener that may be off.
pub mod optional {
    use super::*;

    pub fn serialize<S: Serializer>(
        address: &Option<SocketAddr>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match address {
            Some(address) => serializer.collect_str(address),
            None => serializer.serialize_str("off"),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SocketAddr>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() || text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| D::Error::invalid_value(Unexpected::Str(&text), &EXPECTED_OR_OFF))
    }
}

//! The deterministic English analyzer (to be written).

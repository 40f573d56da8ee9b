//! The sizes the v1 protocol allows (docs/protocol.md, docs/identity.md). SDKs refuse a call
//! that breaks one and the server rejects a batch that does, so both sides read them from here.

/// Identifier pairs of one identity.
pub const MAX_PAIRS: usize = 16;
/// An identifier key, after normalization.
pub const MAX_KEY_BYTES: usize = 64;
/// An identifier value, after normalization.
pub const MAX_VALUE_BYTES: usize = 1024;

/// A custom event's name.
pub const MAX_EVENT_NAME_BYTES: usize = 128;
/// Properties of one custom event.
pub const MAX_PROPERTIES: usize = 16;
pub const MAX_PROPERTY_KEY_BYTES: usize = 128;
/// A string property's value.
pub const MAX_PROPERTY_VALUE_BYTES: usize = 4096;
/// Each of the request's user agent, method and path.
pub const MAX_REQUEST_FIELD_BYTES: usize = 2048;

/// Earliest and latest event times accepted (2000-01-01 and 9999-12-31), in Unix milliseconds.
pub const MIN_TS_MS: i64 = 946_684_800_000;
pub const MAX_TS_MS: i64 = 253_402_300_799_000;

/// Events in one batch.
pub const MAX_BATCH_EVENTS: usize = 1000;
/// A batch body as sent (a gzip body is checked before it is inflated).
pub const MAX_COMPRESSED_BODY_BYTES: usize = 1024 * 1024;
/// A batch body once inflated.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

//! The packed values of one region and quarter, the same in every engine. Little-endian,
//! fixed-size entries sorted by metric key; the key is a row of `metric_key`, so the codes are
//! stable within a database.

/// `observation.vals`: metric key, value, and the cell it came from.
pub const OBSERVED: usize = 2 + 8 + 4 + 2;
/// `current_value.vals`: metric key, value, and the observation that brought it.
pub const CURRENT: usize = 2 + 8 + 8;

/// One observed value: (metric key, value, row, column), row and column 0-based.
pub type Observed = (u16, f64, u32, u16);
/// One current value: (metric key, value, observation id).
pub type Current = (u16, f64, i64);

/// Packs observed values.
pub fn encode_observed(entries: &[Observed]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * OBSERVED);
    for &(m, v, r, c) in entries {
        out.extend_from_slice(&m.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&r.to_le_bytes());
        out.extend_from_slice(&c.to_le_bytes());
    }
    out
}

/// Unpacks observed values.
pub fn decode_observed(bytes: &[u8]) -> impl Iterator<Item = Observed> + '_ {
    bytes.chunks_exact(OBSERVED).map(|e| {
        (
            u16::from_le_bytes([e[0], e[1]]),
            f64::from_le_bytes(e[2..10].try_into().unwrap_or_default()),
            u32::from_le_bytes(e[10..14].try_into().unwrap_or_default()),
            u16::from_le_bytes([e[14], e[15]]),
        )
    })
}

/// Packs current values.
pub fn encode_current(entries: &[Current]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * CURRENT);
    for &(m, v, o) in entries {
        out.extend_from_slice(&m.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&o.to_le_bytes());
    }
    out
}

/// Unpacks current values.
pub fn decode_current(bytes: &[u8]) -> impl Iterator<Item = Current> + '_ {
    bytes.chunks_exact(CURRENT).map(|e| {
        (
            u16::from_le_bytes([e[0], e[1]]),
            f64::from_le_bytes(e[2..10].try_into().unwrap_or_default()),
            i64::from_le_bytes(e[10..18].try_into().unwrap_or_default()),
        )
    })
}

//! `garble`: a watch frame cut in half, then the stream closes, as when a proxy, a load
//! balancer or a dying server truncates a chunked response mid-event.

use bytes::Bytes;

/// The first half of `frame` (a `{"type":..,"object":..}` line), newline-terminated: an
/// unbalanced brace, so never valid JSON.
pub fn truncate(frame: &[u8]) -> Bytes {
    let body = frame.strip_suffix(b"\n").unwrap_or(frame);
    let mut half = body[..body.len() / 2].to_vec();
    half.push(b'\n');
    Bytes::from(half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_frame_is_not_json() {
        let frame = b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"}}}\n";
        let cut = truncate(frame);
        assert!(cut.ends_with(b"\n"));
        assert!(cut.len() < frame.len());
        assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err());
        assert!(serde_json::from_slice::<serde_json::Value>(&truncate(b"{}\n")).is_err());
    }
}

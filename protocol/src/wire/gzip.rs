//! Compression of batch bodies.

use std::io::Write;

/// gzip at a fast level: batches are small and CPU on the host app matters more than bytes.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn inflates_back() {
        let body = br#"{"sdk":{},"events":[]}"#.repeat(10);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&super::gzip(&body)[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
    }
}

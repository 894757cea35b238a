//! The fingerprint EC2 gives an imported public key, so that a key imported once is found
//! again (`DescribeKeyPairs` by `fingerprint`) whatever its name: for ED25519 the base64 of the
//! SHA-256 of the key blob (with `=` padding, without OpenSSH's `SHA256:` prefix); for RSA the
//! MD5 of the DER-encoded public key (SubjectPublicKeyInfo), in colon-separated hex.

use base64::Engine;
use md5::Md5;
use sha2::{Digest, Sha256};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The fingerprints EC2 may list for this OpenSSH public key line; empty when the key is not
/// of a type EC2 imports (RSA, ED25519) or cannot be read.
pub(crate) fn fingerprints(public_key: &str) -> Vec<String> {
    let mut parts = public_key.split_whitespace();
    let (Some(kind), Some(body)) = (parts.next(), parts.next()) else {
        return Vec::new();
    };
    let Ok(blob) = B64.decode(body) else {
        return Vec::new();
    };
    match kind {
        "ssh-ed25519" => {
            let padded = B64.encode(Sha256::digest(&blob));
            let bare = padded.trim_end_matches('=').to_string();
            vec![padded, bare]
        }
        "ssh-rsa" => rsa_der(&blob)
            .map(|der| {
                vec![Md5::digest(der)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")]
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The SSH wire blob's length-prefixed fields.
fn fields(mut blob: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !blob.is_empty() {
        let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
        out.push(blob.get(4..4 + len)?);
        blob = &blob[4 + len..];
    }
    Some(out)
}

/// DER length octets.
fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        return vec![n as u8];
    }
    let bytes: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

/// A positive DER INTEGER from an SSH mpint (already two's complement, big-endian).
fn integer(mpint: &[u8]) -> Vec<u8> {
    let mut v: &[u8] = mpint;
    while v.len() > 1 && v[0] == 0 && v[1] & 0x80 == 0 {
        v = &v[1..];
    }
    if v.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = vec![0];
        padded.extend_from_slice(v);
        return der(0x02, &padded);
    }
    der(0x02, v)
}

/// SubjectPublicKeyInfo { rsaEncryption, RSAPublicKey { n, e } } from `ssh-rsa` blob fields
/// (`"ssh-rsa"`, e, n).
fn rsa_der(blob: &[u8]) -> Option<Vec<u8>> {
    let f = fields(blob)?;
    let (e, n) = match f.as_slice() {
        [kind, e, n] if *kind == b"ssh-rsa" => (e, n),
        _ => return None,
    };
    let rsa_key = der(0x30, &[integer(n), integer(e)].concat());
    let mut bit_string = vec![0];
    bit_string.extend(rsa_key);
    // 1.2.840.113549.1.1.1 rsaEncryption, with NULL parameters.
    let algorithm = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    Some(der(0x30, &[algorithm, der(0x03, &bit_string)].concat()))
}

/// The public key line as `ImportKeyPair` takes it (`PublicKeyMaterial`, base64 of the text).
pub(crate) fn material(public_key: &str) -> String {
    B64.encode(public_key.trim())
}

/// Base64, as `UserData` wants it.
pub(crate) fn base64(text: &str) -> String {
    B64.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_is_the_sha256_of_the_blob_with_and_without_padding() {
        // A key whose blob is known: the fingerprint is what `ssh-keygen -l` prints after
        // `SHA256:`, and EC2 may pad it.
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpuLXRlc3Qta2V5LW5vdC1hLXJlYWwtb25lLTAwMDAw test@gpu";
        let blob = B64.decode(key.split_whitespace().nth(1).unwrap()).unwrap();
        let expected = B64.encode(Sha256::digest(&blob));
        let fps = fingerprints(key);
        assert_eq!(fps[0], expected);
        assert!(fps[0].ends_with('='));
        assert_eq!(fps[1], expected.trim_end_matches('='));
        assert!(fingerprints("ssh-dss AAAA x").is_empty());
        assert!(fingerprints("garbage").is_empty());
    }

    #[test]
    fn rsa_is_the_md5_of_the_der_public_key() {
        // A small RSA key built by hand: e = 65537, n = 0xC5 followed by 63 bytes of 0x11 (512
        // bits, top bit set, so DER needs a leading zero).
        let mut n = vec![0x00, 0xC5];
        n.extend([0x11; 63]);
        let e = vec![0x01, 0x00, 0x01];
        let mut blob = Vec::new();
        for f in [b"ssh-rsa".to_vec(), e, n] {
            blob.extend((f.len() as u32).to_be_bytes());
            blob.extend(f);
        }
        let der = rsa_der(&blob).unwrap();
        // SEQUENCE { SEQUENCE { OID, NULL }, BIT STRING { 0, SEQUENCE { INTEGER n, INTEGER e } } }
        assert_eq!(&der[..2], &[0x30, 0x5c]);
        assert_eq!(
            &der[2..17],
            &[
                0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
                0x00
            ]
        );
        assert_eq!(&der[17..22], &[0x03, 0x4b, 0x00, 0x30, 0x48]);
        assert_eq!(&der[22..25], &[0x02, 0x41, 0x00]);
        assert_eq!(&der[der.len() - 5..], &[0x02, 0x03, 0x01, 0x00, 0x01]);
        let line = format!("ssh-rsa {} me", B64.encode(&blob));
        assert_eq!(fingerprints(&line)[0].split(':').count(), 16);
        // A real key made with `ssh-keygen -t rsa -b 1024` for this test, whose fingerprint
        // `ssh-keygen -e -m PKCS8 | openssl pkey -pubin -outform DER | openssl md5 -c` gives
        // as EC2 computes it for an imported key.
        let real = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC0CJDN0X88HsobIhxO4yjf2jR1Zo4QdzeLpTz7sv6L4EpBtGTJSkdc9+Qofa42SlluO7m38KDPT0Xazz3xmTS+QhjNueTj51xo1wWBg5Sddtge5rN3EPFuv4MTTiXF6JyNn/+gn4ncTAa5fNR+nIKSJycNfZbVAI9tY2Ux1Z8CMw== test@gpu";
        assert_eq!(
            fingerprints(real),
            ["b6:d0:07:fb:04:13:c0:ab:d8:85:fb:a2:30:f4:69:33"]
        );
    }
}

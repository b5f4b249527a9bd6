//! Immich's product keys ("licenses", `/api/server/license` and `/api/users/me/license`): a key
//! `IMSV-...` (server) or `IMCL-...` (client) with an activation key, which is the key's RSA
//! signature (PKCS#1 v1.5, SHA-256) by Immich's key pair, base64. The public keys below are
//! Immich's (2048 bits, exponent 65537), written as their moduli; production keys unless the
//! server runs with `IMMICH_ENV` other than `production`, as Immich chooses.

use base64::Engine;
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// Immich's public keys of one environment, as RSA moduli in hex.
#[derive(Debug, Clone, Copy)]
pub struct LicenseKeys {
    pub client: &'static str,
    pub server: &'static str,
}

pub const PRODUCTION: LicenseKeys = LicenseKeys {
    client: concat!(
        "bffed2df6711039fbed4d9d50ec08cb293ff8c91c832a3895c59e1e0dc00d8ea73f9131f75ca3dd8fb0e821fb0c10784",
        "bf5536736a63cd3890ff696b2aafe4cc94655f07387147ac403309385f8fdaa38d3db009917bc25d80542e2b42224a0b",
        "c1f85218d8f220a6910e177fb4dc8df3e84d4599d84f5852223f520a42b15023b36ad3d5e260837ab4be6c4fa0114796",
        "a7df55f5acef1741489a74d6a504b073cc0466038c878b2f87a6a273077390f0b010b6a4d156811f7d411140902dbf7e",
        "008b47014b4908ac616f95a3b35b3d6eb5df8b4beba60719ffa0da9d8daa7d23f39ce9af0f616bae54b5ab8249377568",
        "ed6c3fd18cbfc8c726cd3599846ba151",
    ),
    server: concat!(
        "a299d80dad1afdd53921e1bbe221043307402a3b0d7332dd0aa45dd59f72e53db08ceede60839e253b25df9d2c474a78",
        "29f4940d25ef0bd3690e9735b4e2a5e6c842fc0c69bd000b0a8905e23b7cbebaddf5f09a5dcd53a916ce9a7862ba00fa",
        "be4af43bf15bdd40e2dd4d13be13cf94f76f49ac332eb5993cb7e61d556b6eb48a9a7f48792832d3bba45932322ec722",
        "36bbe7072c2c25a45e0eea0d58f04753f9a8da65daf26e303168625de86220e42a32e49480f782b168fc515c75086951",
        "ccf0c0d1b54d42f78a5d657170423a50b120272d85e3d947d3e6980a605fecd12be95436581f797af4ca5cabe7d2a20c",
        "ee780595c500c3a7ee57570d093252eb",
    ),
};

pub const STAGING: LicenseKeys = LicenseKeys {
    client: concat!(
        "9c80ab3677258ce1ff22ede6614644b6d6ca596efc7678fdcb713acc8eee30c4700eb1975d774b85d3f5a8891e771b6b",
        "514c8907577118dd80a2e28eeb64855a498e38d705053017552bfc4f9578284a59a8f69ad22ccc8652e136512afdc549",
        "bd89195ee825ce867ba66828d51b718e66c59ccefc91ad504018fd58a84beb28d5108bf4ed4288257a4c36c9ca87958e",
        "ef6e9a6dcdc73a7bbd0cdebd56a104eed7e446d57a96f492b36014db1dce9f2a69f33370a0838c75b964da839961d360",
        "eb8732bcada1480792b14d13afd5bd1fe905f41481e98e00cad0547498befa32c89c6dddf6a39bc54b0d57eecd7c5032",
        "eb677f2cc18b47cfcd3d6e122bbb0215",
    ),
    server: concat!(
        "ecaff6c2f290fccb8edaffcb467961d92fec2f10bc6db2cbe50209f23d02a547a7e1a0de7205f524946417a65350a8b9",
        "ed294798ab51ddb34ed9fbb44d05fd355d01b16f5e78fb76892d62c5441f3b8367ee837ab25299b0c8f0a10e2414369f",
        "dee18d548b062e8bb551d2905e2c754531aab92a2c615dd5158ec25c56b9561080ff3854b25e1a9d4cf0c40cf731c3d4",
        "78ca59ceffe655b053256d0e2be55f540068d705f61008f30331065b8ed527cb3c836b7ee2c3a1a80e7e2c1d095bd344",
        "1fd009a717ec5cddcae66dccdb9054556abd41af87b6d0faaed9e9fea029cae7581a97ce19ae014554864b5d436372e4",
        "a1a786eb43c4f78ce16fb9fcccb647cd",
    ),
};

/// The shape every key has (Immich's `licenseKeyRegex`: `IMSV` or `IMCL`, then eight groups of
/// four letters or digits).
pub fn well_formed(license_key: &str) -> bool {
    let Some(rest) = license_key
        .strip_prefix("IMSV")
        .or_else(|| license_key.strip_prefix("IMCL"))
    else {
        return false;
    };
    rest.len() == 40
        && rest
            .as_bytes()
            .chunks(5)
            .all(|group| group[0] == b'-' && group[1..].iter().all(u8::is_ascii_alphanumeric))
}

/// Whether `activation_key` is the signature of `license_key` by the key with this modulus.
/// Base64 in either alphabet, padded or not, as Node's decoder reads it.
pub fn verify(license_key: &str, activation_key: &str, modulus_hex: &str) -> bool {
    let Some(modulus) = BigUint::parse_bytes(modulus_hex.as_bytes(), 16) else {
        return false;
    };
    let normalised: String = activation_key
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    let Ok(signature) = lenient.decode(normalised) else {
        return false;
    };
    let size = modulus.bits().div_ceil(8) as usize;
    if signature.len() != size {
        return false;
    }
    let signature = BigUint::from_bytes_be(&signature);
    if signature >= modulus {
        return false;
    }
    let decoded = signature
        .modpow(&BigUint::from(65_537u32), &modulus)
        .to_bytes_be();
    // The whole encoded message is built and compared, rather than parsed, so that no lax parse
    // can accept a forged signature.
    let mut expected = vec![0u8; size];
    // DER of DigestInfo { sha256, NULL } before the 32-byte hash.
    const SHA256_PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let tail = SHA256_PREFIX.len() + 32;
    expected[1] = 0x01;
    expected[2..size - tail - 1].fill(0xff);
    expected[size - tail..size - 32].copy_from_slice(&SHA256_PREFIX);
    expected[size - 32..].copy_from_slice(&Sha256::digest(license_key.as_bytes()));
    // `to_bytes_be` drops the leading zero byte.
    decoded.len() == size - 1 && decoded[..] == expected[1..]
}

#[cfg(test)]
mod tests {
    use super::*;

    // Immich's end-to-end test keys, signed by its staging key pair.
    const SERVER_KEY: &str = "IMSV-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT-71X9";
    const SERVER_ACTIVATION: &str = "4kJUNUWMq13J14zqPFm1NodRcI6MV6DeOGvQNIgrM8Sc9nv669wyEVvFw1Nz4Kb1W7zLWblOtXEQzpRRqC4r4fKjewJxfbpeo9sEsqAVIfl4Ero-Vp1Dg21-sVdDGZEAy2oeTCXAyCT5d1JqrqR6N1qTAm4xOx9ujXQRFYhjRG8uwudw7_Q49pF18Tj5OEv9qCqElxztoNck4i6O_azsmsoOQrLIENIWPh3EynBN3ESpYERdCgXO8MlWeuG14_V1HbNjnJPZDuvYg__YfMzoOEtfm1sCqEaJ2Ww-BaX7yGfuCL4XsuZlCQQNHjfscy_WywVfIZPKCiW8QR74i0cSzQ";
    const CLIENT_KEY: &str = "IMCL-FF69-TUK1-RWZU-V9Q8-QGQS-S5GC-X4R2-UFK4";
    const CLIENT_ACTIVATION: &str = "KuX8KsktrBSiXpQMAH0zLgA5SpijXVr_PDkzLdWUlAogCTMBZ0I3KCHXK0eE9EEd7harxup8_EHMeqAWeHo5VQzol6LGECpFv585U9asXD4Zc-UXt3mhJr2uhazqipBIBwJA2YhmUCDy8hiyiGsukDQNu9Rg9C77UeoKuZBWVjWUBWG0mc1iRqfvF0faVM20w53czAzlhaMxzVGc3Oimbd7xi_CAMSujF_2y8QpA3X2fOVkQkzdcH9lV0COejl7IyH27zQQ9HrlrXv3Lai5Hw67kNkaSjmunVBxC5PS0TpKoc9SfBJMaAGWnaDbjhjYUrm-8nIDQnoeEAidDXVAdPw";

    #[test]
    fn staging_signatures() {
        assert!(verify(SERVER_KEY, SERVER_ACTIVATION, STAGING.server));
        assert!(verify(CLIENT_KEY, CLIENT_ACTIVATION, STAGING.client));
        assert!(!verify(SERVER_KEY, SERVER_ACTIVATION, STAGING.client));
        assert!(!verify(SERVER_KEY, SERVER_ACTIVATION, PRODUCTION.server));
        assert!(!verify(CLIENT_KEY, SERVER_ACTIVATION, STAGING.server));
        assert!(!verify(
            SERVER_KEY,
            &format!("invalid{SERVER_ACTIVATION}"),
            STAGING.server
        ));
        assert!(!verify(SERVER_KEY, "activationKey", STAGING.server));
        // The standard alphabet with padding reads the same.
        let standard = SERVER_ACTIVATION.replace('-', "+").replace('_', "/") + "==";
        assert!(verify(SERVER_KEY, &standard, STAGING.server));
    }

    #[test]
    fn shapes() {
        assert!(well_formed(SERVER_KEY));
        assert!(well_formed(CLIENT_KEY));
        assert!(!well_formed("IMXX-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT-71X9"));
        assert!(!well_formed("IMSV-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT"));
        assert!(!well_formed("IMSV-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT-71X!"));
    }
}

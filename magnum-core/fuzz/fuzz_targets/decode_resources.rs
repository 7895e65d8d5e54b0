//! Fuzzes Magnum JSON decoding of every resource and collection page the SDK reads
//! (`magnum_core::decode`): any bytes must give `Ok` or a typed `Decode` error, never a panic;
//! a cluster, template or nodegroup that decodes must re-encode and decode again to the same
//! value (unknown keys included).
#![no_main]

use libfuzzer_sys::fuzz_target;
use magnum_core::decode::{decode, decode_page};
use magnum_core::types::{
    Certificate, Cluster, ClusterTemplate, Federation, MService, NodeGroup, Quota, Stats,
    VersionsDocument,
};

fn round_trip<T>(body: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = decode::<T>("GET", "/fuzz", body) {
        let again = serde_json::to_vec(&value).expect("a decoded value re-encodes");
        let back: T = decode("GET", "/fuzz", &again).expect("a re-encoded value decodes");
        assert_eq!(value, back, "round trip changed the value");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Cluster>(data);
    round_trip::<ClusterTemplate>(data);
    round_trip::<NodeGroup>(data);
    let _ = decode::<Certificate>("GET", "/fuzz", data);
    let _ = decode::<Quota>("GET", "/fuzz", data);
    let _ = decode::<Stats>("GET", "/fuzz", data);
    let _ = decode::<MService>("GET", "/fuzz", data);
    let _ = decode::<Federation>("GET", "/fuzz", data);
    let _ = decode::<VersionsDocument>("GET", "/fuzz", data);
    let _ = decode_page::<Cluster>("GET", "/fuzz", "clusters", data);
    let _ = decode_page::<ClusterTemplate>("GET", "/fuzz", "clustertemplates", data);
    let _ = decode_page::<NodeGroup>("GET", "/fuzz", "nodegroups", data);
    let _ = decode_page::<Quota>("GET", "/fuzz", "quotas", data);
});

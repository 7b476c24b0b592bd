//! The 2020 census (第七次全国人口普查) population aged 60 and over of every division in the
//! registry, compiled in: the basis a target is split by when the returns do not give every
//! child region's elderly population ([`crate::split`]).
//!
//! The figures are `data/census/census2020_60plus.csv`, derived by `tools/derive_census.py`
//! from the census by county of Dong, Du and Liu ("Mapping Evolving Population Geography in
//! China", MIT); `data/census/SOURCES.md` says how. A division created after 2020 from parts
//! of others has no figure.
//!
//! ```
//! use carestaff_domain::census;
//! assert_eq!(census::elderly_2020("140100".parse()?), Some(854_501.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::region::RegionCode;

const CSV: &str = include_str!("../../../data/census/census2020_60plus.csv");

/// The census year, for labels.
pub const YEAR: i32 = 2020;

/// The population aged 60+ of `region` counted by the 2020 census, where the census (or the
/// divisions it replaced) gives one.
pub fn elderly_2020(region: RegionCode) -> Option<f64> {
    static TABLE: OnceLock<FxHashMap<RegionCode, f64>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            CSV.lines()
                .skip(1)
                .filter_map(|line| {
                    let mut f = line.split(',');
                    let code = f.next()?.parse().ok()?;
                    let value = f.nth(1)?.parse().ok()?;
                    Some((code, value))
                })
                .collect()
        })
        .get(&region)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    #[test]
    fn every_shanxi_city_has_its_figure_and_new_districts_take_their_predecessors() {
        let registry = crate::Registry::builtin();
        for &city in registry.children(code("140000")) {
            assert!(elderly_2020(city).is_some_and(|v| v > 100_000.0), "{city}");
        }
        // 沙县区 (2021) was 沙县 (350427); 临平区 (2021) is part of the old 余杭区: no figure.
        assert_eq!(elderly_2020(code("350405")), Some(47_085.0));
        assert_eq!(elderly_2020(code("330113")), None);
        // A zone the census counted separately.
        assert_eq!(elderly_2020(code("140171")), Some(21_156.0));
    }
}

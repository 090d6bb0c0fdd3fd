//! How a number's per-second send budget is split over pacing items.

/// Most sends one pacing item hands out per second.
pub const MAX_SLOTS_PER_SHARD: u32 = 100;

/// Items a budget of `mps` is split over: one per 100 mps (80 → 1, 1,000 → 10).
pub fn shards(mps: u32) -> u32 {
    mps.max(1).div_ceil(MAX_SLOTS_PER_SHARD)
}

/// Slots of shard `shard`; the shards' budgets add up to exactly `mps`.
pub fn shard_budget(mps: u32, shard: u32) -> u32 {
    let count = shards(mps);
    mps / count + u32::from(shard < mps % count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_add_up_and_stay_under_the_shard_limit() {
        for mps in [1, 80, 99, 100, 101, 250, 999, 1_000] {
            let total: u32 = (0..shards(mps)).map(|s| shard_budget(mps, s)).sum();
            assert_eq!(total, mps, "{mps}");
            assert!((0..shards(mps)).all(|s| shard_budget(mps, s) <= MAX_SLOTS_PER_SHARD && shard_budget(mps, s) > 0));
        }
        assert_eq!((shards(80), shards(1_000)), (1, 10));
    }
}

//! "Did you mean": the declared name a misspelt one most likely means.

/// Levenshtein distance between two names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The position among `candidates` of the name `name` most likely means:
/// the nearest one two edits away at most (the first of equals), if any.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (distance(name, c), i))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_insertions_deletions_and_substitutions() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("Ready", "Ready"), 0);
        assert_eq!(distance("Redy", "Ready"), 1);
    }

    #[test]
    fn the_nearest_name_within_two_edits_is_suggested() {
        let states = ["Connecting", "Connected", "Done"];
        assert_eq!(closest("Conected", states), Some(1));
        assert_eq!(closest("Doone", states), Some(2));
        assert_eq!(closest("Dn", states), Some(2));
        assert_eq!(closest("Finished", states), None);
        // Three edits away is too far to guess.
        assert_eq!(closest("Dxxxe", ["Done"]), None);
        // Equally near: the first declared.
        assert_eq!(closest("Ab", ["Aa", "Ac"]), Some(0));
    }
}

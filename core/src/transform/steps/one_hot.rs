//! Fitting one_hot (`OneHotEncoder` with `min_frequency` / `max_categories`) and
//! looking categories up in the fitted vocabulary.

use std::collections::{HashMap, HashSet};

use super::FittedStep;
use crate::transform::input::{Categories, CategoryOrder};
use crate::transform::spec::{HandleUnknown, MinFrequency};

/// Splits the training categories into frequent (sorted; one feature each) and
/// infrequent ones, with scikit-learn's rule (`_identify_infrequent`):
/// a category is infrequent when its count is below `min_frequency` (a count, or a
/// fraction of the training rows); then, if more than `max_categories` features
/// would result (counting one for the infrequent group, even when it is empty),
/// only the `max_categories - 1` most frequent stay frequent, ties resolved by a
/// stable ascending sort by count over the sorted categories.
pub(crate) fn fit_one_hot(
    categories: &Categories,
    order: CategoryOrder,
    min_frequency: Option<MinFrequency>,
    max_categories: Option<u32>,
    handle_unknown: HandleUnknown,
) -> FittedStep {
    let counts = categories.counts();
    let n_rows = counts.iter().sum::<u64>() as f64;
    // The training categories with their counts, in sorted order.
    let mut sorted: Vec<(String, u64)> = categories
        .dictionary
        .iter()
        .zip(counts)
        .filter(|(_, count)| *count > 0)
        .map(|(name, count)| (name.clone(), count))
        .collect();
    sorted.sort_unstable_by(|a, b| order.compare(&a.0, &b.0));

    let mut infrequent: Vec<bool> = sorted
        .iter()
        .map(|(_, count)| match min_frequency {
            Some(MinFrequency::Count(min)) => *count < min,
            Some(MinFrequency::Fraction(f)) => (*count as f64) < n_rows * f,
            None => false,
        })
        .collect();
    let n_infrequent = infrequent.iter().filter(|x| **x).count();
    let n_features = sorted.len() - n_infrequent + 1;
    if let Some(max) = max_categories
        && (max as usize) < n_features
    {
        let keep = max as usize - 1;
        if keep == 0 {
            infrequent.iter_mut().for_each(|x| *x = true);
        } else {
            let mut by_count: Vec<usize> = (0..sorted.len()).collect();
            by_count.sort_by_key(|&i| sorted[i].1); // stable
            let cut = by_count.len().saturating_sub(keep);
            for &i in &by_count[..cut] {
                infrequent[i] = true;
            }
        }
    }
    let mut frequent_categories = Vec::new();
    let mut infrequent_categories = Vec::new();
    for ((name, _), is_infrequent) in sorted.into_iter().zip(infrequent) {
        if is_infrequent {
            infrequent_categories.push(name);
        } else {
            frequent_categories.push(name);
        }
    }
    FittedStep::OneHot {
        categories: frequent_categories,
        infrequent: infrequent_categories,
        handle_unknown,
    }
}

/// For each entry of `dictionary`: `Ok(Some(feature))` for a known category,
/// `Ok(None)` for a known category with no feature, `Err(feature)` for an unseen
/// one (`feature` is where it goes, if anywhere).
pub(crate) fn one_hot_lookup(
    dictionary: &[String],
    categories: &[String],
    infrequent: &[String],
    handle_unknown: HandleUnknown,
) -> Vec<Result<Option<usize>, Option<usize>>> {
    let infrequent_feature = (!infrequent.is_empty()).then_some(categories.len());
    let frequent: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let rare: HashSet<&str> = infrequent.iter().map(String::as_str).collect();
    dictionary
        .iter()
        .map(|d| {
            if let Some(i) = frequent.get(d.as_str()) {
                Ok(Some(*i))
            } else if rare.contains(d.as_str()) {
                Ok(infrequent_feature)
            } else {
                Err(match handle_unknown {
                    HandleUnknown::Ignore => None,
                    HandleUnknown::InfrequentIfExist => infrequent_feature,
                })
            }
        })
        .collect()
}

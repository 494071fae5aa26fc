//! Compact, validated array layout of a tree ensemble, shared by the classifier and the
//! regressor, and the batch traversal over it.
//!
//! All trees live in one `Vec<Node>`; children are indices into it. A leaf's `true_next..
//! false_next` is its range in `weights`. Construction checks every reference, so the
//! traversal cannot index out of bounds or loop.

use std::collections::HashMap;

use crate::onnx::attrs::Attrs;
use crate::onnx::error::OpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
    /// `x` is one of a set of values (TreeEnsemble opset 5).
    Member,
    Leaf,
}

impl Mode {
    fn parse(s: &str) -> Result<Mode, OpError> {
        Ok(match s {
            "BRANCH_LEQ" => Mode::Leq,
            "BRANCH_LT" => Mode::Lt,
            "BRANCH_GTE" => Mode::Gte,
            "BRANCH_GT" => Mode::Gt,
            "BRANCH_EQ" => Mode::Eq,
            "BRANCH_NEQ" => Mode::Neq,
            "LEAF" => Mode::Leaf,
            other => {
                return Err(OpError::bad_attr(
                    "nodes_modes",
                    format!("unknown mode `{other}`"),
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub threshold: f32,
    pub feature: u32,
    /// Child node index; for a leaf, the start of its range in `weights`.
    pub true_next: u32,
    /// Child node index; for a leaf, the end of its range in `weights`.
    pub false_next: u32,
    /// For `Mode::Member`, the index of its value set.
    pub set: u32,
    pub mode: Mode,
    pub missing_true: bool,
}

/// A forest's arrays, borrowed (`Forest::parts`).
#[cfg(feature = "gpu")]
pub(crate) struct ForestParts<'a> {
    pub nodes: &'a [Node],
    pub roots: &'a [u32],
    pub weights: &'a [Weight],
    pub sets: &'a [Vec<f32>],
}

/// One leaf weight: the target (or class) index and the value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weight {
    pub target: u32,
    pub value: f32,
}

#[derive(Debug)]
pub(crate) struct Forest {
    nodes: Vec<Node>,
    roots: Vec<u32>,
    weights: Vec<Weight>,
    member_sets: Vec<Vec<f32>>,
    /// Smallest input width the trees can read (max feature id + 1).
    pub min_features: usize,
    /// The fixed-depth layout of the same trees, when every split compares the same way.
    walk: Option<Walk>,
}

/// One node of a [`Walk`]: a split, or a leaf that leads back to itself.
#[derive(Debug, Clone, Copy)]
struct WalkNode {
    threshold: f32,
    /// The feature index; the top bit is set when a missing (NaN) value goes to the true
    /// child.
    feature: u32,
    /// The child a row goes to: `[false, true]` (a leaf: itself, both ways).
    next: [u32; 2],
}

/// `WalkNode::feature`'s flag bit.
const MISSING_TRUE: u32 = 1 << 31;
/// Trees deeper than this keep the leaf-testing walk (a fixed-depth walk would spend too
/// many steps on the rows that reach a shallow leaf).
const MAX_WALK_DEPTH: u32 = 32;

/// The trees as a branch-free, fixed-depth walk: when every split node has the same
/// comparison (`mode`, not `Member`), each row takes exactly `depth` steps through a tree,
/// leaves stepping to themselves, so the walk has no data-dependent branch and no leaf
/// test; only the final node of each row is looked up in [`Forest::nodes`]. Same node
/// indices as `Forest::nodes`, so the leaves (and so the sums) are exactly those of the
/// leaf-testing walk.
#[derive(Debug)]
struct Walk {
    nodes: Vec<WalkNode>,
    /// Per tree (in `roots` order): the number of splits on its longest path.
    depth: Vec<u32>,
    mode: Mode,
    /// Whether any split sends a missing value to its true child.
    missing: bool,
}

impl Walk {
    /// The walk of validated, acyclic trees, or `None` when the splits compare in more than
    /// one way (or by set membership), a feature index does not fit, or a tree is deeper
    /// than [`MAX_WALK_DEPTH`].
    fn build(nodes: &[Node], roots: &[u32]) -> Option<Walk> {
        let mut splits = nodes.iter().filter(|n| n.mode != Mode::Leaf);
        let mode = splits.next().map_or(Mode::Leq, |n| n.mode);
        if mode == Mode::Member || !splits.all(|n| n.mode == mode) {
            return None;
        }
        let mut walk = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            walk.push(if n.mode == Mode::Leaf {
                WalkNode {
                    threshold: 0.0,
                    feature: 0,
                    next: [i as u32; 2],
                }
            } else {
                if n.feature & MISSING_TRUE != 0 {
                    return None;
                }
                WalkNode {
                    threshold: n.threshold,
                    feature: n.feature | if n.missing_true { MISSING_TRUE } else { 0 },
                    next: [n.false_next, n.true_next],
                }
            });
        }
        let mut depth = Vec::with_capacity(roots.len());
        let mut stack = Vec::new();
        for &root in roots {
            let mut deepest = 0;
            stack.push((root, 0u32));
            while let Some((i, d)) = stack.pop() {
                let n = &nodes[i as usize];
                if n.mode == Mode::Leaf {
                    deepest = deepest.max(d);
                } else if d >= MAX_WALK_DEPTH {
                    return None;
                } else {
                    stack.push((n.true_next, d + 1));
                    stack.push((n.false_next, d + 1));
                }
            }
            depth.push(deepest);
        }
        let missing = nodes.iter().any(|n| n.mode != Mode::Leaf && n.missing_true);
        Some(Walk {
            nodes: walk,
            depth,
            mode,
            missing,
        })
    }
}

/// A split's comparison as a type, so that [`Forest::walk_leaves`] is compiled once per
/// comparison with no `match` in its inner loop.
trait Compare {
    fn goes_true(x: f32, t: f32) -> bool;
}

macro_rules! compare {
    ($($name:ident: $x:ident, $t:ident => $e:expr;)*) => {
        $(
            struct $name;
            impl Compare for $name {
                #[inline(always)]
                fn goes_true($x: f32, $t: f32) -> bool {
                    $e
                }
            }
        )*
    };
}

compare! {
    Leq: x, t => x <= t;
    Lt: x, t => x < t;
    Gte: x, t => x >= t;
    Gt: x, t => x > t;
    Eq: x, t => x == t;
    Neq: x, t => x != t;
}

/// Names of the leaf-weight attributes: `class_*` for the classifier, `target_*` for the
/// regressor.
pub(crate) struct WeightAttrs {
    pub tree_ids: &'static str,
    pub node_ids: &'static str,
    pub ids: &'static str,
    pub weights: &'static str,
    pub weights_tensor: &'static str,
}

fn same_len(name: &'static str, len: usize, n: usize) -> Result<(), OpError> {
    if len != n {
        return Err(OpError::bad_attr(
            name,
            format!("has {len} values, but nodes_nodeids has {n}"),
        ));
    }
    Ok(())
}

impl Forest {
    /// Builds the layout; `n_targets` bounds the weight ids.
    pub(crate) fn build(
        a: &Attrs<'_>,
        w: &WeightAttrs,
        n_targets: usize,
    ) -> Result<Forest, OpError> {
        let tree_ids = a.ints("nodes_treeids");
        let node_ids = a.ints("nodes_nodeids");
        let n = node_ids.len();
        if n == 0 {
            return Err(OpError::MissingAttribute {
                name: "nodes_nodeids",
            });
        }
        if n >= u32::MAX as usize {
            return Err(OpError::bad_attr("nodes_nodeids", "too many nodes"));
        }
        let features = a.ints("nodes_featureids");
        let modes = a.strings("nodes_modes")?;
        let values = a.floats_or_tensor("nodes_values", "nodes_values_as_tensor")?;
        let trues = a.ints("nodes_truenodeids");
        let falses = a.ints("nodes_falsenodeids");
        let missing = a.ints("nodes_missing_value_tracks_true");
        same_len("nodes_treeids", tree_ids.len(), n)?;
        same_len("nodes_featureids", features.len(), n)?;
        same_len("nodes_modes", modes.len(), n)?;
        same_len("nodes_values", values.len(), n)?;
        same_len("nodes_truenodeids", trues.len(), n)?;
        same_len("nodes_falsenodeids", falses.len(), n)?;
        if !missing.is_empty() {
            same_len("nodes_missing_value_tracks_true", missing.len(), n)?;
        }

        let mut index: HashMap<(i64, i64), u32> = HashMap::with_capacity(n);
        let mut roots = Vec::new();
        let mut seen_trees = std::collections::HashSet::new();
        for i in 0..n {
            if index.insert((tree_ids[i], node_ids[i]), i as u32).is_some() {
                return Err(OpError::bad_attr(
                    "nodes_nodeids",
                    format!("tree {} has node {} twice", tree_ids[i], node_ids[i]),
                ));
            }
            // A tree's root is its first node in attribute order.
            if seen_trees.insert(tree_ids[i]) {
                roots.push(i as u32);
            }
        }
        let find = |name: &'static str, tree: i64, node: i64| {
            index
                .get(&(tree, node))
                .copied()
                .ok_or_else(|| OpError::bad_attr(name, format!("tree {tree} has no node {node}")))
        };

        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let mode = Mode::parse(&modes[i])?;
            let (feature, true_next, false_next) = if mode == Mode::Leaf {
                (0, 0, 0)
            } else {
                let f = u32::try_from(features[i]).map_err(|_| {
                    OpError::bad_attr(
                        "nodes_featureids",
                        format!("feature id {} is negative or too large", features[i]),
                    )
                })?;
                (
                    f,
                    find("nodes_truenodeids", tree_ids[i], trues[i])?,
                    find("nodes_falsenodeids", tree_ids[i], falses[i])?,
                )
            };
            nodes.push(Node {
                threshold: values[i],
                feature,
                true_next,
                false_next,
                set: 0,
                mode,
                missing_true: missing.get(i).is_some_and(|&m| m != 0),
            });
        }

        // Leaf weights, grouped per leaf in attribute order.
        let wt_trees = a.ints(w.tree_ids);
        let wt_nodes = a.ints(w.node_ids);
        let wt_ids = a.ints(w.ids);
        let wt_values = a.floats_or_tensor(w.weights, w.weights_tensor)?;
        let m = wt_values.len();
        for (name, len) in [
            (w.tree_ids, wt_trees.len()),
            (w.node_ids, wt_nodes.len()),
            (w.ids, wt_ids.len()),
        ] {
            if len != m {
                return Err(OpError::bad_attr(
                    name,
                    format!("has {len} values, but {} has {m}", w.weights),
                ));
            }
        }
        let mut per_leaf: Vec<Vec<Weight>> = vec![Vec::new(); n];
        for k in 0..m {
            let leaf = find(w.node_ids, wt_trees[k], wt_nodes[k])? as usize;
            if nodes[leaf].mode != Mode::Leaf {
                return Err(OpError::bad_attr(
                    w.node_ids,
                    format!(
                        "tree {} node {} carries a weight but is not a LEAF",
                        wt_trees[k], wt_nodes[k]
                    ),
                ));
            }
            let target = crate::onnx::attrs::to_index(w.ids, wt_ids[k], n_targets)? as u32;
            per_leaf[leaf].push(Weight {
                target,
                value: wt_values[k],
            });
        }
        let mut weights = Vec::with_capacity(m);
        for (i, ws) in per_leaf.into_iter().enumerate() {
            if nodes[i].mode == Mode::Leaf {
                nodes[i].true_next = weights.len() as u32;
                weights.extend(ws);
                nodes[i].false_next = weights.len() as u32;
            }
        }

        Forest::assemble(nodes, roots, weights, Vec::new())
    }

    /// Checks every index (children, leaf weight ranges, roots, value sets) and that each
    /// tree is a tree, so that traversal can neither index out of bounds nor loop.
    pub(crate) fn assemble(
        nodes: Vec<Node>,
        roots: Vec<u32>,
        weights: Vec<Weight>,
        member_sets: Vec<Vec<f32>>,
    ) -> Result<Forest, OpError> {
        let n = nodes.len();
        let mut min_features = 0usize;
        for (i, node) in nodes.iter().enumerate() {
            let ok = if node.mode == Mode::Leaf {
                node.true_next <= node.false_next && (node.false_next as usize) <= weights.len()
            } else {
                min_features = min_features.max(node.feature as usize + 1);
                (node.true_next as usize) < n
                    && (node.false_next as usize) < n
                    && (node.mode != Mode::Member || (node.set as usize) < member_sets.len())
            };
            if !ok {
                return Err(OpError::bad_attr(
                    "nodes_truenodeids",
                    format!(
                        "node index {i} refers to a node, leaf or value set that does not exist"
                    ),
                ));
            }
        }
        if let Some(&r) = roots.iter().find(|&&r| r as usize >= n) {
            return Err(OpError::bad_attr(
                "tree_roots",
                format!("root {r} is outside the {n} nodes"),
            ));
        }
        let mut forest = Forest {
            nodes,
            roots,
            weights,
            member_sets,
            min_features,
            walk: None,
        };
        forest.check_acyclic()?;
        forest.walk = Walk::build(&forest.nodes, &forest.roots);
        Ok(forest)
    }

    /// Every tree must be a tree: no node reachable twice from its root.
    fn check_acyclic(&self) -> Result<(), OpError> {
        let mut seen = vec![u32::MAX; self.nodes.len()];
        let mut stack = Vec::new();
        for (t, &root) in self.roots.iter().enumerate() {
            stack.push(root);
            while let Some(i) = stack.pop() {
                let slot = &mut seen[i as usize];
                if *slot == t as u32 {
                    return Err(OpError::bad_attr(
                        "nodes_truenodeids",
                        format!("tree #{t} reaches node index {i} twice (a cycle or shared node)"),
                    ));
                }
                *slot = t as u32;
                let node = &self.nodes[i as usize];
                if node.mode != Mode::Leaf {
                    stack.push(node.true_next);
                    stack.push(node.false_next);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// The child of split node `node` that `row` goes to (`node` must not be a leaf).
    #[inline(always)]
    fn step(&self, node: &Node, row: &[f32]) -> u32 {
        let t = node.threshold;
        let x = row[node.feature as usize];
        let cond = match node.mode {
            Mode::Leq => x <= t,
            Mode::Lt => x < t,
            Mode::Gte => x >= t,
            Mode::Gt => x > t,
            Mode::Eq => x == t,
            Mode::Neq => x != t,
            Mode::Member => self.member_sets[node.set as usize].contains(&x),
            Mode::Leaf => false,
        };
        // Branch-free child selection: split outcomes are data-dependent and would
        // mispredict about half the time.
        let go_true = cond | (node.missing_true & x.is_nan());
        [node.false_next, node.true_next][usize::from(go_true)]
    }

    /// The leaf reached by `row` in the tree rooted at `root`.
    #[inline]
    fn leaf(&self, root: u32, row: &[f32]) -> &Node {
        let mut node = &self.nodes[root as usize];
        while node.mode != Mode::Leaf {
            node = &self.nodes[self.step(node, row) as usize];
        }
        node
    }

    /// The leaves reached by several rows in the tree rooted at `root`.
    #[inline]
    fn leaves<const L: usize>(&self, root: u32, rows: [&[f32]; L]) -> [&Node; L] {
        let mut nodes = [&self.nodes[root as usize]; L];
        loop {
            let mut moved = false;
            for (node, row) in nodes.iter_mut().zip(rows) {
                if node.mode != Mode::Leaf {
                    *node = &self.nodes[self.step(node, row) as usize];
                    moved = true;
                }
            }
            if !moved {
                return nodes;
            }
        }
    }

    /// Visits every leaf weight reached by the batch `x` (`rows` x `cols`, row-major):
    /// `visit(row, weight)`. Rows are taken in blocks small enough to stay in cache while
    /// every tree runs over the block; within a row, trees are visited in model order, the
    /// order single-threaded ONNX Runtime sums them in, so f32 sums match it exactly.
    pub(crate) fn for_each_leaf(
        &self,
        x: &[f32],
        rows: usize,
        cols: usize,
        visit: impl FnMut(usize, &Weight),
    ) {
        // The walk reads feature 0 at leaves and trusts feature ids below `cols`.
        if let Some(walk) = self
            .walk
            .as_ref()
            .filter(|_| cols > 0 && cols >= self.min_features)
        {
            match (walk.mode, walk.missing) {
                (Mode::Leq, false) => self.walk_leaves::<Leq, false>(walk, x, rows, cols, visit),
                (Mode::Leq, true) => self.walk_leaves::<Leq, true>(walk, x, rows, cols, visit),
                (Mode::Lt, false) => self.walk_leaves::<Lt, false>(walk, x, rows, cols, visit),
                (Mode::Lt, true) => self.walk_leaves::<Lt, true>(walk, x, rows, cols, visit),
                // Rarer comparisons: one copy each, reading the missing flag (clear when unused).
                (Mode::Gte, _) => self.walk_leaves::<Gte, true>(walk, x, rows, cols, visit),
                (Mode::Gt, _) => self.walk_leaves::<Gt, true>(walk, x, rows, cols, visit),
                (Mode::Eq, _) => self.walk_leaves::<Eq, true>(walk, x, rows, cols, visit),
                (Mode::Neq, _) => self.walk_leaves::<Neq, true>(walk, x, rows, cols, visit),
                (Mode::Member | Mode::Leaf, _) => self.test_leaves(x, rows, cols, visit),
            }
        } else {
            self.test_leaves(x, rows, cols, visit);
        }
    }

    /// [`Forest::for_each_leaf`] through the fixed-depth [`Walk`]: eight rows descend
    /// together, each step a load of the node, a load of the row's feature, a comparison
    /// and a select, with no branch on the data; then each row's leaf weights are visited.
    /// `MISSING`: whether to look at each split's missing-value flag (when no split has it,
    /// a NaN compares false, as in [`Forest::step`]).
    #[inline(always)]
    fn walk_leaves<C: Compare, const MISSING: bool>(
        &self,
        walk: &Walk,
        x: &[f32],
        rows: usize,
        cols: usize,
        mut visit: impl FnMut(usize, &Weight),
    ) {
        const BLOCK: usize = 128;
        const LANES: usize = 8;
        let nodes = walk.nodes.as_slice();
        let step = |i: u32, row: usize| -> u32 {
            let node = &nodes[i as usize];
            let f = (node.feature & !MISSING_TRUE) as usize;
            let v = x[row * cols + f];
            let mut go_true = C::goes_true(v, node.threshold);
            if MISSING {
                go_true |= (node.feature & MISSING_TRUE != 0) & v.is_nan();
            }
            node.next[usize::from(go_true)]
        };
        for start in (0..rows).step_by(BLOCK) {
            let end = (start + BLOCK).min(rows);
            for (&root, &depth) in self.roots.iter().zip(&walk.depth) {
                let mut r = start;
                while r + LANES <= end {
                    let mut at = [root; LANES];
                    for _ in 0..depth {
                        for (l, i) in at.iter_mut().enumerate() {
                            *i = step(*i, r + l);
                        }
                    }
                    for (l, &i) in at.iter().enumerate() {
                        let leaf = &self.nodes[i as usize];
                        for w in &self.weights[leaf.true_next as usize..leaf.false_next as usize] {
                            visit(r + l, w);
                        }
                    }
                    r += LANES;
                }
                for r in r..end {
                    let mut i = root;
                    for _ in 0..depth {
                        i = step(i, r);
                    }
                    let leaf = &self.nodes[i as usize];
                    for w in &self.weights[leaf.true_next as usize..leaf.false_next as usize] {
                        visit(r, w);
                    }
                }
            }
        }
    }

    /// [`Forest::for_each_leaf`] testing for a leaf at every step (any comparisons,
    /// value sets, any depth).
    fn test_leaves(
        &self,
        x: &[f32],
        rows: usize,
        cols: usize,
        mut visit: impl FnMut(usize, &Weight),
    ) {
        const BLOCK: usize = 128;
        const LANES: usize = 8;
        for start in (0..rows).step_by(BLOCK) {
            let end = (start + BLOCK).min(rows);
            for &root in &self.roots {
                // Eight rows descend together: their (independent) node loads overlap.
                let mut r = start;
                while r + LANES <= end {
                    let rows: [&[f32]; LANES] =
                        std::array::from_fn(|l| &x[(r + l) * cols..(r + l + 1) * cols]);
                    let leaves = self.leaves(root, rows);
                    for (l, leaf) in leaves.iter().enumerate() {
                        for w in &self.weights[leaf.true_next as usize..leaf.false_next as usize] {
                            visit(r + l, w);
                        }
                    }
                    r += LANES;
                }
                for r in r..end {
                    let row = &x[r * cols..(r + 1) * cols];
                    let leaf = self.leaf(root, row);
                    for w in &self.weights[leaf.true_next as usize..leaf.false_next as usize] {
                        visit(r, w);
                    }
                }
            }
        }
    }

    /// The flattened trees, for the GPU kernel: nodes, roots (model order), leaf weights
    /// and value sets.
    #[cfg(feature = "gpu")]
    pub(crate) fn parts(&self) -> ForestParts<'_> {
        ForestParts {
            nodes: &self.nodes,
            roots: &self.roots,
            weights: &self.weights,
            sets: &self.member_sets,
        }
    }

    /// All weights (for the classifier's binary-case analysis).
    pub(crate) fn weights(&self) -> &[Weight] {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// xorshift32 in [0, 1).
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            (self.0 >> 8) as f32 / (1u32 << 24) as f32
        }
    }

    /// Random trees of uneven depth (up to `max_depth`) over `cols` features, every split
    /// comparing with `mode`, some sending missing values to the true child.
    fn forest(mode: Mode, trees: usize, max_depth: u32, cols: u32, rng: &mut Rng) -> Forest {
        let (mut nodes, mut roots, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        fn grow(
            nodes: &mut Vec<Node>,
            weights: &mut Vec<Weight>,
            mode: Mode,
            depth: u32,
            cols: u32,
            rng: &mut Rng,
        ) -> u32 {
            let i = nodes.len() as u32;
            nodes.push(Node {
                threshold: rng.next() * 2.0 - 1.0,
                feature: (rng.next() * cols as f32) as u32,
                true_next: 0,
                false_next: 0,
                set: 0,
                mode,
                missing_true: rng.next() < 0.3,
            });
            if depth == 0 || rng.next() < 0.2 {
                let n = &mut nodes[i as usize];
                n.mode = Mode::Leaf;
                n.true_next = weights.len() as u32;
                for target in 0..1 + (rng.next() * 2.0) as u32 {
                    weights.push(Weight {
                        target,
                        value: rng.next(),
                    });
                }
                nodes[i as usize].false_next = weights.len() as u32;
            } else {
                let t = grow(nodes, weights, mode, depth - 1, cols, rng);
                let f = grow(nodes, weights, mode, depth - 1, cols, rng);
                nodes[i as usize].true_next = t;
                nodes[i as usize].false_next = f;
            }
            i
        }
        for _ in 0..trees {
            roots.push(grow(&mut nodes, &mut weights, mode, max_depth, cols, rng));
        }
        Forest::assemble(nodes, roots, weights, Vec::new()).unwrap()
    }

    fn visits(f: &Forest, x: &[f32], rows: usize, cols: usize, walk: bool) -> Vec<(usize, u32)> {
        let mut seen = Vec::new();
        let base = f.weights.as_ptr() as usize;
        let mut visit = |r: usize, w: &Weight| {
            let index = (w as *const Weight as usize - base) / std::mem::size_of::<Weight>();
            seen.push((r, index as u32));
        };
        if walk {
            f.for_each_leaf(x, rows, cols, &mut visit);
        } else {
            f.test_leaves(x, rows, cols, &mut visit);
        }
        seen
    }

    /// The fixed-depth walk visits exactly the leaves, in exactly the order, of the
    /// leaf-testing walk: every comparison, with and without missing-value flags, NaN
    /// inputs, ties at thresholds, row counts around the block and lane sizes.
    #[test]
    fn the_fixed_depth_walk_reaches_the_same_leaves() {
        let mut rng = Rng(0x1234_5678);
        let cols = 5;
        for mode in [
            Mode::Leq,
            Mode::Lt,
            Mode::Gte,
            Mode::Gt,
            Mode::Eq,
            Mode::Neq,
        ] {
            let f = forest(mode, 7, 6, cols as u32, &mut rng);
            assert!(f.walk.is_some(), "{mode:?}");
            for rows in [0, 1, 7, 8, 9, 129, 300] {
                let x: Vec<f32> = (0..rows * cols)
                    .map(|i| match i % 11 {
                        0 => f32::NAN,
                        // Ties with a threshold.
                        1 => f.nodes[i % f.nodes.len()].threshold,
                        _ => rng.next() * 2.0 - 1.0,
                    })
                    .collect();
                assert_eq!(
                    visits(&f, &x, rows, cols, true),
                    visits(&f, &x, rows, cols, false),
                    "{mode:?} rows {rows}"
                );
            }
        }
    }

    #[test]
    fn mixed_comparisons_and_deep_trees_keep_the_leaf_testing_walk() {
        let mut rng = Rng(99);
        let mut f = forest(Mode::Leq, 2, 4, 3, &mut rng);
        assert!(f.walk.is_some());
        if let Some(n) = f.nodes.iter_mut().find(|n| n.mode != Mode::Leaf) {
            n.mode = Mode::Lt;
        }
        assert!(Walk::build(&f.nodes, &f.roots).is_none());
        // A chain of splits, each with a leaf on its true side, one split too deep.
        let splits = MAX_WALK_DEPTH + 1;
        let mut nodes = Vec::new();
        for i in 0..splits {
            let split = Node {
                threshold: 0.0,
                feature: 0,
                true_next: 2 * i + 1,
                false_next: 2 * i + 2,
                set: 0,
                mode: Mode::Leq,
                missing_true: false,
            };
            let leaf = Node {
                mode: Mode::Leaf,
                true_next: 0,
                false_next: 0,
                ..split
            };
            nodes.extend([split, leaf]);
        }
        nodes.push(nodes[1]);
        let deep = Forest::assemble(nodes, vec![0], Vec::new(), Vec::new()).unwrap();
        assert!(deep.walk.is_none());
        let x = vec![1.0, -1.0, f32::NAN];
        assert_eq!(
            visits(&deep, &x, 3, 1, true),
            visits(&deep, &x, 3, 1, false)
        );
    }
}

//! A k-d tree over flat arrays for exact Euclidean k-nearest-neighbour search
//! (Friedman, Bentley & Finkel, "An algorithm for finding best matches in logarithmic
//! expected time", ACM TOMS 1977).
//!
//! Nodes split at the median of their widest feature down to leaves of at most [`LEAF`]
//! rows; every node keeps the bounding box of its rows and their smallest original index.
//! A query descends nearer child first and skips a node when its box is provably beyond the
//! current k-th neighbour.
//!
//! **Exactness.** The lower bound of a box is computed like a distance — the same
//! differences, squared and summed in the same feature order from 0 — with each query
//! coordinate clamped to the box. Floating-point subtraction, squaring and addition are
//! monotone, and a box bound is itself a data coordinate, so this bound is never above the
//! computed squared distance of any row inside. A node is therefore skipped only when none of
//! its rows could enter the result, including through the index tie-break: the result is
//! bit-for-bit that of an exhaustive search.

use crate::topk::{squared, TopK};

/// Most rows in a leaf.
const LEAF: usize = 16;

/// Rows per block of a leaf's feature-major copy: the distances of a block's rows are summed
/// side by side (one lane per row, each lane in feature order as [`squared`]), which the
/// compiler vectorizes and which keeps several independent additions in flight.
const BLOCK: usize = 8;

/// The feature of largest variance over the rows `order` (the first of equal ones).
fn widest_variance(rows: &[f64], order: &[usize], d: usize) -> usize {
    let n = order.len() as f64;
    let mut best = (0, -1.0);
    for j in 0..d {
        let mean = order.iter().map(|&i| rows[i * d + j]).sum::<f64>() / n;
        let var = order.iter().map(|&i| (rows[i * d + j] - mean).powi(2)).sum::<f64>();
        if var > best.1 {
            best = (j, var);
        }
    }
    best.0
}

/// One node: rows `start..end` of the tree order; `left` and `right` are 0 for a leaf (the
/// root is never a child).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Node {
    start: usize,
    end: usize,
    left: usize,
    right: usize,
    /// Smallest original index of the node's rows.
    min_index: usize,
    /// A leaf of identical rows, in increasing original index.
    same: bool,
    /// Split feature and the smallest value of the right child on it (internal nodes).
    dim: usize,
    cut: f64,
    /// First block of the leaf in `blocks`.
    block: usize,
}

/// A k-d tree over `n` rows of `d` features.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct KdTree {
    d: usize,
    /// The rows in tree order, row-major.
    points: Vec<f64>,
    /// `order[p]`: the original index of the row at tree position `p`.
    order: Vec<usize>,
    nodes: Vec<Node>,
    /// Per node, `d` lower then `d` upper bounds of its rows.
    bounds: Vec<f64>,
    /// The rows of every leaf in blocks of [`BLOCK`], feature-major within a block
    /// (`[block][feature][lane]`), lanes past the leaf's end padded with 0.
    blocks: Vec<f64>,
}

impl KdTree {
    /// Builds the tree over `rows` (row-major, `n` rows of `d` features, all finite).
    pub(crate) fn new(rows: Vec<f64>, n: usize, d: usize) -> Self {
        debug_assert_eq!(rows.len(), n * d);
        let mut tree = Self {
            d,
            points: Vec::new(),
            order: (0..n).collect(),
            nodes: Vec::new(),
            bounds: Vec::new(),
            blocks: Vec::new(),
        };
        let mut order = std::mem::take(&mut tree.order);
        tree.build(&rows, &mut order, 0);
        tree.points = Vec::with_capacity(n * d);
        for &i in &order {
            tree.points.extend_from_slice(&rows[i * d..(i + 1) * d]);
        }
        tree.order = order;
        let mut next = 0;
        for node in tree.nodes.iter_mut().filter(|node| node.left == 0) {
            node.block = next;
            for p0 in (node.start..node.end).step_by(BLOCK) {
                let lanes = BLOCK.min(node.end - p0);
                for j in 0..d {
                    for l in 0..BLOCK {
                        let v = if l < lanes { tree.points[(p0 + l) * d + j] } else { 0.0 };
                        tree.blocks.push(v);
                    }
                }
                next += 1;
            }
        }
        tree
    }

    /// Adds the node of `order` (positions `offset..offset + order.len()`) and its subtree;
    /// returns its id.
    fn build(&mut self, rows: &[f64], order: &mut [usize], offset: usize) -> usize {
        let d = self.d;
        let id = self.nodes.len();
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for &i in order.iter() {
            for (j, &v) in rows[i * d..(i + 1) * d].iter().enumerate() {
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
            }
        }
        let spread = (0..d).map(|j| hi[j] - lo[j]).fold(0.0, f64::max);
        self.bounds.extend_from_slice(&lo);
        self.bounds.extend_from_slice(&hi);
        let min_index = order.iter().copied().min().unwrap_or(0);
        let n = order.len();
        self.nodes.push(Node {
            start: offset,
            end: offset + n,
            left: 0,
            right: 0,
            min_index,
            same: false,
            dim: 0,
            cut: 0.0,
            block: 0,
        });
        if spread <= 0.0 {
            // Identical rows: kept in index order, so a search can stop after the first k.
            order.sort_unstable();
            self.nodes[id].same = true;
            return id;
        }
        if n <= LEAF {
            return id;
        }
        // Split the widest-variance feature at its median, moving the cut so that rows equal
        // to the median value all fall on one side: the children's boxes then do not overlap
        // on that feature even when it has many ties.
        let dim = widest_variance(rows, order, d);
        let key = |a: &usize| rows[a * d + dim];
        let mid = n / 2;
        order.select_nth_unstable_by(mid, |a, b| key(a).total_cmp(&key(b)));
        let m = key(&order[mid]);
        // Rows of the median value form a block starting at `first` after this partition.
        let lower = &mut order[..mid];
        let mut first = mid;
        let mut i = 0;
        while i < first {
            if key(&lower[i]) == m {
                first -= 1;
                lower.swap(i, first);
            } else {
                i += 1;
            }
        }
        let upper = &mut order[mid + 1..];
        let mut last = 0;
        for i in 0..upper.len() {
            if key(&upper[i]) == m {
                upper.swap(i, last);
                last += 1;
            }
        }
        let last = mid + 1 + last; // the block of median values is first..last
        let cut = if first == 0 {
            last
        } else if last == n || mid - first <= last - mid {
            first
        } else {
            last
        };
        let mid = if cut == 0 || cut == n { n / 2 } else { cut };
        let (l, r) = order.split_at_mut(mid);
        self.nodes[id].dim = dim;
        self.nodes[id].cut = r.iter().map(|&i| rows[i * d + dim]).fold(f64::INFINITY, f64::min);
        let left = self.build(rows, l, offset);
        let right = self.build(rows, r, offset + mid);
        self.nodes[id].left = left;
        self.nodes[id].right = right;
        id
    }

    pub(crate) fn n_rows(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn n_features(&self) -> usize {
        self.d
    }

    /// The rows in tree order, row-major.
    pub(crate) fn points(&self) -> &[f64] {
        &self.points
    }

    /// The original index of each tree position.
    pub(crate) fn order(&self) -> &[usize] {
        &self.order
    }

    /// Lower bound of the squared distance from `q` to any row of node `id` (see the module
    /// doc for why it is exact in floating point).
    #[inline]
    fn lower_bound(&self, id: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let b = &self.bounds[2 * d * id..2 * d * (id + 1)];
        let (lo, hi) = b.split_at(d);
        let mut sum = 0.0;
        for ((&v, &l), &h) in q.iter().zip(lo).zip(hi) {
            // l − v > 0 below the box, v − h > 0 above it, both ≤ 0 inside (h ≥ l).
            let (a, b) = (l - v, v - h);
            let m = if a > b { a } else { b };
            let diff = if m > 0.0 { m } else { 0.0 };
            sum += diff * diff;
        }
        sum
    }

    /// Whether node `id`, at squared lower bound `lb`, may hold a row that enters `top`.
    #[inline]
    fn may_enter(&self, id: usize, lb: f64, top: &TopK) -> bool {
        if !top.is_full() {
            return true;
        }
        if lb > top.reject_above() {
            return false;
        }
        let (wd, wi) = top.worst();
        let lbd = lb.sqrt();
        lbd < wd || (lbd == wd && self.nodes[id].min_index < wi)
    }

    /// Offers every row except original index `skip` that may be among the nearest to `top`.
    pub(crate) fn search(&self, q: &[f64], skip: Option<usize>, top: &mut TopK) {
        if self.nodes.is_empty() {
            return;
        }
        let lb = self.lower_bound(0, q);
        self.visit(0, lb, q, skip, top);
    }

    fn visit(&self, id: usize, lb: f64, q: &[f64], skip: Option<usize>, top: &mut TopK) {
        if !self.may_enter(id, lb, top) {
            return;
        }
        let node = &self.nodes[id];
        if node.left == 0 {
            let d = self.d;
            if node.same {
                // One distance for all; of equal distances the lower indices win, and they come
                // first, so at most k of them (plus the skipped row) can enter.
                let p0 = node.start;
                let sq = squared(q, &self.points[p0 * d..(p0 + 1) * d]);
                let rows = self.order[node.start..node.end].iter().filter(|&&i| Some(i) != skip);
                for &i in rows.take(top.k()) {
                    top.push(sq, i);
                }
                return;
            }
            for (b, p0) in (node.start..node.end).step_by(BLOCK).enumerate() {
                let block = &self.blocks[(node.block + b) * d * BLOCK..][..d * BLOCK];
                let mut sum = [0.0; BLOCK];
                for (&v, col) in q.iter().zip(block.chunks_exact(BLOCK)) {
                    for (acc, &t) in sum.iter_mut().zip(col) {
                        let diff = v - t;
                        *acc += diff * diff;
                    }
                }
                let lanes = BLOCK.min(node.end - p0);
                for (&sq, &i) in sum[..lanes].iter().zip(&self.order[p0..p0 + lanes]) {
                    if Some(i) != skip {
                        top.push(sq, i);
                    }
                }
            }
            return;
        }
        // The child on the query's side first, with the parent's bound (its own is at least as
        // large); the other one's bound is only computed once the first has tightened `top`.
        let (near, far) =
            if q[node.dim] < node.cut { (node.left, node.right) } else { (node.right, node.left) };
        self.visit(near, lb, q, skip, top);
        let lb_far = self.lower_bound(far, q);
        self.visit(far, lb_far, q, skip, top);
    }
}

//! POT / SPOT on data whose true tail is known, and the typed failures of the GPD fit.

use oddity_eval::threshold::{fit_gpd, pot, spot, ThresholdError, ThresholdMethod};

/// SplitMix64: a small seeded generator, enough for uniform draws in tests.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn exponential(&mut self) -> f64 {
        -self.uniform().ln()
    }

    /// Pareto with minimum 1 and tail index `alpha`: `P(X > x) = x^(−alpha)`.
    fn pareto(&mut self, alpha: f64) -> f64 {
        self.uniform().powf(-1.0 / alpha)
    }
}

#[test]
fn pot_on_exponential_draws_finds_the_true_quantile() {
    // P(X > z) = e^(−z) = 1e-4 at z = ln(10⁴) ≈ 9.21.
    let mut rng = SplitMix64(42);
    let train: Vec<f64> = (0..100_000).map(|_| rng.exponential()).collect();
    let fit = pot(&train, 1e-4, 0.98).unwrap();
    let truth = 1e4f64.ln();
    let rel = (fit.threshold - truth).abs() / truth;
    assert!(rel < 0.03, "threshold {} vs {truth} ({rel:.4} relative)", fit.threshold);
    println!("pot exp(1): threshold {} (truth {truth}), {:?}", fit.threshold, fit.gpd);
    assert_eq!(fit.excesses, 2000);
    assert!(fit.gpd.shape.abs() < 0.1, "{:?}", fit.gpd);
    let method = ThresholdMethod::Pot { q: 1e-4, level: 0.98 };
    assert_eq!(method.fit(&train).unwrap(), fit.threshold);
}

#[test]
fn gpd_fit_recovers_pareto_tail_shapes() {
    // Excesses of a Pareto(α) over a high threshold are GPD with shape 1/α.
    for (seed, alpha) in [(1, 2.0), (2, 4.0), (3, 1.5)] {
        let mut rng = SplitMix64(seed);
        let train: Vec<f64> = (0..200_000).map(|_| rng.pareto(alpha)).collect();
        let fit = pot(&train, 1e-4, 0.95).unwrap();
        let shape = 1.0 / alpha;
        println!("pareto alpha {alpha}: shape {} (truth {shape})", fit.gpd.shape);
        assert!((fit.gpd.shape - shape).abs() < 0.05, "alpha {alpha}: {:?}", fit.gpd);
        // The true 1e-4 quantile is 10^(4/α).
        let truth = 1e4f64.powf(1.0 / alpha);
        assert!((fit.threshold / truth - 1.0).abs() < 0.2, "{} vs {truth}", fit.threshold);
    }
}

#[test]
fn gpd_fit_that_cannot_work_is_an_error() {
    for excesses in [vec![], vec![1.0], vec![2.0, 2.0, 2.0], vec![1.0, -1.0], vec![1.0, f64::NAN]] {
        let got = fit_gpd(&excesses);
        assert!(matches!(got, Err(ThresholdError::GpdFit { .. })), "{excesses:?}: {got:?}");
    }
    // A constant training set has no excess over its quantile.
    let got = pot(&[3.0; 100], 1e-3, 0.9);
    assert!(matches!(got, Err(ThresholdError::GpdFit { .. })), "{got:?}");
    let train: Vec<f64> = (1..=10).map(f64::from).collect();
    let got = pot(&train, 0.9, 0.5);
    assert!(matches!(got, Err(ThresholdError::InvalidParameter { name: "q", .. })), "{got:?}");
}

#[test]
fn spot_flags_injected_peaks_and_learns_from_normal_data() {
    let mut rng = SplitMix64(7);
    let train: Vec<f64> = (0..20_000).map(|_| rng.exponential()).collect();
    let mut test: Vec<f64> = (0..5_000).map(|_| rng.exponential()).collect();
    for i in [1000, 2500, 4000] {
        test[i] = 30.0;
    }
    let result = spot(&train, &test, 1e-4, 0.98).unwrap();
    assert_eq!(result.thresholds.len(), test.len());
    for i in [1000, 2500, 4000] {
        assert!(result.alarms[i], "peak at {i} missed");
    }
    // About q · 5000 = 0.5 false alarms expected; a handful at most.
    assert!(result.alarms.iter().filter(|&&a| a).count() <= 6);
    // The threshold moves as excesses arrive, but only on non-alarms.
    assert!(result.thresholds.windows(2).any(|w| w[0] != w[1]));
    assert_eq!(result.thresholds[1001], result.thresholds[1000]);
}

//! TSB-AD's semi-supervised sub-sequence presets, `sub_mcd` and `sub_ocsvm` (TSB-AD's
//! `Sub_MCD` and `Sub_OCSVM`): `oddity-classical`'s `mcd` and `ocsvm` on the z-normalised
//! period windows, fitted on a series' training prefix (see the table in [`crate::sub`]'s
//! docs and [`crate::SubValidParams::fit_prefix`]).

use oddity_classical::{McdParams, OcsvmParams};
use oddity_core::{Detector, DetectorParams, Error, ParamSpec, Params, Supervision};

use crate::sub::{model_error, SubModel, SubParams};
use crate::windows::{PointRule, WindowNorm};

/// `sub_mcd`: the squared robust Mahalanobis distance (FAST-MCD) of each z-normalised
/// window of the period of rank 3, written at the window centre, as TSB-AD's `Sub_MCD`
/// (`support_fraction = None`). The parameters are `mcd`'s own ([`McdParams`], whose
/// defaults are TSB-AD's), on windows instead of rows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SubMcd(pub McdParams);

impl SubModel for SubMcd {
    const NAME: &'static str = "sub_mcd";
    const SUMMARY: &'static str = "TSB-AD's Sub-MCD: mcd (squared robust Mahalanobis distance) of the z-normalised period windows (rank 3), fitted on the training part, score at the window centre";
    const INNER: &'static str = "mcd";
    const PERIOD_RANK: usize = 3;
    const NORM: WindowNorm = WindowNorm::Window;
    const POINTS: PointRule = PointRule::Centre;
    const SUPERVISION: Supervision = Supervision::SemiSupervised;

    fn specs(&self) -> Vec<ParamSpec> {
        self.0.specs()
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        McdParams::from_params(p).map(Self)
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        Ok(Box::new(self.0.check().map_err(model_error)?))
    }
}

/// `sub_ocsvm`: minus the one-class ν-SVM decision value (RBF kernel) of each z-normalised
/// window of the period of rank 2, written at the window centre, as TSB-AD's `Sub_OCSVM`
/// (`kernel = "rbf"`, `nu = 0.5`, `gamma = "auto"`: [`OcsvmParams`]' defaults, on windows
/// instead of rows). As there, the training windows are min-max scaled to [0, 1] after the
/// z-normalisation and the windows scored are not.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SubOcsvm(pub OcsvmParams);

impl SubModel for SubOcsvm {
    const NAME: &'static str = "sub_ocsvm";
    const SUMMARY: &'static str = "TSB-AD's Sub-OCSVM: ocsvm (RBF) on the z-normalised period windows (rank 2), fitted on the training part (windows min-max scaled at fit only), score at the window centre";
    const INNER: &'static str = "ocsvm";
    const PERIOD_RANK: usize = 2;
    const NORM: WindowNorm = WindowNorm::Window;
    const POINTS: PointRule = PointRule::Centre;
    const SUPERVISION: Supervision = Supervision::SemiSupervised;
    const FIT_MINMAX: bool = true;

    fn specs(&self) -> Vec<ParamSpec> {
        self.0.specs()
    }

    fn from_params(p: &Params) -> Result<Self, Error> {
        OcsvmParams::from_params(p).map(Self)
    }

    fn inner(&self) -> Result<Box<dyn Detector>, Error> {
        Ok(Box::new(self.0.check().map_err(model_error)?))
    }
}

/// Parameters of `sub_mcd`.
pub type SubMcdParams = SubParams<SubMcd>;
/// Parameters of `sub_ocsvm`.
pub type SubOcsvmParams = SubParams<SubOcsvm>;

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use oddity_core::{Dataset, FitContext, ParamsError};

    use super::*;

    /// A noisy sine of period 20, `n` steps.
    fn sine(n: usize) -> Dataset {
        let x = Array2::from_shape_fn((n, 1), |(t, _)| {
            let noise = ((t * 7919) % 101) as f64 / 101.0 - 0.5;
            (std::f64::consts::TAU * t as f64 / 20.0).sin() + 0.05 * noise
        });
        Dataset::from_features("sine", x)
    }

    #[test]
    fn ocsvm_min_max_scales_the_training_windows_only() {
        // Fitted on min-max scaled windows, new z-normalised windows (which reach below 0)
        // score differently from the same detector fitted without the scaling.
        let data = sine(300);
        let ctx = FitContext::new(0);
        let p = SubOcsvmParams::default().window(20).check().unwrap();
        let (_, scores) = p.fit_score(&data, &ctx).unwrap();
        let plain = SubParams::<SubOcsvmPlain>::default().window(20).check().unwrap();
        let (_, other) = plain.fit_score(&data, &ctx).unwrap();
        assert_eq!(scores.len(), 300);
        assert!(scores.iter().zip(&other).any(|(a, b)| (a - b).abs() > 1e-6));
    }

    /// `sub_ocsvm` without the fit-time min-max scaling.
    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    struct SubOcsvmPlain(SubOcsvm);

    impl SubModel for SubOcsvmPlain {
        const NAME: &'static str = "sub_ocsvm_plain";
        const SUMMARY: &'static str = "test";
        const INNER: &'static str = "ocsvm";
        const PERIOD_RANK: usize = 2;
        const NORM: WindowNorm = WindowNorm::Window;
        const POINTS: PointRule = PointRule::Centre;
        const SUPERVISION: Supervision = Supervision::SemiSupervised;

        fn specs(&self) -> Vec<ParamSpec> {
            SubModel::specs(&self.0)
        }

        fn from_params(p: &Params) -> Result<Self, Error> {
            <SubOcsvm as SubModel>::from_params(p).map(Self)
        }

        fn inner(&self) -> Result<Box<dyn Detector>, Error> {
            SubModel::inner(&self.0)
        }
    }

    #[test]
    fn fit_prefix_takes_the_window_from_the_whole_series() {
        // The first 200 steps have period 10, the other 800 period 30: the fitted window is
        // the whole series' period, not the training prefix's, and every step is scored.
        let x = Array2::from_shape_fn((1000, 1), |(t, _)| {
            let p = if t < 200 { 10.0 } else { 30.0 };
            (std::f64::consts::TAU * t as f64 / p).sin() + 0.01 * ((t * 7919) % 101) as f64
        });
        let data = Dataset::from_features("two periods", x);
        let prefix = data.select_rows(&(0..200).collect::<Vec<_>>());
        let w = crate::windows::period_window(&data, 1);
        assert_ne!(w, crate::windows::period_window(&prefix, 1));
        let p = SubMcdParams::default().period_rank(1).check().unwrap();
        let ctx = FitContext::new(3);
        let (fitted, scores) = p.fit_prefix(&data, 200, &ctx).unwrap();
        assert_eq!(scores.len(), 1000);
        assert!(scores.iter().all(|s| s.is_finite()));
        // The fitted window is `w`: a series of `w` steps cannot be scored, one of `w + 1` can.
        assert!(fitted.score(&sine(w)).is_err());
        assert!(fitted.score(&sine(w + 1)).is_ok());
        assert!(matches!(p.fit_prefix(&data, 0, &ctx), Err(Error::Fit(_))));
        assert!(matches!(p.fit_prefix(&data, 1001, &ctx), Err(Error::Fit(_))));
        assert!(matches!(p.fit_prefix(&data, w, &ctx), Err(Error::Fit(_))));
    }

    #[test]
    fn support_fraction_is_checked() {
        let err = SubMcdParams::default()
            .model(SubMcd(McdParams::default().support_fraction(Some(1.5))))
            .check()
            .unwrap_err();
        assert_eq!(err.param(), "support_fraction");
        let err = SubOcsvmParams::default()
            .model(SubOcsvm(OcsvmParams::default().nu(f64::NAN)))
            .check()
            .unwrap_err();
        assert_eq!(err.param(), "nu");
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<SubMcdParams>();
        is_send_sync::<SubOcsvmParams>();
        is_send_sync::<crate::FittedSub<SubMcd>>();
    }
}

//! The deep detectors as the runner and `oddity list` see them.

use oddity_core::DetectorEntry;

use crate::{
    AutoencoderParams, CnnAutoencoderParams, DeepSvddParams, LstmAutoencoderParams, VaeParams,
};

/// Every deep detector: name, one-line summary, parameters, constructor and loader of its
/// saved fitted state, all derived from its parameter type
/// ([`oddity_core::DetectorParams`]).
pub fn detectors() -> Vec<DetectorEntry> {
    vec![
        DetectorEntry::of::<AutoencoderParams>(),
        DetectorEntry::of::<VaeParams>(),
        DetectorEntry::of::<DeepSvddParams>(),
        DetectorEntry::of::<LstmAutoencoderParams>(),
        DetectorEntry::of::<CnnAutoencoderParams>(),
    ]
}

/// The deep detector named `name`.
pub fn detector(name: &str) -> Option<DetectorEntry> {
    detectors().into_iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use oddity_core::{DetectorParams, ParamsError};

    use super::*;
    use crate::train::TrainParamsError;
    use crate::{
        AutoencoderParamsError, CnnAutoencoderParamsError, DeepSvddParamsError,
        LstmAutoencoderParamsError, VaeParamsError,
    };

    fn defaults_agree<P: DetectorParams + PartialEq + std::fmt::Debug>() {
        oddity_core::testing::check_registered::<P>(&detectors());
    }

    #[test]
    fn spec_defaults_equal_the_params_defaults() {
        defaults_agree::<AutoencoderParams>();
        defaults_agree::<VaeParams>();
        defaults_agree::<DeepSvddParams>();
        defaults_agree::<LstmAutoencoderParams>();
        defaults_agree::<CnnAutoencoderParams>();
        assert_eq!(detectors().len(), 5, "a detector is missing from this test");
    }

    #[test]
    fn names_and_state_tags_are_unique_and_stable() {
        oddity_core::testing::check_tags(&detectors());
    }

    #[test]
    fn training_errors_name_their_field() {
        let p = AutoencoderParams::default;
        for (err, field) in [
            (p().epochs(0).check().unwrap_err(), "epochs"),
            (p().batch_size(0).check().unwrap_err(), "batch_size"),
            (p().lr(0.0).check().unwrap_err(), "lr"),
            (p().lr(f64::NAN).check().unwrap_err(), "lr"),
            (p().weight_decay(-1.0).check().unwrap_err(), "weight_decay"),
            (p().validation(1.0).check().unwrap_err(), "validation"),
        ] {
            assert!(matches!(err, AutoencoderParamsError::Train(_)), "{err}");
            assert_eq!(err.param(), field);
        }
        assert_eq!(
            p().epochs(0).check(),
            Err(AutoencoderParamsError::Train(TrainParamsError::Epochs(0)))
        );
        assert_eq!(
            TrainParamsError::BatchSize(0).to_string(),
            "parameter `batch_size`: must be at least 1, got 0"
        );
    }

    #[test]
    fn autoencoder_hidden_and_dropout_are_checked() {
        let err = AutoencoderParams::default().hidden(vec![64, 0]).check().unwrap_err();
        assert_eq!(err, AutoencoderParamsError::Hidden(vec![64, 0]));
        assert_eq!(err.param(), "hidden");
        for bad in [1.0, -0.1, f64::NAN] {
            let err = AutoencoderParams::default().dropout(bad).check().unwrap_err();
            assert!(matches!(err, AutoencoderParamsError::Dropout(_)), "{err}");
            assert_eq!(err.param(), "dropout");
        }
    }

    #[test]
    fn vae_fields_are_checked() {
        let p = VaeParams::default;
        assert_eq!(p().hidden(vec![]).check(), Err(VaeParamsError::Hidden(vec![])));
        assert_eq!(p().latent(0).check(), Err(VaeParamsError::Latent(0)));
        assert_eq!(p().beta(-0.5).check(), Err(VaeParamsError::Beta(-0.5)));
        assert!(matches!(p().beta(f64::NAN).check(), Err(VaeParamsError::Beta(_))));
        assert_eq!(p().dropout(1.0).check(), Err(VaeParamsError::Dropout(1.0)));
        assert_eq!(p().latent(0).check().unwrap_err().param(), "latent");
        assert_eq!(p().epochs(0).check().unwrap_err().param(), "epochs");
    }

    #[test]
    fn deepsvdd_hidden_is_checked() {
        let err = DeepSvddParams::default().hidden(vec![0]).check().unwrap_err();
        assert_eq!(err, DeepSvddParamsError::Hidden(vec![0]));
        assert_eq!(err.param(), "hidden");
        let err = DeepSvddParams::default().lr(0.0).check().unwrap_err();
        assert_eq!(err.param(), "lr");
    }

    #[test]
    fn lstm_hidden_and_layers_are_checked() {
        let p = LstmAutoencoderParams::default;
        assert_eq!(p().hidden(0).check(), Err(LstmAutoencoderParamsError::Hidden(0)));
        assert_eq!(p().layers(0).check(), Err(LstmAutoencoderParamsError::Layers(0)));
        assert_eq!(p().layers(0).check().unwrap_err().param(), "layers");
        assert_eq!(p().batch_size(0).check().unwrap_err().param(), "batch_size");
    }

    #[test]
    fn cnn_channels_and_kernel_are_checked() {
        let p = CnnAutoencoderParams::default;
        assert_eq!(p().channels(0).check(), Err(CnnAutoencoderParamsError::Channels(0)));
        for bad in [1, 2, 6] {
            assert_eq!(p().kernel(bad).check(), Err(CnnAutoencoderParamsError::Kernel(bad)));
        }
        assert_eq!(p().kernel(6).check().unwrap_err().param(), "kernel");
        assert!(p().kernel(3).check().is_ok());
    }
}

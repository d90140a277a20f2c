//! What shell completion offers for values: the language tags, and the names of the built-in
//! dataset (its id, series, schemes and concepts), a static list checked against the data the
//! server serves (`cli/tests/e2e/cli_lookup.rs`). The names are hints, not a check: any
//! value is parsed as before (a name of another dataset too), and `--help` does not list them.

use clap::{
    Arg, Command,
    builder::{PossibleValue, TypedValueParser},
    error::Error,
};

/// The language tags offered (any English or Simplified Chinese BCP-47 tag is taken).
pub(super) const LANG_TAGS: &[&str] = &["en", "en-US", "zh", "zh-Hans", "zh-CN"];

/// The built-in dataset's id.
pub(super) const DATASETS: &[&str] = &["cic-global-llm"];

/// The series of the built-in dataset.
pub(super) const SERIES: &[&str] = &[
    "application-market",
    "inference-cost",
    "maas-market",
    "market-size",
];

/// The concept schemes of the built-in taxonomy.
pub(super) const SCHEMES: &[&str] = &[
    "industry",
    "capability-levels",
    "modalities",
    "drivers",
    "trends",
    "barriers",
    "applications",
];

/// The concepts of the built-in taxonomy, as people type them (`scheme/concept`).
pub(super) const CONCEPTS: &[&str] = &[
    "industry/large-model-industry",
    "industry/large-model-companies",
    "industry/pureplay",
    "industry/non-pureplay",
    "industry/revenue-sources",
    "industry/model-based-revenue",
    "industry/ai-native-applications",
    "industry/maas",
    "industry/deployment-based-revenue",
    "industry/private-deployment",
    "capability-levels/l1",
    "capability-levels/l2",
    "capability-levels/l3",
    "capability-levels/l4",
    "capability-levels/l5",
    "modalities/text",
    "modalities/vision-understanding",
    "modalities/speech-audio-generation",
    "modalities/visual-generation",
    "modalities/image-generation",
    "modalities/video-generation",
    "modalities/unified-multimodal",
    "drivers/technology-leap",
    "drivers/scaling-law",
    "drivers/pretraining-scaling-law",
    "drivers/inference-scaling-law",
    "drivers/cost-decline",
    "trends/model-intelligence",
    "trends/scale-and-moe",
    "trends/context-and-efficiency",
    "trends/human-alignment",
    "trends/cot-reasoning-models",
    "trends/agentic-tool-use",
    "trends/open-and-closed-source",
    "trends/acceleration",
    "trends/modality-expansion",
    "trends/native-product-penetration",
    "trends/unprecedented-application-growth",
    "trends/generality-market-space",
    "barriers/frontier-rnd",
    "barriers/commercialisation-efficiency",
    "barriers/talent-organisation",
    "applications/agent-applications",
    "applications/entertainment-generative-applications",
    "applications/multimodal-applications",
    "applications/vertical-applications",
    "applications/content-moderation",
    "applications/realtime-ai-companionship",
];

/// A value parser (`parse`) whose completions are `values`.
#[derive(Clone)]
pub(super) struct Hinted<T: Clone + Send + Sync + 'static> {
    /// Parses and checks a value.
    parse: fn(&str) -> Result<T, String>,
    /// What completion offers.
    values: &'static [&'static str],
}

/// `parse`, completed with `values`.
pub(super) fn hinted<T: Clone + Send + Sync + 'static>(
    parse: fn(&str) -> Result<T, String>,
    values: &'static [&'static str],
) -> Hinted<T> {
    Hinted { parse, values }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Hinted<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|v| PossibleValue::new(*v))))
    }
}

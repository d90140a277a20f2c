//! Finding one's way around the taxonomy: its schemes, the concepts of one scheme or of all (in
//! vocabulary order, so broader concepts come before their narrower ones), and the capability
//! ladder with the level the report calls current.

use futures_util::future::try_join_all;
use llmarket_proto::llmarket::taxonomy::v2 as t2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{
        convert,
        model::ConceptSummary,
        shared::{CAPABILITY_LEVELS_SCHEME, CURRENT_LEVEL_ATTRIBUTE, Language},
    },
};

/// The schemes of the taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeList {
    /// The schemes in name order.
    pub schemes: Vec<SchemeInfo>,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// One scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeInfo {
    /// `schemes/{scheme}`.
    pub name: String,
    /// The title in the requested language.
    pub title: String,
    /// What the scheme covers.
    pub definition: String,
    /// How many concepts it has.
    pub concept_count: i32,
    /// Its concepts without a broader concept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_concepts: Vec<String>,
    /// The section of the source report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// The concepts of one scheme, or of every scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptList {
    /// The scheme listed, `schemes/{scheme}`; absent when every scheme is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The concepts, scheme by scheme in vocabulary order (broader before narrower).
    pub concepts: Vec<ConceptSummary>,
    /// Whether to render them as a hierarchy rather than a table; not part of the JSON.
    #[serde(skip)]
    pub tree: bool,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// The capability levels in order, and the one the report calls current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityLadder {
    /// The scheme of the levels, `schemes/capability-levels`.
    pub scheme: String,
    /// The levels, lowest first.
    pub levels: Vec<ConceptSummary>,
    /// The level carrying the `current_level` attribute, if one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// Where models stand on the current level, as the attribute says (e.g. "border").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

fn scheme_info(language: Language, s: t2::Scheme) -> SchemeInfo {
    SchemeInfo {
        title: convert::pick_taxonomy_text(language, &s.titles),
        definition: convert::pick_taxonomy_text(language, &s.definitions),
        name: s.name,
        concept_count: s.concept_count,
        top_concepts: s.top_concepts,
        source: s.source,
    }
}

impl Client {
    /// The schemes of the taxonomy, every page.
    pub async fn schemes(&self, language: Language) -> Result<SchemeList, ClientError> {
        let schemes = self
            .list_schemes(self.dataset())
            .await?
            .into_iter()
            .map(|s| scheme_info(language, s))
            .collect();
        Ok(SchemeList { schemes, language })
    }

    /// Every concept of `scheme` (`schemes/{scheme}`), or of every scheme when `None`, every
    /// page; the schemes' lists are fetched at once.
    pub async fn concept_list(
        &self,
        scheme: Option<&str>,
        tree: bool,
        language: Language,
    ) -> Result<ConceptList, ClientError> {
        let schemes = match scheme {
            Some(scheme) => vec![self.scheme_name(scheme)],
            None => self
                .list_schemes(self.dataset())
                .await?
                .into_iter()
                .map(|s| s.name)
                .collect(),
        };
        let lists = try_join_all(schemes.iter().map(|scheme| self.list_concepts(scheme))).await?;
        let concepts = lists
            .into_iter()
            .flatten()
            .map(|c| convert::concept("ListConcepts", language, c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ConceptList {
            scheme: scheme.map(|scheme| self.scheme_name(scheme)),
            concepts,
            tree,
            language,
        })
    }

    /// The capability levels (`schemes/capability-levels`) in order, with the one carrying the
    /// `current_level` attribute.
    pub async fn capability_ladder(
        &self,
        language: Language,
    ) -> Result<CapabilityLadder, ClientError> {
        let scheme = self.scheme_name(CAPABILITY_LEVELS_SCHEME);
        let levels = self
            .list_concepts(&scheme)
            .await?
            .into_iter()
            .map(|c| convert::concept("ListConcepts", language, c))
            .collect::<Result<Vec<_>, _>>()?;
        let current = levels.iter().find_map(|level| {
            let position = level.attributes.get(CURRENT_LEVEL_ATTRIBUTE)?;
            Some((level.name.clone(), position.clone()))
        });
        let (current, position) = current.unzip();
        Ok(CapabilityLadder {
            scheme,
            levels,
            current,
            position,
            language,
        })
    }
}

//! End-to-end tests of the taxonomy service over gRPC: every scheme and concept of the report's
//! section 1.1 and chapter 2 in both languages, the hierarchy and relations, search in Chinese and
//! English, the milestone timeline, links to the forecast service's series, language choice,
//! paging, and every kind of bad input.

use std::{collections::BTreeSet, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_kit::data::{self, DataFile, DatasetFiles};
use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_taxonomy as taxonomy;
use llmarket_tests::{
    Servers, TestServer,
    assert::{assert_invalid, assert_not_found},
};
use tonic::{Status, transport::Channel};

type Client = TaxonomyServiceClient<Channel>;

const SCHEMES: [&str; 7] = [
    "industry",
    "capability-levels",
    "modalities",
    "drivers",
    "trends",
    "barriers",
    "applications",
];

fn concept(scheme: &str, id: &str) -> String {
    format!("schemes/{scheme}/concepts/{id}")
}

async fn client(server: &TestServer) -> Client {
    TaxonomyServiceClient::new(server.channel().await)
}

async fn get_concept(c: &mut Client, name: &str, language_code: &str) -> pb::GetConceptResponse {
    c.get_concept(pb::GetConceptRequest {
        name: name.into(),
        language_code: language_code.into(),
    })
    .await
    .unwrap_or_else(|e| panic!("GetConcept {name}: {e:?}"))
    .into_inner()
}

/// Every concept of `scheme`, page by page (small pages, so paging is exercised too).
async fn list_all(c: &mut Client, scheme: &str, language_code: &str) -> Vec<pb::Concept> {
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = c
            .list_concepts(pb::ListConceptsRequest {
                parent: format!("schemes/{scheme}"),
                broader: String::new(),
                page_size: 4,
                page_token,
                language_code: language_code.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.concepts.len() <= 4);
        all.extend(page.concepts);
        if page.next_page_token.is_empty() {
            return all;
        }
        page_token = page.next_page_token;
    }
}

async fn search(c: &mut Client, query: &str, language_code: &str) -> pb::SearchConceptsResponse {
    c.search_concepts(pb::SearchConceptsRequest {
        query: query.into(),
        language_code: language_code.into(),
        schemes: Vec::new(),
        page_size: 1000,
        page_token: String::new(),
        view: pb::ConceptView::Unspecified.into(),
    })
    .await
    .unwrap_or_else(|e| panic!("search {query:?}: {e:?}"))
    .into_inner()
}

fn text<'a>(texts: &'a [pb::LocalizedText], language_code: &str) -> &'a str {
    texts
        .iter()
        .find(|t| t.language_code == language_code)
        .map_or("", |t| t.text.as_str())
}

fn hit_names(response: &pb::SearchConceptsResponse) -> Vec<&str> {
    response
        .hits
        .iter()
        .map(|h| h.concept.as_ref().map_or("", |c| c.name.as_str()))
        .collect()
}

// ---- content ----

#[tokio::test]
async fn the_schemes_are_listed_in_vocabulary_order_with_both_languages() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let response = c
        .list_schemes(pb::ListSchemesRequest {
            page_size: 0,
            page_token: String::new(),
            language_code: "en".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = response.schemes.iter().map(|s| s.name.as_str()).collect();
    let expected: Vec<String> = SCHEMES.iter().map(|s| format!("schemes/{s}")).collect();
    assert_eq!(names, expected);
    assert_eq!(
        (response.language_code.as_str(), response.language_fallback),
        ("en", false)
    );
    assert!(response.next_page_token.is_empty());
    for scheme in &response.schemes {
        assert_eq!(scheme.title, text(&scheme.titles, "en"));
        assert!(!text(&scheme.titles, "zh-Hans").is_empty(), "{scheme:?}");
        assert!(!scheme.definition.is_empty(), "{scheme:?}");
        assert!(!scheme.source.is_empty(), "{scheme:?}");
        assert_eq!(scheme.dataset, "datasets/cic-global-llm-2026");
        assert!(scheme.concept_count > 0);
        assert!(!scheme.top_concepts.is_empty());
    }
    let barriers = &response.schemes[5];
    assert_eq!(barriers.concept_count, 3, "the three core barriers");
}

/// (scheme, concept, zh-Hans label, en label, section) for every concept the issue names.
const EXPECTED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "industry",
        "large-model-industry",
        "全球大模型行业",
        "Global large-model industry",
        "1.1",
    ),
    (
        "industry",
        "large-model-companies",
        "大模型技术公司",
        "Large-model technology companies",
        "1.1",
    ),
    (
        "industry",
        "pureplay",
        "主营业务聚焦于大模型的公司",
        "Pureplay large-model company",
        "1.1",
    ),
    (
        "industry",
        "non-pureplay",
        "在原有业务基础上切入大模型的公司",
        "Non-pureplay large-model company",
        "1.1",
    ),
    (
        "industry",
        "revenue-sources",
        "全球大模型市场的收入来源",
        "Revenue sources of the global large-model market",
        "1.2",
    ),
    (
        "industry",
        "model-based-revenue",
        "基于模型的收入",
        "Model-based revenue",
        "1.2",
    ),
    (
        "industry",
        "ai-native-applications",
        "AI 原生应用收入",
        "AI-native application revenue",
        "1.2",
    ),
    ("industry", "maas", "MaaS 收入", "MaaS revenue", "1.2"),
    (
        "industry",
        "deployment-based-revenue",
        "基于部署的收入",
        "Deployment-based revenue",
        "1.2",
    ),
    (
        "industry",
        "private-deployment",
        "定制化的私有化部署解决方案",
        "Customised private-deployment solutions",
        "1.2",
    ),
    ("capability-levels", "l1", "可对话的AI", "Chatbots", "2.2"),
    (
        "capability-levels",
        "l2",
        "具备像人类一样解决问题能力的AI",
        "Reasoners",
        "2.2",
    ),
    ("capability-levels", "l3", "能行动的AI", "Agents", "2.2"),
    (
        "capability-levels",
        "l4",
        "能辅助发明的AI",
        "Innovators",
        "2.2",
    ),
    (
        "capability-levels",
        "l5",
        "能像组织一样运作的AI",
        "Organizations",
        "2.2",
    ),
    ("modalities", "text", "文本", "Text", "2.2"),
    (
        "modalities",
        "vision-understanding",
        "视觉理解",
        "Vision understanding",
        "2.2",
    ),
    (
        "modalities",
        "speech-audio-generation",
        "语言生成",
        "Speech and audio generation",
        "2.2",
    ),
    (
        "modalities",
        "visual-generation",
        "视觉生成",
        "Visual generation",
        "2.2",
    ),
    (
        "modalities",
        "image-generation",
        "图像生成",
        "Image generation",
        "2.2",
    ),
    (
        "modalities",
        "video-generation",
        "视频生成",
        "Video generation",
        "2.2",
    ),
    (
        "modalities",
        "unified-multimodal",
        "统一多模态模型",
        "Unified multimodal models",
        "2.2",
    ),
    (
        "drivers",
        "technology-leap",
        "技术跃升",
        "Technology leap",
        "2.1",
    ),
    (
        "drivers",
        "scaling-law",
        "Scaling Law",
        "Scaling law",
        "2.1",
    ),
    (
        "drivers",
        "pretraining-scaling-law",
        "预训练阶段的 Scaling Law",
        "Pre-training scaling law",
        "2.1",
    ),
    (
        "drivers",
        "inference-scaling-law",
        "推理时算力 Scaling Law",
        "Inference-time compute scaling law",
        "2.1",
    ),
    (
        "drivers",
        "cost-decline",
        "成本下降与市场落地",
        "Cost decline and market adoption",
        "2.1",
    ),
    (
        "trends",
        "model-intelligence",
        "模型智能水平持续提升",
        "Model intelligence keeps rising",
        "2.2",
    ),
    (
        "trends",
        "scale-and-moe",
        "模型规模扩展与能力提升",
        "Larger models, greater capability",
        "2.2",
    ),
    (
        "trends",
        "context-and-efficiency",
        "上下文长度与推理效率提升",
        "Longer context and more efficient inference",
        "2.2",
    ),
    (
        "trends",
        "human-alignment",
        "人类对齐",
        "Human alignment",
        "2.2",
    ),
    (
        "trends",
        "cot-reasoning-models",
        "CoT (思维链) 与推理模型涌现",
        "Chain of thought and the rise of reasoning models",
        "2.2",
    ),
    (
        "trends",
        "agentic-tool-use",
        "Agentic 工具使用成为新范式",
        "Agentic tool use becomes the new paradigm",
        "2.2",
    ),
    (
        "trends",
        "open-and-closed-source",
        "闭源与开源共进",
        "Closed and open source advance together",
        "2.2",
    ),
    (
        "trends",
        "acceleration",
        "加速发展",
        "Accelerating development",
        "2.2",
    ),
    (
        "trends",
        "modality-expansion",
        "模态持续扩充",
        "Modalities keep expanding",
        "2.2",
    ),
    (
        "trends",
        "native-product-penetration",
        "大模型原生产品渗透率持续提升，商业价值不断释放",
        "Large-model-native products penetrate further and release commercial value",
        "2.2",
    ),
    (
        "barriers",
        "frontier-rnd",
        "前沿研发能力",
        "Frontier R&D capability",
        "2.3",
    ),
    (
        "barriers",
        "commercialisation-efficiency",
        "商业化效率",
        "Commercialisation efficiency",
        "2.3",
    ),
    (
        "barriers",
        "talent-organisation",
        "以人才为核心的组织实力",
        "Talent-centred organisational strength",
        "2.3",
    ),
    (
        "applications",
        "agent-applications",
        "Agent 应用",
        "Agent applications",
        "2.3",
    ),
    (
        "applications",
        "entertainment-generative-applications",
        "娱乐及生成类应用",
        "Entertainment and generative applications",
        "2.3",
    ),
    (
        "applications",
        "multimodal-applications",
        "多模态应用",
        "Multimodal applications",
        "2.3",
    ),
    (
        "applications",
        "content-moderation",
        "大规模内容审核",
        "Large-scale content moderation",
        "2.1",
    ),
    (
        "applications",
        "realtime-ai-companionship",
        "实时 AI 陪伴",
        "Real-time AI companionship",
        "2.1",
    ),
];

#[tokio::test]
async fn every_concept_of_the_report_is_present_in_both_languages() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let mut listed = BTreeSet::new();
    for scheme in SCHEMES {
        let zh = list_all(&mut c, scheme, "").await;
        let en = list_all(&mut c, scheme, "en").await;
        assert_eq!(zh.len(), en.len());
        for (zh, en) in zh.iter().zip(&en) {
            assert_eq!(zh.name, en.name);
            assert_eq!(zh.scheme, format!("schemes/{scheme}"));
            assert_eq!(zh.pref_label, text(&zh.pref_labels, "zh-Hans"), "{zh:?}");
            assert_eq!(en.pref_label, text(&en.pref_labels, "en"), "{en:?}");
            assert_eq!(zh.pref_labels, en.pref_labels, "both languages always come");
            for language in ["zh-Hans", "en"] {
                assert!(!text(&zh.pref_labels, language).is_empty(), "{zh:?}");
                assert!(!text(&zh.definitions, language).is_empty(), "{zh:?}");
            }
            assert!(!zh.source.is_empty());
            listed.insert(zh.name.clone());
        }
    }
    for &(scheme, id, zh_label, en_label, source) in EXPECTED {
        let name = concept(scheme, id);
        assert!(listed.contains(&name), "{name} is not listed");
        let got = get_concept(&mut c, &name, "zh-Hans").await.concept.unwrap();
        assert_eq!(got.pref_label, zh_label, "{name}");
        assert_eq!(text(&got.pref_labels, "en"), en_label, "{name}");
        assert_eq!(got.source, source, "{name}");
    }
}

#[tokio::test]
async fn the_capability_levels_are_the_five_openai_levels_with_l3_at_the_border() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let scheme = c
        .get_scheme(pb::GetSchemeRequest {
            name: "schemes/capability-levels".into(),
            language_code: "en".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let levels: Vec<(&str, &str)> = scheme
        .top_concepts
        .iter()
        .map(|c| (c.notation.as_str(), c.pref_label.as_str()))
        .collect();
    assert_eq!(
        levels,
        [
            ("L1", "Chatbots"),
            ("L2", "Reasoners"),
            ("L3", "Agents"),
            ("L4", "Innovators"),
            ("L5", "Organizations")
        ]
    );
    assert_eq!(
        scheme.scheme.unwrap().top_concepts,
        scheme
            .top_concepts
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    );
    for level in &scheme.top_concepts {
        let current = level.attributes.get("current_level");
        if level.notation == "L3" {
            assert_eq!(current.map(String::as_str), Some("border"));
            assert!(text(&level.definitions, "zh-Hans").contains("当前模型已达到 Level 3 交界处"));
        } else {
            assert_eq!(current, None, "{level:?}");
        }
    }
}

#[tokio::test]
async fn the_hierarchy_and_ancestors_are_right() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let maas = get_concept(&mut c, &concept("industry", "maas"), "en")
        .await
        .concept
        .unwrap();
    assert_eq!(maas.broader, [concept("industry", "model-based-revenue")]);
    assert_eq!(
        maas.ancestors,
        [
            concept("industry", "model-based-revenue"),
            concept("industry", "revenue-sources"),
            concept("industry", "large-model-industry"),
        ]
    );
    assert!(maas.narrower.is_empty());

    let industry = c
        .get_scheme(pb::GetSchemeRequest {
            name: "schemes/industry".into(),
            language_code: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        industry.scheme.unwrap().top_concepts,
        [concept("industry", "large-model-industry")]
    );
    assert_eq!(industry.top_concepts[0].pref_label, "全球大模型行业");
    assert_eq!(industry.language_code, "zh-Hans");

    let narrower = |scheme: &str, id: &str| pb::ListConceptsRequest {
        parent: format!("schemes/{scheme}"),
        broader: concept(scheme, id),
        page_size: 0,
        page_token: String::new(),
        language_code: "en".into(),
    };
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "industry",
            "large-model-industry",
            &["large-model-companies", "revenue-sources"],
        ),
        (
            "industry",
            "large-model-companies",
            &["pureplay", "non-pureplay"],
        ),
        (
            "industry",
            "revenue-sources",
            &["model-based-revenue", "deployment-based-revenue"],
        ),
        (
            "industry",
            "model-based-revenue",
            &["ai-native-applications", "maas"],
        ),
        (
            "industry",
            "deployment-based-revenue",
            &["private-deployment"],
        ),
        (
            "modalities",
            "visual-generation",
            &["image-generation", "video-generation"],
        ),
        (
            "drivers",
            "scaling-law",
            &["pretraining-scaling-law", "inference-scaling-law"],
        ),
    ];
    for (scheme, id, expected) in cases {
        let listed = c
            .list_concepts(narrower(scheme, id))
            .await
            .unwrap()
            .into_inner();
        let names: Vec<&str> = listed.concepts.iter().map(|c| c.name.as_str()).collect();
        let expected: Vec<String> = expected.iter().map(|e| concept(scheme, e)).collect();
        assert_eq!(names, expected, "narrower of {id}");
        let parent = get_concept(&mut c, &concept(scheme, id), "en")
            .await
            .concept
            .unwrap();
        assert_eq!(parent.narrower, expected, "narrower field of {id}");
    }
    let trends = c
        .list_concepts(narrower("trends", "model-intelligence"))
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = trends
        .concepts
        .iter()
        .map(|c| c.name.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "scale-and-moe",
            "context-and-efficiency",
            "human-alignment",
            "cot-reasoning-models",
            "agentic-tool-use"
        ]
    );
    for child in &trends.concepts {
        assert_eq!(child.ancestors, [concept("trends", "model-intelligence")]);
    }
}

#[tokio::test]
async fn related_links_cross_schemes_both_ways() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let pairs = [
        (
            concept("trends", "agentic-tool-use"),
            concept("capability-levels", "l3"),
        ),
        (
            concept("capability-levels", "l3"),
            concept("applications", "agent-applications"),
        ),
        (
            concept("trends", "agentic-tool-use"),
            concept("applications", "agent-applications"),
        ),
        (
            concept("drivers", "cost-decline"),
            concept("applications", "content-moderation"),
        ),
        (
            concept("drivers", "cost-decline"),
            concept("applications", "realtime-ai-companionship"),
        ),
    ];
    for (a, b) in pairs {
        let ca = get_concept(&mut c, &a, "en").await.concept.unwrap();
        let cb = get_concept(&mut c, &b, "en").await.concept.unwrap();
        assert!(ca.related.contains(&b), "{a} → {b}: {:?}", ca.related);
        assert!(cb.related.contains(&a), "{b} → {a}: {:?}", cb.related);
    }
    let cost = concept("drivers", "cost-decline");
    for id in ["content-moderation", "realtime-ai-companionship"] {
        let app = get_concept(&mut c, &concept("applications", id), "en")
            .await
            .concept
            .unwrap();
        assert_eq!(app.attributes.get("unlocked_by"), Some(&cost), "{id}");
        assert_eq!(
            app.ancestors,
            [concept("applications", "vertical-applications")]
        );
    }
}

#[tokio::test]
async fn batch_get_returns_concepts_in_request_order() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let names = vec![
        concept("capability-levels", "l5"),
        concept("industry", "maas"),
        concept("capability-levels", "l1"),
        concept("industry", "model-based-revenue"),
    ];
    let response = c
        .batch_get_concepts(pb::BatchGetConceptsRequest {
            names: names.clone(),
            language_code: "en-US".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let got: Vec<&str> = response.concepts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(got, names);
    assert_eq!(response.concepts[0].pref_label, "Organizations");
    assert_eq!(
        (response.language_code.as_str(), response.language_fallback),
        ("en", false)
    );
    let empty = c
        .batch_get_concepts(pb::BatchGetConceptsRequest {
            names: Vec::new(),
            language_code: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(empty.concepts.is_empty());
    // A concept asked for twice is refused, not answered twice: 1,000 copies of one concept
    // would turn a 50 KB request into a 2 MB reply.
    let status = c
        .batch_get_concepts(pb::BatchGetConceptsRequest {
            names: vec![concept("industry", "maas"); 1000],
            language_code: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(
        status.message(),
        "names[1]: \"schemes/industry/concepts/maas\" repeats names[0]; name each concept once"
    );
}

#[tokio::test]
async fn language_codes_pick_a_language_or_fall_back_to_the_source() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let l3 = concept("capability-levels", "l3");
    let cases = [
        ("", "zh-Hans", false, "能行动的AI"),
        ("zh", "zh-Hans", false, "能行动的AI"),
        ("zh-Hans", "zh-Hans", false, "能行动的AI"),
        ("zh-CN", "zh-Hans", false, "能行动的AI"),
        ("zh-SG", "zh-Hans", false, "能行动的AI"),
        ("en", "en", false, "Agents"),
        ("en-US", "en", false, "Agents"),
        ("EN-gb", "en", false, "Agents"),
        ("fr", "zh-Hans", true, "能行动的AI"),
        ("zh-Hant", "zh-Hans", true, "能行动的AI"),
        ("??", "zh-Hans", true, "能行动的AI"),
    ];
    for (code, served, fallback, label) in cases {
        let response = get_concept(&mut c, &l3, code).await;
        assert_eq!(
            (response.language_code.as_str(), response.language_fallback),
            (served, fallback),
            "{code:?}"
        );
        let got = response.concept.unwrap();
        assert_eq!(got.pref_label, label, "{code:?}");
        assert_eq!(got.pref_labels.len(), 2, "every language always comes");
    }
    let milestones = c
        .list_milestones(pb::ListMilestonesRequest {
            language_code: "de".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(milestones.language_fallback);
    let schemes = c
        .list_schemes(pb::ListSchemesRequest {
            language_code: "zh-Hant".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(schemes.language_fallback);
    assert_eq!(schemes.schemes[0].title, "全球大模型行业");
}

// ---- search ----

#[tokio::test]
async fn search_finds_concepts_in_chinese_without_word_breaks() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let reasoning = search(&mut c, "推理", "zh-Hans").await;
    let names = hit_names(&reasoning);
    for expected in [
        concept("trends", "cot-reasoning-models"),
        concept("drivers", "inference-scaling-law"),
        concept("trends", "context-and-efficiency"),
    ] {
        assert!(
            names.contains(&expected.as_str()),
            "{expected} not in {names:?}"
        );
    }
    assert_eq!(reasoning.total_size as usize, reasoning.hits.len());

    let agents = search(&mut c, "智能体", "zh-Hans").await;
    let names = hit_names(&agents);
    assert_eq!(
        names[0],
        concept("capability-levels", "l3"),
        "alt label 智能体, exact"
    );
    assert_eq!(agents.hits[0].match_kind(), pb::MatchKind::Exact);
    assert_eq!(agents.hits[0].matched_field(), pb::MatchField::AltLabel);
    assert!(names.contains(&concept("applications", "agent-applications").as_str()));

    // Spaces between Chinese and Latin words do not matter.
    let native = search(&mut c, "AI原生应用收入", "zh-Hans").await;
    assert_eq!(
        hit_names(&native)[0],
        concept("industry", "ai-native-applications")
    );
    assert_eq!(native.hits[0].match_kind(), pb::MatchKind::Exact);
    assert_eq!(native.hits[0].matched_text, "AI 原生应用收入");
}

#[tokio::test]
async fn search_ranks_exact_then_prefix_then_substring_then_definition() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let agents = search(&mut c, "agents", "en").await;
    let first = &agents.hits[0];
    assert_eq!(
        first.concept.as_ref().unwrap().name,
        concept("capability-levels", "l3")
    );
    assert_eq!(first.score, 1.0);
    assert_eq!(first.matched_field(), pb::MatchField::PrefLabel);
    assert_eq!(first.matched_language_code, "en");
    assert_eq!(first.matched_text, "Agents");
    let scores: Vec<f64> = agents.hits.iter().map(|h| h.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for hit in &agents.hits {
        let expected = match hit.match_kind() {
            pb::MatchKind::Exact => 1.0,
            pb::MatchKind::Prefix => 0.75,
            pb::MatchKind::Substring => 0.5,
            pb::MatchKind::Definition => 0.25,
            pb::MatchKind::Unspecified => panic!("unspecified kind in {hit:?}"),
        };
        assert_eq!(hit.score, expected, "{hit:?}");
    }
    assert!(
        agents
            .hits
            .iter()
            .any(|h| h.match_kind() == pb::MatchKind::Definition)
    );

    // Ties keep scheme order: levels before trends before applications.
    let tied: Vec<&str> = agents
        .hits
        .iter()
        .filter(|h| h.match_kind() == pb::MatchKind::Substring)
        .map(|h| h.concept.as_ref().unwrap().scheme.as_str())
        .collect();
    let positions: Vec<usize> = tied
        .iter()
        .map(|s| {
            SCHEMES
                .iter()
                .position(|x| format!("schemes/{x}") == *s)
                .unwrap()
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{tied:?}");

    // The notation is a label; case and width do not matter.
    let l3 = search(&mut c, "ｌ3", "en").await;
    assert_eq!(hit_names(&l3)[0], concept("capability-levels", "l3"));
    assert_eq!(l3.hits[0].matched_field(), pb::MatchField::Notation);
    assert_eq!(l3.hits[0].match_kind(), pb::MatchKind::Exact);

    let maas = search(&mut c, "MAAS", "en").await;
    assert_eq!(hit_names(&maas)[0], concept("industry", "maas"));
    assert_eq!(maas.hits[0].match_kind(), pb::MatchKind::Exact);
    assert!(
        hit_names(&maas).contains(&concept("industry", "model-based-revenue").as_str()),
        "its definition names MaaS"
    );
}

#[tokio::test]
async fn a_query_in_one_language_returns_results_in_the_other() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let response = search(&mut c, "思维链", "en").await;
    assert_eq!(response.language_code, "en");
    let hit = &response.hits[0];
    let found = hit.concept.as_ref().unwrap();
    assert_eq!(found.name, concept("trends", "cot-reasoning-models"));
    assert_eq!(
        found.pref_label,
        "Chain of thought and the rise of reasoning models"
    );
    assert_eq!(hit.matched_language_code, "zh-Hans");
    assert_eq!(hit.matched_text, "思维链");
    assert_eq!(hit.match_kind(), pb::MatchKind::Exact);

    let response = search(&mut c, "content moderation", "zh-Hans").await;
    let hit = &response.hits[0];
    assert_eq!(hit.concept.as_ref().unwrap().pref_label, "大规模内容审核");
    assert_eq!(hit.matched_language_code, "en");
}

#[tokio::test]
async fn search_hits_are_light_by_default_and_whole_with_the_full_view() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let request = |view: pb::ConceptView| pb::SearchConceptsRequest {
        query: "MAAS".into(),
        language_code: "en".into(),
        view: view.into(),
        ..Default::default()
    };
    let first = |response: pb::SearchConceptsResponse| {
        response
            .hits
            .into_iter()
            .next()
            .and_then(|h| h.concept)
            .expect("a hit")
    };
    let whole = get_concept(&mut c, &concept("industry", "maas"), "en")
        .await
        .concept
        .unwrap();
    for view in [pb::ConceptView::Unspecified, pb::ConceptView::Basic] {
        let basic = first(c.search_concepts(request(view)).await.unwrap().into_inner());
        assert_eq!(
            basic,
            pb::Concept {
                name: whole.name.clone(),
                notation: whole.notation.clone(),
                pref_label: whole.pref_label.clone(),
                scheme: whole.scheme.clone(),
                ..Default::default()
            },
            "{view:?}"
        );
    }
    let full = first(
        c.search_concepts(request(pb::ConceptView::Full))
            .await
            .unwrap()
            .into_inner(),
    );
    assert_eq!(full, whole);

    let status = c
        .search_concepts(pb::SearchConceptsRequest {
            view: 7,
            ..request(pb::ConceptView::Full)
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("CONCEPT_VIEW_FULL"), "{status:?}");
}

#[tokio::test]
async fn search_filters_by_scheme_and_pages() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let all = search(&mut c, "a", "en").await;
    assert!(all.total_size > 20, "{}", all.total_size);
    let request = |page_token: String| pb::SearchConceptsRequest {
        query: "a".into(),
        language_code: "en".into(),
        schemes: Vec::new(),
        page_size: 7,
        page_token,
        view: pb::ConceptView::Basic.into(),
    };
    let mut walked = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .search_concepts(request(token))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, all.total_size);
        walked.extend(page.hits.into_iter().map(|h| h.concept.unwrap().name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(walked, hit_names(&all));

    let filtered = c
        .search_concepts(pb::SearchConceptsRequest {
            query: "AI".into(),
            language_code: "en".into(),
            schemes: vec![
                "schemes/capability-levels".into(),
                "schemes/barriers".into(),
            ],
            page_size: 0,
            page_token: String::new(),
            view: pb::ConceptView::Full.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(filtered.total_size, 5, "{:?}", hit_names(&filtered));
    for hit in &filtered.hits {
        assert_eq!(
            hit.concept.as_ref().unwrap().scheme,
            "schemes/capability-levels"
        );
    }
    let none = search(&mut c, "no such words anywhere", "en").await;
    assert_eq!((none.total_size, none.hits.len()), (0, 0));
}

// ---- milestones ----

const TIMELINE: [&str; 12] = [
    "2022-cot-prompting",
    "2022-diffusion-transformer-text-to-image",
    "2022-inference-cost-about-20-usd",
    "2023-gemini-sandboxed-code-execution",
    "2023-gpt-4-plugins-function-calling",
    "2023-human-like-voice",
    "2023-video-generation",
    "2024-reasoning-models",
    "2024-inference-cost-below-0-1-usd",
    "2025-agent-capabilities-strengthened",
    "2025-inference-time-scaling-law",
    "2025-03-gpt-4o-native-multimodal",
];

async fn milestones(c: &mut Client, request: pb::ListMilestonesRequest) -> Vec<pb::Milestone> {
    c.list_milestones(request)
        .await
        .unwrap()
        .into_inner()
        .milestones
}

fn ids(milestones: &[pb::Milestone]) -> Vec<&str> {
    milestones
        .iter()
        .map(|m| m.name.strip_prefix("milestones/").unwrap())
        .collect()
}

#[tokio::test]
async fn the_timeline_is_in_date_order() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let all = milestones(
        &mut c,
        pb::ListMilestonesRequest {
            language_code: "en".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&all), TIMELINE);
    let date = |m: &pb::Milestone| (m.year, m.month, m.end_of_year);
    assert_eq!(date(&all[2]), (2022, 0, true));
    assert_eq!(date(&all[8]), (2024, 0, true));
    assert_eq!(date(&all[11]), (2025, 3, false));
    assert_eq!(all.iter().filter(|m| m.end_of_year).count(), 2);
    for milestone in &all {
        assert!(!milestone.concepts.is_empty(), "{milestone:?}");
        assert!(
            ["2.1", "2.2", "2.3"].contains(&milestone.source.as_str()),
            "{milestone:?}"
        );
        assert_eq!(milestone.title, text(&milestone.titles, "en"));
        assert!(!text(&milestone.titles, "zh-Hans").is_empty());
        assert!(!text(&milestone.descriptions, "zh-Hans").is_empty());
        // Every concept a milestone names exists.
        let concepts = c
            .batch_get_concepts(pb::BatchGetConceptsRequest {
                names: milestone.concepts.clone(),
                language_code: "en".into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(concepts.concepts.len(), milestone.concepts.len());
    }
    assert!(all[2].description.contains("USD 20"), "{:?}", all[2]);
    assert!(text(&all[8].descriptions, "zh-Hans").contains("0.1 美元以下"));

    let span = milestones(
        &mut c,
        pb::ListMilestonesRequest {
            start_year: 2023,
            end_year: 2024,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&span), TIMELINE[3..9]);
    let from = milestones(
        &mut c,
        pb::ListMilestonesRequest {
            start_year: 2025,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&from), TIMELINE[9..]);

    let agentic = milestones(
        &mut c,
        pb::ListMilestonesRequest {
            concept: concept("trends", "agentic-tool-use"),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ids(&agentic),
        [
            "2023-gemini-sandboxed-code-execution",
            "2023-gpt-4-plugins-function-calling",
            "2025-agent-capabilities-strengthened"
        ]
    );

    // Paging one at a time walks the same timeline.
    let mut walked = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = c
            .list_milestones(pb::ListMilestonesRequest {
                page_size: 5,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        walked.extend(page.milestones);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(ids(&walked), TIMELINE);

    let gpt4o = c
        .get_milestone(pb::GetMilestoneRequest {
            name: "milestones/2025-03-gpt-4o-native-multimodal".into(),
            language_code: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let gpt4o = gpt4o.milestone.unwrap();
    assert_eq!((gpt4o.year, gpt4o.month), (2025, 3));
    assert_eq!(gpt4o.title, "GPT-4o 原生多模态升级");
    assert!(
        gpt4o
            .concepts
            .contains(&concept("applications", "multimodal-applications"))
    );
}

// ---- links to the forecast service ----

#[tokio::test]
async fn series_links_resolve_against_the_forecast_service() {
    let servers = Servers::start().await;
    let mut taxonomy = client(&servers.taxonomy).await;
    let mut forecast = ForecastServiceClient::new(servers.forecast.channel().await);
    let series = |id: &str| format!("datasets/cic-global-llm-2026/series/{id}");
    let expected = [
        (
            concept("industry", "model-based-revenue"),
            series("market-size"),
        ),
        (
            concept("industry", "ai-native-applications"),
            series("application-market"),
        ),
        (concept("industry", "maas"), series("maas-market")),
        (concept("drivers", "cost-decline"), series("inference-cost")),
    ];
    for (name, linked) in &expected {
        let got = get_concept(&mut taxonomy, name, "en")
            .await
            .concept
            .unwrap();
        assert_eq!(&got.series, std::slice::from_ref(linked), "{name}");
    }
    let mut linked = BTreeSet::new();
    for scheme in SCHEMES {
        for concept in list_all(&mut taxonomy, scheme, "en").await {
            linked.extend(concept.series);
        }
    }
    assert_eq!(linked.len(), 4, "{linked:?}");
    for name in linked {
        let got = forecast
            .get_series(fpb::GetSeriesRequest { name: name.clone() })
            .await
            .unwrap_or_else(|e| panic!("{name} does not resolve: {e:?}"))
            .into_inner()
            .series
            .unwrap();
        assert_eq!(got.name, name);
    }
}

#[tokio::test]
async fn serves_other_vocabularies_beside_the_builtin_one() {
    let text = r#"
[[schemes]]
id = "other"
title_zh_hans = "其他"
title_en = "Other"
source = "1"
[[schemes.concepts]]
id = "thing"
pref_label_zh_hans = "东西"
pref_label_en = "Thing"
related = ["capability-levels/l3"]
series = ["s"]
"#;
    let mut sources = data::all_sources(&[]).unwrap();
    sources.push(DatasetFiles::taxonomy_only(
        "another-report",
        DataFile::owned("another-report/taxonomy.toml", text.to_owned()),
    ));
    let vocabulary = taxonomy::Vocabulary::load(&sources).unwrap();
    let server = TestServer::start(llmarket_server::app::routes::taxonomy(Arc::new(
        ArcSwap::from_pointee(vocabulary),
    )))
    .await;
    let mut c = client(&server).await;
    let thing = get_concept(&mut c, "schemes/other/concepts/thing", "en")
        .await
        .concept
        .unwrap();
    assert_eq!(thing.series, ["datasets/another-report/series/s"]);
    let l3 = get_concept(&mut c, &concept("capability-levels", "l3"), "en")
        .await
        .concept
        .unwrap();
    assert!(
        l3.related.contains(&thing.name),
        "related is served both ways"
    );

    // The same scheme twice is refused whole.
    sources.push(sources[1].clone());
    let err = taxonomy::Vocabulary::load(&sources).unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
}

/// The built-in vocabulary plus a dataset `reloaded` whose scheme `other` has `concepts` (in
/// that order), each labelled "Widget {id}" and each with a milestone in the year its id names
/// (`y2019` → 2019) concerning the concept `y2010` (which every caller includes).
fn vocabulary_with(concepts: &[&str]) -> taxonomy::Vocabulary {
    let mut text = String::from(
        "[[schemes]]\nid = \"other\"\ntitle_zh_hans = \"其他\"\ntitle_en = \"Other\"\nsource = \"1\"\n",
    );
    for id in concepts {
        text.push_str(&format!(
            "[[schemes.concepts]]\nid = \"{id}\"\npref_label_zh_hans = \"部件{id}\"\n\
             pref_label_en = \"Widget {id}\"\n"
        ));
    }
    for id in concepts {
        let year = id.trim_start_matches('y');
        text.push_str(&format!(
            "[[milestones]]\nid = \"m{id}\"\nyear = {year}\ntitle_zh_hans = \"事件\"\n\
             title_en = \"Event\"\nconcepts = [\"other/y2010\"]\nsource = \"1\"\n"
        ));
    }
    let mut sources = data::all_sources(&[]).unwrap();
    sources.push(DatasetFiles::taxonomy_only(
        "reloaded",
        DataFile::owned("reloaded/taxonomy.toml", text),
    ));
    taxonomy::Vocabulary::load(&sources).unwrap()
}

#[tokio::test]
async fn page_tokens_survive_a_reload_that_adds_items_before_their_position() {
    let shared = Arc::new(ArcSwap::from_pointee(vocabulary_with(&[
        "y2010", "y2012", "y2014", "y2016",
    ])));
    let server = TestServer::start(llmarket_server::app::routes::taxonomy(shared.clone())).await;
    let mut c = client(&server).await;
    // After the first page of each list, a reload (as SIGHUP does it) adds an item before the
    // token's position and one after it.
    let reload = || {
        shared.store(Arc::new(vocabulary_with(&[
            "y2009", "y2010", "y2012", "y2014", "y2015", "y2016",
        ])))
    };

    let concepts = |page_token: String| pb::ListConceptsRequest {
        parent: "schemes/other".into(),
        page_size: 2,
        page_token,
        ..Default::default()
    };
    let first = c
        .list_concepts(concepts(String::new()))
        .await
        .unwrap()
        .into_inner();
    reload();
    let mut seen: Vec<String> = first.concepts.into_iter().map(|c| c.name).collect();
    let mut token = first.next_page_token;
    while !token.is_empty() {
        let page = c.list_concepts(concepts(token)).await.unwrap().into_inner();
        seen.extend(page.concepts.into_iter().map(|c| c.name));
        token = page.next_page_token;
    }
    let ids: Vec<&str> = seen.iter().map(|n| n.rsplit('/').next().unwrap()).collect();
    assert_eq!(ids, ["y2010", "y2012", "y2014", "y2015", "y2016"]);

    shared.store(Arc::new(vocabulary_with(&[
        "y2010", "y2012", "y2014", "y2016",
    ])));
    let timeline = |page_token: String| pb::ListMilestonesRequest {
        concept: concept("other", "y2010"),
        page_size: 2,
        page_token,
        ..Default::default()
    };
    let first = c
        .list_milestones(timeline(String::new()))
        .await
        .unwrap()
        .into_inner();
    reload();
    let mut seen = ids_of(first.milestones);
    let mut token = first.next_page_token;
    while !token.is_empty() {
        let page = c
            .list_milestones(timeline(token))
            .await
            .unwrap()
            .into_inner();
        seen.extend(ids_of(page.milestones));
        token = page.next_page_token;
    }
    assert_eq!(seen, ["my2010", "my2012", "my2014", "my2015", "my2016"]);

    let schemes = |page_token: String| pb::ListSchemesRequest {
        page_size: 7,
        page_token,
        ..Default::default()
    };
    let first = c
        .list_schemes(schemes(String::new()))
        .await
        .unwrap()
        .into_inner();
    let rest = c
        .list_schemes(schemes(first.next_page_token))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = first
        .schemes
        .iter()
        .chain(&rest.schemes)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names.len(), SCHEMES.len() + 1);
    assert_eq!(names.last(), Some(&"schemes/other"));
}

fn ids_of(milestones: Vec<pb::Milestone>) -> Vec<String> {
    milestones
        .into_iter()
        .map(|m| m.name.trim_start_matches("milestones/").to_owned())
        .collect()
}

#[tokio::test]
async fn a_search_token_is_refused_once_the_data_changed_and_accepted_on_the_same_data() {
    let shared = Arc::new(ArcSwap::from_pointee(vocabulary_with(&["y2010", "y2012"])));
    let server = TestServer::start(llmarket_server::app::routes::taxonomy(shared.clone())).await;
    let mut c = client(&server).await;
    let request = |page_token: String| pb::SearchConceptsRequest {
        query: "widget".into(),
        page_size: 1,
        page_token,
        ..Default::default()
    };
    let first = c
        .search_concepts(request(String::new()))
        .await
        .unwrap()
        .into_inner();
    assert!(!first.next_page_token.is_empty());

    // The same data loaded again (another replica, or a reload of unchanged files) takes it.
    shared.store(Arc::new(vocabulary_with(&["y2010", "y2012"])));
    let second = c
        .search_concepts(request(first.next_page_token.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.hits.len(), 1);

    shared.store(Arc::new(vocabulary_with(&["y2009", "y2010", "y2012"])));
    let result = c.search_concepts(request(first.next_page_token)).await;
    let message = result
        .as_ref()
        .map_err(|s| s.message().to_owned())
        .unwrap_err();
    assert!(
        message.starts_with("page_token: the data changed; start again"),
        "{message}"
    );
    assert_invalid(result, "page_token");
}

// ---- bad input ----

/// One request to any method, so bad-input tests can be tables.
#[derive(Debug, Clone)]
enum Call {
    ListSchemes(pb::ListSchemesRequest),
    GetScheme(pb::GetSchemeRequest),
    ListConcepts(pb::ListConceptsRequest),
    GetConcept(pb::GetConceptRequest),
    BatchGet(pb::BatchGetConceptsRequest),
    Search(pb::SearchConceptsRequest),
    ListMilestones(pb::ListMilestonesRequest),
    GetMilestone(pb::GetMilestoneRequest),
}

impl Call {
    /// Makes the call; the answer itself is not needed.
    async fn run(self, c: &mut Client) -> Result<(), Status> {
        match self {
            Call::ListSchemes(r) => c.list_schemes(r).await.map(drop),
            Call::GetScheme(r) => c.get_scheme(r).await.map(drop),
            Call::ListConcepts(r) => c.list_concepts(r).await.map(drop),
            Call::GetConcept(r) => c.get_concept(r).await.map(drop),
            Call::BatchGet(r) => c.batch_get_concepts(r).await.map(drop),
            Call::Search(r) => c.search_concepts(r).await.map(drop),
            Call::ListMilestones(r) => c.list_milestones(r).await.map(drop),
            Call::GetMilestone(r) => c.get_milestone(r).await.map(drop),
        }
    }
}

fn get_scheme_named(name: &str) -> Call {
    Call::GetScheme(pb::GetSchemeRequest {
        name: name.into(),
        ..Default::default()
    })
}

fn get_concept_named(name: &str) -> Call {
    Call::GetConcept(pb::GetConceptRequest {
        name: name.into(),
        ..Default::default()
    })
}

fn get_milestone_named(name: &str) -> Call {
    Call::GetMilestone(pb::GetMilestoneRequest {
        name: name.into(),
        ..Default::default()
    })
}

fn list_concepts(parent: &str, broader: &str) -> Call {
    Call::ListConcepts(pb::ListConceptsRequest {
        parent: parent.into(),
        broader: broader.into(),
        ..Default::default()
    })
}

fn search_in(query: &str, schemes: &[&str]) -> Call {
    Call::Search(pb::SearchConceptsRequest {
        query: query.into(),
        schemes: schemes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

fn milestones_of(concept: &str) -> Call {
    Call::ListMilestones(pb::ListMilestonesRequest {
        concept: concept.into(),
        ..Default::default()
    })
}

fn batch_get(names: Vec<String>) -> Call {
    Call::BatchGet(pb::BatchGetConceptsRequest {
        names,
        ..Default::default()
    })
}

/// Runs every call of `cases` and asserts it is INVALID_ARGUMENT for the field beside it.
async fn assert_all_invalid(c: &mut Client, cases: Vec<(Call, &str)>) {
    for (call, field) in cases {
        let described = format!("{call:?}");
        let result = call.run(c).await;
        assert!(result.is_err(), "{described} succeeded");
        assert_invalid(result, field);
    }
}

#[tokio::test]
async fn unknown_resources_are_not_found() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let maas = concept("industry", "maas");
    let cases = [
        (get_scheme_named("schemes/nope"), "schemes/nope"),
        (
            get_concept_named("schemes/industry/concepts/nope"),
            "schemes/industry/concepts/nope",
        ),
        (
            get_concept_named("schemes/nope/concepts/maas"),
            "schemes/nope/concepts/maas",
        ),
        (
            batch_get(vec![maas, concept("industry", "nope")]),
            "schemes/industry/concepts/nope",
        ),
        (list_concepts("schemes/nope", ""), "schemes/nope"),
        (
            list_concepts("schemes/industry", &concept("industry", "nope")),
            "schemes/industry/concepts/nope",
        ),
        (
            search_in("ai", &["schemes/industry", "schemes/nope"]),
            "schemes/nope",
        ),
        (
            milestones_of(&concept("trends", "nope")),
            "schemes/trends/concepts/nope",
        ),
        (get_milestone_named("milestones/nope"), "milestones/nope"),
    ];
    for (call, resource) in cases {
        assert_not_found(call.run(&mut c).await, resource);
    }
}

#[tokio::test]
async fn not_found_names_the_nearest_names_in_the_message_and_the_details() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let cases = [
        (
            get_concept_named("schemes/capability-levels/concepts/l9"),
            "schemes/capability-levels/concepts/l9",
            "schemes/capability-levels/concepts/l1",
        ),
        (
            get_concept_named("schemes/capability-levels/concepts/agents"),
            "schemes/capability-levels/concepts/agents",
            "schemes/capability-levels/concepts/l3",
        ),
        (
            get_concept_named("schemes/nope/concepts/maas"),
            "schemes/nope/concepts/maas",
            "schemes/industry/concepts/maas",
        ),
        (
            get_scheme_named("schemes/driver"),
            "schemes/driver",
            "schemes/drivers",
        ),
        (
            list_concepts("schemes/trend", ""),
            "schemes/trend",
            "schemes/trends",
        ),
        (
            search_in("ai", &["schemes/industri"]),
            "schemes/industri",
            "schemes/industry",
        ),
        (
            milestones_of(&concept("drivers", "scaling")),
            "schemes/drivers/concepts/scaling",
            "schemes/drivers/concepts/scaling-law",
        ),
    ];
    for (call, resource, first) in cases {
        let nearest = assert_not_found(call.run(&mut c).await, resource);
        assert!(nearest.len() <= 3, "{resource}: {nearest:?}");
        assert_eq!(
            nearest.first().map(String::as_str),
            Some(first),
            "{resource}: {nearest:?}"
        );
    }
}

#[tokio::test]
async fn malformed_names_are_invalid_arguments() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let maas = concept("industry", "maas");
    let mut cases = Vec::new();
    for bad in [
        "",
        "schemes",
        "schemes/",
        "scheme/industry",
        "schemes/Industry",
        "schemes/a/b",
    ] {
        cases.push((get_scheme_named(bad), "name"));
        cases.push((list_concepts(bad, ""), "parent"));
    }
    for bad in [
        "",
        "schemes/industry",
        "schemes/industry/concepts/",
        "schemes/industry/concepts/MaaS",
    ] {
        cases.push((get_concept_named(bad), "name"));
    }
    for bad in ["", "milestone/x", "milestones/X", "milestones/a/b"] {
        cases.push((get_milestone_named(bad), "name"));
    }
    cases.extend([
        (list_concepts("schemes/industry", "maas"), "broader"),
        // A broader concept of another scheme than the parent.
        (
            list_concepts("schemes/industry", &concept("drivers", "scaling-law")),
            "broader",
        ),
        (
            batch_get(vec![maas.clone(), "schemes/industry/maas".into()]),
            "names[1]",
        ),
        (batch_get(vec![maas.clone(); 1001]), "names"),
        // A repeat, even far from the first: the index of the repeat is at fault.
        (
            batch_get(vec![
                maas.clone(),
                concept("capability-levels", "l1"),
                maas.clone(),
            ]),
            "names[2]",
        ),
        (batch_get(vec![maas; 1000]), "names[1]"),
        (
            search_in("ai", &["schemes/industry", "industry"]),
            "schemes[1]",
        ),
        (milestones_of("trends/agentic-tool-use"), "concept"),
    ]);
    assert_all_invalid(&mut c, cases).await;
}

#[tokio::test]
async fn bad_queries_years_and_paging_are_invalid_arguments() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    let too_long = "推".repeat(257);
    let years = |start_year, end_year| {
        Call::ListMilestones(pb::ListMilestonesRequest {
            start_year,
            end_year,
            ..Default::default()
        })
    };
    let mut cases = vec![
        (search_in("", &[]), "query"),
        (search_in("   ", &[]), "query"),
        (search_in(&too_long, &[]), "query"),
        (years(2025, 2023), "start_year"),
        (years(1899, 0), "start_year"),
        (years(-5, 0), "start_year"),
        (years(0, 2201), "end_year"),
        (years(2023, i32::MAX), "end_year"),
        (
            Call::ListSchemes(pb::ListSchemesRequest {
                page_size: -1,
                ..Default::default()
            }),
            "page_size",
        ),
        (
            Call::ListConcepts(pb::ListConceptsRequest {
                parent: "schemes/industry".into(),
                page_size: i32::MIN,
                ..Default::default()
            }),
            "page_size",
        ),
        (
            Call::Search(pb::SearchConceptsRequest {
                query: "ai".into(),
                page_size: -3,
                ..Default::default()
            }),
            "page_size",
        ),
        (
            Call::ListMilestones(pb::ListMilestonesRequest {
                page_size: -1,
                ..Default::default()
            }),
            "page_size",
        ),
    ];
    // Made-up tokens, and real tokens used with another method or other filters.
    let concepts_page = c
        .list_concepts(pb::ListConceptsRequest {
            parent: "schemes/industry".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let foreign = concepts_page.next_page_token;
    assert!(!foreign.is_empty());
    for page_token in ["garbage".to_owned(), "0".repeat(32), foreign.clone()] {
        cases.extend([
            (
                Call::ListMilestones(pb::ListMilestonesRequest {
                    page_token: page_token.clone(),
                    ..Default::default()
                }),
                "page_token",
            ),
            (
                Call::Search(pb::SearchConceptsRequest {
                    query: "ai".into(),
                    page_token: page_token.clone(),
                    ..Default::default()
                }),
                "page_token",
            ),
            (
                Call::ListSchemes(pb::ListSchemesRequest {
                    page_token,
                    ..Default::default()
                }),
                "page_token",
            ),
        ]);
    }
    let search_page = c
        .search_concepts(pb::SearchConceptsRequest {
            query: "ai".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    cases.extend([
        (
            Call::ListConcepts(pb::ListConceptsRequest {
                parent: "schemes/drivers".into(),
                page_size: 1,
                page_token: foreign,
                ..Default::default()
            }),
            "page_token",
        ),
        (
            Call::Search(pb::SearchConceptsRequest {
                query: "model".into(),
                page_size: 1,
                page_token: search_page.next_page_token,
                ..Default::default()
            }),
            "page_token",
        ),
    ]);
    assert_all_invalid(&mut c, cases).await;

    // The edges of the valid ranges are accepted: 256 characters is still a query (it finds
    // nothing), and the first and last years are bounds.
    let longest = c
        .search_concepts(pb::SearchConceptsRequest {
            query: "推".repeat(256),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(longest.total_size, 0);
    for (start, end) in [(1900, 2200), (2024, 2024)] {
        assert!(
            years(start, end).run(&mut c).await.is_ok(),
            "{start}..={end}"
        );
    }
}

#[tokio::test]
async fn odd_input_does_not_hurt_the_server() {
    let server = TestServer::taxonomy().await;
    let mut c = client(&server).await;
    for query in [
        "\0",
        "🦀",
        "İ",
        "ﬃ",
        "\u{301}",
        "a\u{0}b",
        "%s%n",
        "' OR 1=1 --",
        "\u{feff}",
    ] {
        let response = c
            .search_concepts(pb::SearchConceptsRequest {
                query: query.into(),
                language_code: "\u{0}\u{ffff}".into(),
                page_size: i32::MAX,
                ..Default::default()
            })
            .await;
        let response = response
            .unwrap_or_else(|e| panic!("{query:?}: {e:?}"))
            .into_inner();
        assert!(response.language_fallback);
    }
    let huge = c
        .list_concepts(pb::ListConceptsRequest {
            parent: "schemes/trends".into(),
            page_size: i32::MAX,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(huge.next_page_token.is_empty());
    let name = format!("schemes/{}", "a".repeat(1_000));
    assert_invalid(
        c.get_scheme(pb::GetSchemeRequest {
            name,
            ..Default::default()
        })
        .await,
        "name",
    );
    // Still serving.
    assert!(
        c.list_schemes(pb::ListSchemesRequest::default())
            .await
            .is_ok()
    );
}
